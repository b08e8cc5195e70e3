// Reads a transaction log's entries and decodes their records, on a thread
// of its own while the log is far ahead of the reader: a node catching up
// on a long log then receives and decodes the next entries while it applies
// the ones before, as `hindsight import` parses its file ahead of the
// commits. A node that keeps up reads each entry itself, as it arrives,
// without waking a second thread for it.
#ifndef HINDSIGHT_CLUSTER_LOG_READ_AHEAD_H_
#define HINDSIGHT_CLUSTER_LOG_READ_AHEAD_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cluster/transaction_log.h"
#include "hindsight/log_record.h"

namespace hindsight::cluster {

// An entry of the log with its record decoded (or why it does not decode).
struct DecodedEntry {
  LogEntry entry;    // without its record's bytes, which `record` replaces
  size_t bytes = 0;  // of the record as the log held it
  absl::StatusOr<LogRecord> record;
};

// Next is for one thread at a time.
class LogReadAhead {
 public:
  // Reads `reader`. Once an entry says the log holds at least `ahead_from`
  // more, the thread reads on until the log holds no more, holding at most
  // about `max_bytes` of records read and not yet handed out.
  explicit LogReadAhead(std::unique_ptr<LogReader> reader, uint64_t ahead_from = 64,
                        size_t max_bytes = size_t{1} << 20);
  // Stops reading: waits up to `kPoll` (below) for the reader's call.
  ~LogReadAhead();
  LogReadAhead(const LogReadAhead&) = delete;
  LogReadAhead& operator=(const LogReadAhead&) = delete;

  // LogReader::Next, in the same order, decoded. After an error other than
  // DeadlineExceeded the reader has stopped: every later call answers
  // Unavailable.
  absl::StatusOr<DecodedEntry> Next(absl::Duration timeout);

 private:
  // How long a call of the reader on the thread waits before the thread
  // looks again whether it should stop.
  static constexpr absl::Duration kPoll = absl::Milliseconds(200);
  // The reader's next entry, decoded.
  absl::StatusOr<DecodedEntry> Read(absl::Duration timeout);
  void Run();

  const std::unique_ptr<LogReader> reader_;  // used by one thread at a time, as reading_ahead_ says
  const uint64_t ahead_from_;
  const size_t max_bytes_;
  absl::Mutex mu_;
  absl::CondVar changed_;
  std::deque<absl::StatusOr<DecodedEntry>> ahead_ ABSL_GUARDED_BY(mu_);  // an error ends it
  size_t ahead_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // The thread reads; else Next does, when ahead_ and taken_ are empty.
  bool reading_ahead_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool caller_waits_ ABSL_GUARDED_BY(mu_) = false;  // Next waits for an entry
  // Taken from ahead_, not yet handed out; after an error, Unavailable
  // stays in it for every later call.
  std::deque<absl::StatusOr<DecodedEntry>> taken_;
  std::thread thread_;
};

}  // namespace hindsight::cluster

#endif  // HINDSIGHT_CLUSTER_LOG_READ_AHEAD_H_
