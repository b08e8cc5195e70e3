// Reads an operations file's blocks on a thread of its own, a bounded
// distance ahead of the caller, so that parsing the file overlaps with
// what the caller does with each block (an import plans and writes them).
#ifndef HINDSIGHT_FORMAT_OPS_READ_AHEAD_H_
#define HINDSIGHT_FORMAT_OPS_READ_AHEAD_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "format/ops_reader.h"

namespace hindsight::internal {

// Next is for one thread at a time.
class OpsReadAhead {
 public:
  // Starts reading `reader`, which it uses alone from now until destroyed,
  // holding at most about twice `max_blocks` blocks, or twice `max_bytes`
  // of the file, read and not yet handed out. (The caller takes what has
  // been read in one go, so that a file of small blocks does not pay for a
  // hand-over per block.)
  explicit OpsReadAhead(OpsReader* reader, size_t max_blocks = 1024, int64_t max_bytes = int64_t{32} << 20);
  // Stops reading (the reader is then somewhere after the blocks handed out).
  ~OpsReadAhead();
  OpsReadAhead(const OpsReadAhead&) = delete;
  OpsReadAhead& operator=(const OpsReadAhead&) = delete;

  // OpsReader::Next, in the same order; after the end or an error, the
  // same answer again.
  absl::StatusOr<std::optional<OpsBlock>> Next();

  // The reader's bytes_read() after the last block handed out (before the
  // first: when it was handed over).
  int64_t bytes_read() const { return bytes_read_; }

 private:
  struct Read {
    absl::StatusOr<std::optional<OpsBlock>> block;
    int64_t bytes_read = 0;  // the reader's, after it
    int64_t bytes = 0;       // of the file, its own
    bool last() const { return !block.ok() || !block->has_value(); }
  };
  void Run();

  OpsReader* const reader_;
  const size_t max_blocks_;
  const int64_t max_bytes_;
  absl::Mutex mu_;
  absl::CondVar changed_;
  std::deque<Read> ahead_ ABSL_GUARDED_BY(mu_);
  int64_t ahead_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool reader_waits_ ABSL_GUARDED_BY(mu_) = false;  // Run waits for room
  bool caller_waits_ ABSL_GUARDED_BY(mu_) = false;  // Next waits for a block
  std::deque<Read> taken_;      // taken from ahead_, not yet handed out
  std::optional<Read> last_;    // the end or the error, once handed out
  int64_t bytes_read_;
  std::thread thread_;          // last: starts once the rest is set
};

}  // namespace hindsight::internal

#endif  // HINDSIGHT_FORMAT_OPS_READ_AHEAD_H_
