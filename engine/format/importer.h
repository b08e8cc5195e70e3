// Loads an operations file into a database, one transaction per `tx` block:
// what `hindsight import` and the benchmarks run.
#ifndef HINDSIGHT_FORMAT_IMPORTER_H_
#define HINDSIGHT_FORMAT_IMPORTER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <istream>
#include <string>

#include "absl/status/status.h"
#include "hindsight/db.h"

namespace hindsight::internal {

struct ImportCounts {
  uint64_t transactions = 0;  // committed (progress: read)
  uint64_t operations = 0;    // in those transactions
  int64_t bytes_read = 0;     // of the input, so far
  uint64_t skipped = 0;       // leading blocks the database already had (a resumed import)
  uint64_t skipped_from = 0;  // the transaction the first of them is
};

enum class ImportMode {
  kAuto,     // kBulk into a database without transactions, else kCommits
  kBulk,     // Database::BulkLoad: table files ingested in groups
  kCommits,  // Database::CommitAll: write batches in groups
};

struct ImportOptions {
  ImportMode mode = ImportMode::kAuto;
  // All or nothing: every block is validated before anything is written,
  // then all are committed as one write batch. Holds the whole file in
  // memory; the database must have been opened with
  // Options::commit_group_bytes = SIZE_MAX (one group). kBulk is refused.
  bool atomic = false;
  // While `*cancel` is true (nullptr: never), the import reads no further
  // block and stops with Cancelled; the blocks before are committed as
  // they would be before a bad line. Read from the import's threads.
  const std::atomic<bool>* cancel = nullptr;
};

// Commits each block of the ops file `in` (named `file_name` in messages)
// in order, reading it as it goes (memory: a group's changes, whatever the
// size of the file). Leading blocks the database already holds, checked
// against its log (format/committed_prefix.h), are skipped: importing a
// file again after a failure goes on where it stopped. Stops at the first
// bad line or rejected transaction with InvalidArgument "FILE:LINE:
// reason"; the transactions before it stay committed (none, with atomic)
// and `*counts` says how many. Cancelled the same way (options.cancel). An input without any `tx` line is
// InvalidArgument "FILE: no transactions (empty file?)". `progress` (may be
// empty) is called after each block read, with the counts read so far.
absl::Status ImportOps(Database* db, std::istream* in, const std::string& file_name, ImportCounts* counts,
                       const std::function<void(const ImportCounts&)>& progress = {},
                       const ImportOptions& options = {});

}  // namespace hindsight::internal

#endif  // HINDSIGHT_FORMAT_IMPORTER_H_
