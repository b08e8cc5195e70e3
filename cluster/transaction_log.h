// The replicated, totally ordered transaction log that a cluster's nodes
// share (docs/cluster.md). Entries are numbered 1, 2, ... without gaps; an
// entry's number is the id of the transaction it holds. The entries
// before a point may have been trimmed away (Trim): the log then holds
// FirstId()..LastId(). This narrow
// interface is all a node knows of the log, so another log service could
// stand behind it; JetStreamLog is the one there is.
#ifndef HINDSIGHT_CLUSTER_TRANSACTION_LOG_H_
#define HINDSIGHT_CLUSTER_TRANSACTION_LOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace hindsight::cluster {

struct LogEntry {
  uint64_t id = 0;
  std::string record;      // an encoded LogRecord (hindsight/log_record.h)
  std::string attempt_id;  // the append that stored it
  // The attempt id of entry id - 1 as its writer saw it, which the log
  // checked at the append: "" for entry 1.
  std::string previous_attempt_id;
  // How many entries the log held after this one when it handed it out (a
  // hint: a reader that is behind can wait for them).
  uint64_t later = 0;
};

// Hands out a log's entries in order. Not thread-safe.
class LogReader {
 public:
  virtual ~LogReader() = default;
  // The next entry; DeadlineExceeded when none comes within `timeout` (a
  // zero timeout takes only an entry already here, without waiting);
  // Unavailable when the log cannot be reached (read again from a new
  // reader).
  virtual absl::StatusOr<LogEntry> Next(absl::Duration timeout) = 0;
};

class TransactionLog {
 public:
  struct Appended {
    uint64_t id = 0;
    bool duplicate = false;  // an earlier Append with the same attempt_id stored it
  };

  virtual ~TransactionLog() = default;

  // Appends `record` as entry expected_last + 1, only if the log's last
  // entry is `expected_last` and was stored by `expected_last_attempt`
  // (ignored for expected_last 0). `attempt_id` names this record:
  // appending again with the same attempt_id (after an answer was lost)
  // stores nothing and answers with the id the first append got. Errors:
  // Aborted when the last entry is not `expected_last` (another writer
  // appended first); FailedPrecondition when it is, but another append
  // stored it (the writer's history is not the log's); InvalidArgument
  // when `record` is over max_record_bytes(); Unavailable when the log did
  // not answer in time: the append may or may not have happened, so retry
  // with the same attempt_id.
  virtual absl::StatusOr<Appended> Append(std::string_view record, uint64_t expected_last,
                                          const std::string& expected_last_attempt, const std::string& attempt_id) = 0;

  // Append for several records in a row, sent without waiting for each
  // answer: records[i] as entry expected_last + 1 + i, only if the entry
  // before it is the one attempt_ids[i - 1] stored (for i = 0: as Append).
  // One answer per record, in order, as Append's; a record after a refused
  // one is refused too. Waits for the answers until `deadline` at the
  // latest (a record unanswered then is Unavailable), and no longer than
  // one request to the log may take.
  virtual std::vector<absl::StatusOr<Appended>> AppendAll(const std::vector<std::string>& records,
                                                          uint64_t expected_last,
                                                          const std::string& expected_last_attempt,
                                                          const std::vector<std::string>& attempt_ids,
                                                          absl::Time deadline) = 0;

  // The id of the last entry (0: the log is empty). Unavailable as above.
  virtual absl::StatusOr<uint64_t> LastId() = 0;

  // The id of the first entry the log holds: 1 unless entries were
  // trimmed; LastId() + 1 when it holds none. Unavailable as above.
  virtual absl::StatusOr<uint64_t> FirstId() = 0;

  // Removes the entries before `first_kept` (at most LastId()) for good:
  // readers from an earlier entry start at `first_kept`. Unavailable as
  // above (they may or may not be removed); FailedPrecondition with the
  // service's reason when it refuses.
  virtual absl::Status Trim(uint64_t first_kept) = 0;

  // The largest record Append takes.
  virtual size_t max_record_bytes() const = 0;

  // A reader from entry `first` (>= 1) on, following the log as it grows.
  virtual absl::StatusOr<std::unique_ptr<LogReader>> Read(uint64_t first) = 0;

  // Where the log is, for messages: "stream hindsight at nats://...".
  virtual std::string description() const = 0;

  // Ends the calls in progress, which fail with Unavailable, and has every
  // later call fail so at once, without waiting for the service: for a
  // node that stops while the log does not answer. Safe from any thread.
  virtual void Close() = 0;
};

}  // namespace hindsight::cluster

#endif  // HINDSIGHT_CLUSTER_TRANSACTION_LOG_H_
