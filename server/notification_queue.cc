#include "server/notification_queue.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace hindsight::server {

void NotificationQueue::Join(int32_t pid) {
  absl::MutexLock lock(&mu_);
  readers_.try_emplace(pid, first_ + queue_.size());
}

void NotificationQueue::Leave(int32_t pid) {
  absl::MutexLock lock(&mu_);
  readers_.erase(pid);
  DropRead();
}

absl::Status NotificationQueue::Publish(const std::vector<Notification>& notes, bool reserved) {
  if (absl::Status s = Append(notes, reserved); !s.ok()) return s;
  if (relay_ && !notes.empty()) relay_(notes);
  return absl::OkStatus();
}

absl::Status NotificationQueue::Deliver(const std::vector<Notification>& notes) { return Append(notes, false); }

absl::Status NotificationQueue::Reserve(const std::vector<Notification>& notes) {
  const size_t more = BytesOf(notes);
  absl::MutexLock lock(&mu_);
  if (bytes_ + reserved_ + more > max_bytes_) return Full();
  reserved_ += more;
  return absl::OkStatus();
}

void NotificationQueue::Release(const std::vector<Notification>& notes) {
  const size_t held = BytesOf(notes);
  absl::MutexLock lock(&mu_);
  reserved_ -= held;
}

size_t NotificationQueue::BytesOf(const std::vector<Notification>& notes) {
  size_t bytes = 0;
  for (const Notification& n : notes) bytes += BytesOf(n);
  return bytes;
}

absl::Status NotificationQueue::Full() const {
  return absl::ResourceExhaustedError(absl::StrCat("too many notifications in the NOTIFY queue: it holds ", bytes_,
                                                   " of its ", max_bytes_,
                                                   " bytes for sessions that listen and have not read them"));
}

absl::Status NotificationQueue::Append(const std::vector<Notification>& notes, bool reserved) {
  if (notes.empty()) return absl::OkStatus();
  const size_t more = BytesOf(notes);
  {
    absl::MutexLock lock(&mu_);
    if (reserved) {
      reserved_ -= more;
    } else if (bytes_ + reserved_ + more > max_bytes_) {
      return Full();
    }
    if (readers_.empty()) return absl::OkStatus();  // no one listens here: nothing to keep
    for (const Notification& n : notes) queue_.push_back(n);
    bytes_ += more;
  }
  published_();
  return absl::OkStatus();
}

std::vector<Notification> NotificationQueue::Take(int32_t pid, size_t max) {
  absl::MutexLock lock(&mu_);
  const auto reader = readers_.find(pid);
  if (reader == readers_.end()) return {};
  std::vector<Notification> out;
  const uint64_t end = first_ + queue_.size();
  for (uint64_t& at = reader->second; at < end && out.size() < max; ++at) out.push_back(queue_[at - first_]);
  DropRead();
  return out;
}

size_t NotificationQueue::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

void NotificationQueue::DropRead() {
  uint64_t read = first_ + queue_.size();
  for (const auto& [pid, at] : readers_) read = std::min(read, at);
  for (; first_ < read; ++first_) {
    bytes_ -= BytesOf(queue_.front());
    queue_.pop_front();
  }
}

}  // namespace hindsight::server
