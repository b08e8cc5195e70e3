// NOTIFY's notifications between a cluster's nodes over core NATS (not
// JetStream: they are not kept): every node publishes its sessions'
// notifications on subject "<stream>.notify" and subscribes to it, on a
// connection of its own that does not receive its own messages. At most
// once: a notification sent while the NATS servers cannot be reached, or
// while a node is away from them, may not reach that node. A batch larger
// than the servers' largest message (max_payload) goes in several.
//
// A batch travels as one message, in this layout (each field text without
// NUL bytes, which neither PostgreSQL's strings nor names hold, each ended
// by a NUL byte): the sender's applied transaction id in decimal, then for
// each notification its sender pid in decimal, its channel and its
// payload.
#ifndef HINDSIGHT_CLUSTER_NATS_NOTIFICATION_RELAY_H_
#define HINDSIGHT_CLUSTER_NATS_NOTIFICATION_RELAY_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "server/notification_relay.h"

namespace hindsight::cluster {

// `batch` in the layout above. REQUIRES: no NUL byte in a channel or
// payload.
std::string EncodeRelayed(const server::RelayedNotifications& batch);
// `batch` as messages in the layout above of at most `max_bytes` each (a
// notification larger than that alone in its own), its notifications in
// order.
std::vector<std::string> EncodeRelayedInPieces(const server::RelayedNotifications& batch, size_t max_bytes);
// A message in the layout above; nullopt when it is not one (another
// program's message on the subject).
std::optional<server::RelayedNotifications> DecodeRelayed(std::string_view message);

class NatsNotificationRelay final : public server::NotificationRelay {
 public:
  // Connects to `servers` (a node's --nats), in the background when none
  // answers: sends are dropped until one does. InvalidArgument for options
  // the client refuses.
  static absl::StatusOr<std::unique_ptr<NatsNotificationRelay>> Connect(const std::vector<std::string>& servers,
                                                                         const std::string& stream);
  ~NatsNotificationRelay() override;

  void Send(const server::RelayedNotifications& batch) override;
  // Returns once the servers have the subscription (or after 1 s when
  // none answers: the client subscribes as it reconnects). A subscription
  // the client refuses is told on standard error: the node then hears no
  // other node's notifications.
  void Start(std::function<void(server::RelayedNotifications)> receive) override;
  void Stop() override;

 private:
  struct Handles;  // nats.c's options, connection and subscription
  NatsNotificationRelay(std::unique_ptr<Handles> handles, std::string subject);
  // nats.c's message handler (on the subscription's thread).
  void OnMessage(std::string_view data);

  std::unique_ptr<Handles> handles_;
  const std::string subject_;
  // Held shared while `receive_` runs, so that Stop, which takes it
  // exclusively, returns only once no call runs.
  absl::Mutex mu_;
  std::function<void(server::RelayedNotifications)> receive_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::Notification unsubscribed_;  // nats.c has dispatched its last message
};

}  // namespace hindsight::cluster

#endif  // HINDSIGHT_CLUSTER_NATS_NOTIFICATION_RELAY_H_
