// The slice index changes of a group of planned transactions, combined per
// bucket until the group is written. Planning never reads them back, so
// once a group's changes are many they are combined on a thread of their
// own while the next transactions are planned (on a machine with a core
// to spare, that takes them off the planner's path).
#ifndef HINDSIGHT_STORAGE_PENDING_SLICE_CHANGES_H_
#define HINDSIGHT_STORAGE_PENDING_SLICE_CHANGES_H_

#include <atomic>
#include <cstddef>
#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "storage/slice_index.h"

namespace hindsight::internal {

// Add, Combined and Clear are for one thread at a time; bytes() for any.
class PendingSliceChanges {
 public:
  // Combines on the calling thread until the changes take
  // `background_from_bytes`, then on a thread of its own.
  explicit PendingSliceChanges(size_t background_from_bytes = size_t{1} << 20);
  ~PendingSliceChanges();  // stops the thread, if it runs
  PendingSliceChanges(const PendingSliceChanges&) = delete;
  PendingSliceChanges& operator=(const PendingSliceChanges&) = delete;

  // Adds `edits`, as made after those added before.
  void Add(SliceIndexEdits edits);
  // Every change added, combined per bucket: valid until the next Add or
  // Clear. Waits for the thread to combine what it was given.
  SliceIndexChanges& Combined();
  // Forgets every change.
  void Clear();
  // Roughly the memory held, in bytes.
  size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  static size_t BytesOf(const SliceIndexEdits& edits);
  // Gives the thread what Add gathered.
  void Hand();
  // Combines `edits` into combined_.
  void Combine(SliceIndexEdits edits);
  void Run();

  const size_t background_from_bytes_;
  SliceIndexChanges combined_;  // the thread's while it runs a batch
  std::atomic<size_t> bytes_{0};
  absl::Mutex mu_;
  absl::CondVar changed_;
  std::vector<SliceIndexEdits> gathered_;  // for the thread, handed over in batches
  size_t gathered_bytes_ = 0;
  std::deque<SliceIndexEdits> queue_ ABSL_GUARDED_BY(mu_);  // given to the thread
  bool combining_ ABSL_GUARDED_BY(mu_) = false;               // the thread has a batch
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool idle_ ABSL_GUARDED_BY(mu_) = false;  // the thread waits for changes
  std::thread thread_;                       // started once the changes take background_from_bytes_
};

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_PENDING_SLICE_CHANGES_H_
