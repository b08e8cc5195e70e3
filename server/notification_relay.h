// Carries NOTIFY's notifications between the servers of a cluster, so that
// a session listening on one node hears what sessions on every node send
// (docs/cluster.md). The server hands each batch its own sessions publish
// to Send, and tells its own listeners what Start's callback receives
// (RelayedDelivery). cluster::NatsNotificationRelay is the implementation.
#ifndef HINDSIGHT_SERVER_NOTIFICATION_RELAY_H_
#define HINDSIGHT_SERVER_NOTIFICATION_RELAY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "hindsight/db.h"
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

// Tells a server's listeners what other nodes' sessions sent, in the
// order received: each batch once this node has applied as much as the
// sender's had (RelayedNotifications::applied), so that a listener that
// reads here finds what the notifier's transaction wrote. A batch waits at
// most `wait`; once one has waited that long, the next are told at once
// until this node has caught up with it (a node that stopped following
// holds none back). Not thread-safe: the relay's thread calls it.
class RelayedDelivery {
 public:
  // All must outlive it; `cancel` turning true ends a wait at once.
  RelayedDelivery(const Database* db, NotificationQueue* queue, absl::Duration wait, const std::atomic<bool>* cancel)
      : db_(db), queue_(queue), wait_(wait), cancel_(cancel) {}

  // Waits as above, then delivers: what NotificationQueue::Deliver says.
  absl::Status Receive(const RelayedNotifications& batch);

 private:
  const Database* db_;
  NotificationQueue* queue_;
  const absl::Duration wait_;
  const std::atomic<bool>* cancel_;
  uint64_t gave_up_at_ = 0;  // the applied id of the last batch that waited in vain
};

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_NOTIFICATION_RELAY_H_
