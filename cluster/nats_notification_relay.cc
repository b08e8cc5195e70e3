#include "cluster/nats_notification_relay.h"

#include <nats/nats.h>

#include <cstdio>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cluster/nats_connection.h"

namespace hindsight::cluster {
namespace {

// How long connecting, and Stop's wait for the last message, may take.
constexpr absl::Duration kTimeout = absl::Seconds(5);
// How long Start waits for the servers to confirm its subscription.
constexpr absl::Duration kSubscribeWait = absl::Seconds(1);
// The servers' largest message until the client has connected (NATS's
// default max_payload).
constexpr size_t kDefaultMaxPayload = size_t{1} << 20;

}  // namespace

std::string EncodeRelayed(const server::RelayedNotifications& batch) {
  std::string out = absl::StrCat(batch.applied);
  out.push_back('\0');
  for (const server::Notification& n : batch.notes) {
    absl::StrAppend(&out, n.sender);
    out.push_back('\0');
    absl::StrAppend(&out, n.channel);
    out.push_back('\0');
    absl::StrAppend(&out, n.payload);
    out.push_back('\0');
  }
  return out;
}

std::vector<std::string> EncodeRelayedInPieces(const server::RelayedNotifications& batch, size_t max_bytes) {
  std::vector<std::string> pieces;
  std::string piece;
  for (const server::Notification& n : batch.notes) {
    std::string one = EncodeRelayed({batch.applied, {n}});
    if (piece.empty()) {
      piece = std::move(one);
    } else if (piece.size() + one.size() - one.find('\0') - 1 <= max_bytes) {
      piece.append(one, one.find('\0') + 1);  // without its applied id
    } else {
      pieces.push_back(std::exchange(piece, std::move(one)));
    }
  }
  if (!piece.empty()) pieces.push_back(std::move(piece));
  return pieces;
}

std::optional<server::RelayedNotifications> DecodeRelayed(std::string_view message) {
  if (message.empty() || message.back() != '\0') return std::nullopt;
  message.remove_suffix(1);
  const std::vector<absl::string_view> fields = absl::StrSplit(absl::string_view(message.data(), message.size()), '\0');
  if (fields.size() % 3 != 1) return std::nullopt;
  server::RelayedNotifications batch;
  if (!absl::SimpleAtoi(fields[0], &batch.applied)) return std::nullopt;
  for (size_t i = 1; i < fields.size(); i += 3) {
    server::Notification n;
    if (!absl::SimpleAtoi(fields[i], &n.sender) || fields[i + 1].empty()) return std::nullopt;
    n.channel = std::string(fields[i + 1]);
    n.payload = std::string(fields[i + 2]);
    batch.notes.push_back(std::move(n));
  }
  if (batch.notes.empty()) return std::nullopt;
  return batch;
}

struct NatsNotificationRelay::Handles {
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  natsSubscription* subscription = nullptr;

  ~Handles() {
    natsSubscription_Destroy(subscription);
    if (connection != nullptr) natsConnection_Close(connection);
    natsConnection_Destroy(connection);
    natsOptions_Destroy(options);
  }
};

absl::StatusOr<std::unique_ptr<NatsNotificationRelay>> NatsNotificationRelay::Connect(
    const std::vector<std::string>& servers, const std::string& stream) {
  auto handles = std::make_unique<Handles>();
  natsStatus s = natsOptions_Create(&handles->options);
  if (s == NATS_OK) s = ConfigureNats(handles->options, servers, kTimeout, /*in_background=*/true, /*no_echo=*/true);
  // Each batch is written to the socket as it is sent, not when the
  // client's flusher thread next runs.
  if (s == NATS_OK) s = natsOptions_SetSendAsap(handles->options, true);
  if (s != NATS_OK) return absl::InvalidArgumentError(absl::StrCat("bad NATS options: ", NatsError(s)));
  s = natsConnection_Connect(&handles->connection, handles->options);
  if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to NATS at ", absl::StrJoin(servers, ","), ": ", NatsError(s)));
  }
  return std::unique_ptr<NatsNotificationRelay>(
      new NatsNotificationRelay(std::move(handles), absl::StrCat(stream, ".notify")));
}

NatsNotificationRelay::NatsNotificationRelay(std::unique_ptr<Handles> handles, std::string subject)
    : handles_(std::move(handles)), subject_(std::move(subject)) {}

NatsNotificationRelay::~NatsNotificationRelay() { Stop(); }

void NatsNotificationRelay::Send(const server::RelayedNotifications& batch) {
  const int64_t max_payload = natsConnection_GetMaxPayload(handles_->connection);  // 0 until connected
  for (const std::string& message :
       EncodeRelayedInPieces(batch, max_payload > 0 ? static_cast<size_t>(max_payload) : kDefaultMaxPayload)) {
    // Buffered by the client, and while it reconnects; an error drops it.
    (void)natsConnection_Publish(handles_->connection, subject_.c_str(), message.data(),
                                 static_cast<int>(message.size()));
  }
}

void NatsNotificationRelay::Start(std::function<void(server::RelayedNotifications)> receive) {
  {
    absl::MutexLock lock(&mu_);
    receive_ = std::move(receive);
  }
  const natsMsgHandler on_message = [](natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    static_cast<NatsNotificationRelay*>(closure)->OnMessage(
        std::string_view(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg))));
    natsMsg_Destroy(msg);
  };
  natsStatus s = natsConnection_Subscribe(&handles_->subscription, handles_->connection, subject_.c_str(),
                                          on_message, this);
  if (s == NATS_OK) {
    s = natsSubscription_SetOnCompleteCB(
        handles_->subscription,
        [](void* closure) { static_cast<NatsNotificationRelay*>(closure)->unsubscribed_.Notify(); }, this);
  }
  // A round trip, so that the servers have the subscription before the
  // node serves; a server away takes it when the client reconnects.
  if (s == NATS_OK) (void)natsConnection_FlushTimeout(handles_->connection, Millis(kSubscribeWait));
  if (s != NATS_OK) {
    std::fprintf(stderr, "hindsight: cannot subscribe to %s, so no other node's notification reaches this one: %s\n",
                 subject_.c_str(), NatsError(s).c_str());
  }
}

void NatsNotificationRelay::OnMessage(std::string_view data) {
  std::optional<server::RelayedNotifications> batch = DecodeRelayed(data);
  if (!batch) return;
  absl::ReaderMutexLock lock(&mu_);
  if (!stopped_ && receive_) receive_(*std::move(batch));
}

void NatsNotificationRelay::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  if (handles_->subscription != nullptr && natsSubscription_Unsubscribe(handles_->subscription) == NATS_OK) {
    unsubscribed_.WaitForNotificationWithTimeout(kTimeout);
  }
}

}  // namespace hindsight::cluster
