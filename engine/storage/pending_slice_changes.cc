#include "storage/pending_slice_changes.h"

#include <utility>

namespace hindsight::internal {
namespace {

// What Add gathers before it hands it to the thread: one hand-over (a lock,
// perhaps a wake-up) per transaction costs more than small ones' changes.
constexpr size_t kBatchBytes = size_t{256} << 10;

}  // namespace

PendingSliceChanges::PendingSliceChanges(size_t background_from_bytes)
    : background_from_bytes_(background_from_bytes) {}

PendingSliceChanges::~PendingSliceChanges() {
  if (!thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    changed_.SignalAll();
  }
  thread_.join();
}

size_t PendingSliceChanges::BytesOf(const SliceIndexChanges& changes) {
  size_t bytes = 0;
  for (const auto& [key, change] : changes) bytes += key.size() + change.bytes();
  return bytes;
}

void PendingSliceChanges::Combine(SliceIndexChanges changes) {
  for (auto& [key, change] : changes) {
    const auto [it, added] = combined_.try_emplace(key);
    const size_t before = added ? 0 : it->second.bytes();
    if (added) {
      it->second = std::move(change);
    } else {
      it->second.Append(std::move(change));
    }
    bytes_.fetch_add(it->second.bytes() + (added ? key.size() : 0) - before, std::memory_order_relaxed);
  }
}

void PendingSliceChanges::Add(SliceIndexChanges changes) {
  if (!thread_.joinable()) {
    if (bytes() < background_from_bytes_) return Combine(std::move(changes));
    thread_ = std::thread([this] { Run(); });
  }
  // Counted now, and again as combined: bytes() is an estimate.
  const size_t bytes = BytesOf(changes);
  bytes_.fetch_add(bytes, std::memory_order_relaxed);
  gathered_.push_back(std::move(changes));
  gathered_bytes_ += bytes;
  if (gathered_bytes_ >= kBatchBytes) Hand();
}

void PendingSliceChanges::Hand() {
  if (gathered_.empty()) return;
  {
    absl::MutexLock lock(&mu_);
    for (SliceIndexChanges& changes : gathered_) queue_.push_back(std::move(changes));
    if (idle_) changed_.SignalAll();
  }
  gathered_.clear();
  gathered_bytes_ = 0;
}

void PendingSliceChanges::Run() {
  for (;;) {
    std::deque<SliceIndexChanges> batch;
    {
      absl::MutexLock lock(&mu_);
      idle_ = true;
      while (!stopping_ && queue_.empty()) changed_.Wait(&mu_);
      idle_ = false;
      if (stopping_) return;
      batch.swap(queue_);
      combining_ = true;
    }
    for (SliceIndexChanges& changes : batch) {
      const size_t queued = BytesOf(changes);
      Combine(std::move(changes));
      bytes_.fetch_sub(queued, std::memory_order_relaxed);
    }
    absl::MutexLock lock(&mu_);
    combining_ = false;
    changed_.SignalAll();  // (Combined may wait for it)
  }
}

SliceIndexChanges& PendingSliceChanges::Combined() {
  if (thread_.joinable()) {
    Hand();
    absl::MutexLock lock(&mu_);
    while (!queue_.empty() || combining_) changed_.Wait(&mu_);
  }
  return combined_;
}

void PendingSliceChanges::Clear() {
  Combined();
  combined_.clear();
  bytes_.store(0, std::memory_order_relaxed);
}

}  // namespace hindsight::internal
