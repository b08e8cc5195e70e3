// Carries NOTIFY's notifications between the servers of a cluster, so that
// a session listening on one node hears what sessions on every node send
// (docs/cluster.md). The server hands each batch its own sessions publish
// to Send, and publishes what Start's callback receives to its own
// listeners. cluster::NatsNotificationRelay is the implementation.
#ifndef HINDSIGHT_SERVER_NOTIFICATION_RELAY_H_
#define HINDSIGHT_SERVER_NOTIFICATION_RELAY_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "server/notification_queue.h"

namespace hindsight::server {

// Notifications published together on one server (a transaction block's,
// or one NOTIFY's), with how far that server had applied the log then: a
// receiving server tells its listeners once it has applied as much, so
// that a listener reads what the notifier's node had committed.
struct RelayedNotifications {
  uint64_t applied = 0;
  std::vector<Notification> notes;

  bool operator==(const RelayedNotifications&) const = default;
};

class NotificationRelay {
 public:
  virtual ~NotificationRelay() = default;

  // Sends `batch` to the other servers, without waiting for them: at most
  // once, dropped while they cannot be reached. Thread-safe.
  virtual void Send(const RelayedNotifications& batch) = 0;

  // From now on calls `receive` with each batch another server sent, one
  // at a time on a thread of the relay's, in the order each server sent
  // them. Called once.
  virtual void Start(std::function<void(RelayedNotifications)> receive) = 0;

  // Stops receiving: no call of `receive` runs or starts once this returns.
  virtual void Stop() = 0;
};

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_NOTIFICATION_RELAY_H_
