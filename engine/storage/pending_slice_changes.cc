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

size_t PendingSliceChanges::BytesOf(const SliceIndexEdits& edits) { return edits.size() * sizeof(SliceEdit); }

void PendingSliceChanges::Combine(SliceIndexEdits edits) {
  size_t grown = 0;  // modulo 2^64: a change may shrink
  for (SliceEdit& edit : edits) {
    const auto [it, added] = combined_.try_emplace(edit.bucket);
    const size_t before = added ? 0 : it->second.bytes();
    if (added) grown += edit.bucket.size();
    it->second.Make(std::move(edit));
    grown += it->second.bytes() - before;
  }
  bytes_.fetch_add(grown, std::memory_order_relaxed);
}

void PendingSliceChanges::Add(SliceIndexEdits edits) {
  if (!thread_.joinable()) {
    if (bytes() < background_from_bytes_) return Combine(std::move(edits));
    thread_ = std::thread([this] { Run(); });
  }
  // Counted now, and again as combined: bytes() is an estimate.
  const size_t bytes = BytesOf(edits);
  bytes_.fetch_add(bytes, std::memory_order_relaxed);
  gathered_.push_back(std::move(edits));
  gathered_bytes_ += bytes;
  if (gathered_bytes_ >= kBatchBytes) Hand();
}

void PendingSliceChanges::Hand() {
  if (gathered_.empty()) return;
  {
    absl::MutexLock lock(&mu_);
    for (SliceIndexEdits& edits : gathered_) queue_.push_back(std::move(edits));
    if (idle_) changed_.SignalAll();
  }
  gathered_.clear();
  gathered_bytes_ = 0;
}

void PendingSliceChanges::Run() {
  for (;;) {
    std::deque<SliceIndexEdits> batch;
    {
      absl::MutexLock lock(&mu_);
      idle_ = true;
      while (!stopping_ && queue_.empty()) changed_.Wait(&mu_);
      idle_ = false;
      if (stopping_) return;
      batch.swap(queue_);
      combining_ = true;
    }
    for (SliceIndexEdits& edits : batch) {
      const size_t queued = BytesOf(edits);
      Combine(std::move(edits));
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
