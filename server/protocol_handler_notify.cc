// ProtocolHandler's notifications: LISTEN and UNLISTEN, NOTIFY and
// pg_notify, and what a listening session is told (protocol_handler.h).
#include "server/protocol_handler.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "hindsight/time.h"
#include "hindsight/value.h"
#include "server/sql_error.h"

namespace hindsight::server {
namespace {

// NOTIFY's limits, as PostgreSQL's: a channel is a name of at most 63
// bytes, a payload shorter than 8000 bytes.
constexpr size_t kMaxChannelBytes = 63;
constexpr size_t kMaxPayloadBytes = 8000;

// Whether LISTEN or NOTIFY may name `channel` (kCommitsChannel aside):
// 0A000 without a queue of notifications, 22023 for a name too long.
absl::Status CheckChannel(const std::string& channel, bool have_queue) {
  if (!have_queue) {
    return SqlError(absl::StatusCode::kUnimplemented, "0A000",
                    absl::StrCat("this session notifies only of commits, on channel ",
                                 ProtocolHandler::kCommitsChannel));
  }
  if (channel.size() > kMaxChannelBytes) {
    return SqlError(absl::StatusCode::kInvalidArgument, "22023",
                    absl::StrCat("channel name too long: ", channel.size(), " bytes, at most ", kMaxChannelBytes));
  }
  return absl::OkStatus();
}

// What tells a block's notifications apart: its channel and payload.
std::string KeyOf(const Notification& n) {
  std::string key = n.channel;
  key.push_back('\0');
  key += n.payload;
  return key;
}

}  // namespace

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::Listen(const Command& command) {
  const bool listen = command.kind == Command::Kind::kListen;
  const std::string& channel = command.parameter;
  if (listen && channel != kCommitsChannel) {
    if (absl::Status s = CheckChannel(channel, notifications_ != nullptr); !s.ok()) return s;
  }
  if (listen || session_.in_transaction()) {  // a channel more, or a LISTEN or UNLISTEN kept
    if (absl::Status s = CheckSessionMemory(ListenBytes(channel)); !s.ok()) return s;
  }
  if (session_.in_transaction()) {
    to_listen_.emplace_back(listen, channel);
    block_notify_bytes_ += ListenBytes(channel);
  } else {
    ApplyListen(listen, channel);
  }
  Answer a;
  a.tag = listen ? "LISTEN" : "UNLISTEN";
  return a;
}

void ProtocolHandler::ApplyListen(bool listen, const std::string& channel) {
  if (!listen) {
    if (channel == "*" || channel == kCommitsChannel) commits_told_.reset();
    if (channels_.erase(channel) > 0) channels_bytes_ -= ListenBytes(channel);
    if (channel == "*" || channels_.empty()) UnlistenChannels();
  } else if (channel == kCommitsChannel) {
    if (!commits_told_) commits_told_ = db_->LastTransaction().id;
  } else {
    if (channels_.insert(channel).second) channels_bytes_ += ListenBytes(channel);
    notifications_->Join(pid_);
  }
}

absl::StatusOr<Notification> ProtocolHandler::NotificationOf(const Command& command,
                                                              const internal::StatementParams* params) const {
  Notification n{pid_, command.parameter, command.argument};
  const std::pair<size_t, std::string*> given[] = {{command.channel_param, &n.channel},
                                                   {command.payload_param, &n.payload}};
  for (const auto& [index, text] : given) {
    if (index == 0) continue;
    if (params == nullptr || index > params->values.size()) {
      return SqlError(absl::StatusCode::kInvalidArgument, "08P01",
                      absl::StrCat("there is no parameter $", index));
    }
    *text = params->values[index - 1].value_or("");  // NULL: none
  }
  if (absl::Status s = CheckChannel(n.channel, notifications_ != nullptr); !s.ok()) return s;
  if (n.channel.empty()) return SqlError(absl::StatusCode::kInvalidArgument, "22023", "channel name cannot be empty");
  if (absl::StrContains(n.channel, '\0') || absl::StrContains(n.payload, '\0')) {
    // Only a binary parameter can hold one; PostgreSQL's text holds none.
    return SqlError(absl::StatusCode::kInvalidArgument, "22021",
                    "invalid byte sequence for encoding \"UTF8\": 0x00 in a channel or payload");
  }
  if (n.channel == kCommitsChannel) {
    return SqlError(absl::StatusCode::kInvalidArgument, "22023",
                    absl::StrCat("channel ", kCommitsChannel, " is the server's own: it tells of each commit"));
  }
  if (n.payload.size() >= kMaxPayloadBytes) {
    return SqlError(absl::StatusCode::kInvalidArgument, "22023",
                    absl::StrCat("payload string too long: ", n.payload.size(), " bytes, at most ",
                                 kMaxPayloadBytes - 1));
  }
  return n;
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::Notify(const Command& command,
                                                                const internal::StatementParams* params,
                                                                const std::vector<ColumnDescription>* columns) {
  absl::StatusOr<Notification> n = NotificationOf(command, params);
  if (!n.ok()) return n.status();
  if (session_.in_transaction()) {
    if (absl::Status s = KeepUntilCommit(*std::move(n)); !s.ok()) return s;
  } else if (absl::Status s = notifications_->Publish({*std::move(n)}); !s.ok()) {
    return SqlError(absl::StatusCode::kResourceExhausted, "54000", std::string(s.message()));
  }
  Answer a;
  a.tag = "NOTIFY";
  if (!command.select) return a;
  internal::Result r;  // pg_notify's row: one empty (void) value
  r.columns = {"pg_notify"};
  r.rows.push_back({internal::Cell::Text("")});
  EncodeCells(r, columns != nullptr ? *columns : *DescribeColumns(r.columns, {}), &a.rows);
  a.columns = std::move(r.columns);
  a.tag = "SELECT 1";
  return a;
}

absl::Status ProtocolHandler::KeepUntilCommit(Notification n) {
  std::string key = KeyOf(n);
  if (to_notify_keys_.contains(key)) return absl::OkStatus();  // sent once
  const size_t bytes = NotificationQueue::BytesOf(n) + key.size();
  if (absl::Status s = CheckSessionMemory(bytes); !s.ok()) return s;
  to_notify_keys_.insert(std::move(key));
  to_notify_.push_back(std::move(n));
  block_notify_bytes_ += bytes;
  return absl::OkStatus();
}

void ProtocolHandler::DropBlockNotificationsAfter(size_t notifications, size_t listens) {
  for (size_t i = notifications; i < to_notify_.size(); ++i) {
    const std::string key = KeyOf(to_notify_[i]);
    block_notify_bytes_ -= NotificationQueue::BytesOf(to_notify_[i]) + key.size();
    to_notify_keys_.erase(key);
  }
  for (size_t i = listens; i < to_listen_.size(); ++i) block_notify_bytes_ -= ListenBytes(to_listen_[i].second);
  to_notify_.resize(std::min(notifications, to_notify_.size()));
  to_listen_.resize(std::min(listens, to_listen_.size()));
}

absl::Status ProtocolHandler::ReserveBlockNotifications() {
  if (to_notify_.empty() || notifications_ == nullptr || notify_reserved_) return absl::OkStatus();
  if (absl::Status s = notifications_->Reserve(to_notify_); !s.ok()) {
    return SqlError(absl::StatusCode::kResourceExhausted, "54000", std::string(s.message()));
  }
  notify_reserved_ = true;
  return absl::OkStatus();
}

void ProtocolHandler::EndBlockNotifications(bool committed) {
  std::vector<std::pair<bool, std::string>> listens = std::move(to_listen_);
  std::vector<Notification> notes = std::move(to_notify_);
  to_listen_.clear();
  to_notify_.clear();
  to_notify_keys_.clear();
  block_notify_bytes_ = 0;
  if (committed) {
    for (const auto& [listen, channel] : listens) ApplyListen(listen, channel);
  }
  const bool reserved = std::exchange(notify_reserved_, false);
  if (committed && notifications_ != nullptr) {
    (void)notifications_->Publish(notes, reserved);  // reserved: room held
  } else if (reserved) {
    notifications_->Release(notes);
  }
}

void ProtocolHandler::UnlistenChannels() {
  channels_.clear();
  channels_bytes_ = 0;
  if (notifications_ != nullptr) notifications_->Leave(pid_);
}

bool ProtocolHandler::AppendNotifications(std::string* out) {
  if (status() != 'I') return false;
  const bool more_commits = AppendCommitNotifications(out);
  const bool more_notes = AppendChannelNotifications(out);
  return more_commits || more_notes;
}

bool ProtocolHandler::AppendCommitNotifications(std::string* out) {
  if (!commits_told_) return false;
  const uint64_t last = db_->LastTransaction().id;
  const uint64_t end = std::min(last, *commits_told_ + kNotificationsAtOnce);
  for (uint64_t id = *commits_told_ + 1; id <= end; ++id) {
    absl::StatusOr<TransactionInfo> info = db_->GetTransaction(id);
    if (!info.ok()) return false;  // told again at the next transaction
    AppendNotificationResponse(
        0, kCommitsChannel,
        absl::StrCat("{\"tx\": ", id, ", \"time\": ", FormatValue(Value::String(FormatInstant(info->time))),
                     ", \"source\": ", FormatValue(Value::String(info->source)),
                     ", \"operations\": ", info->operation_count, "}"),
        out);
    commits_told_ = id;
  }
  return end < last;
}

bool ProtocolHandler::AppendChannelNotifications(std::string* out) {
  if (channels_.empty() || notifications_ == nullptr) return false;
  const std::vector<Notification> notes = notifications_->Take(pid_, kNotificationsAtOnce);
  for (const Notification& n : notes) {
    if (channels_.contains(n.channel)) AppendNotificationResponse(n.sender, n.channel, n.payload, out);
  }
  return notes.size() == kNotificationsAtOnce;
}

}  // namespace hindsight::server
