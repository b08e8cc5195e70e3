// Loads an operations file into a database, one transaction per `tx` block:
// what `hindsight import` and the benchmarks run.
#ifndef HINDSIGHT_FORMAT_IMPORTER_H_
#define HINDSIGHT_FORMAT_IMPORTER_H_

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
};

enum class ImportMode {
  kAuto,     // kBulk into a database without transactions, else kCommits
  kBulk,     // Database::BulkLoad: table files ingested in groups
  kCommits,  // Database::CommitAll: write batches in groups
};

// Commits each block of the ops file `in` (named `file_name` in messages)
// in order, reading it as it goes (memory: a group's changes, whatever the
// size of the file). Stops at the first bad line or rejected transaction
// with InvalidArgument "FILE:LINE: reason"; the transactions before it stay
// committed and `*counts` says how many. An input without any `tx` line is
// InvalidArgument "FILE: no transactions (empty file?)". `progress` (may be
// empty) is called after each block read, with the counts read so far.
absl::Status ImportOps(Database* db, std::istream* in, const std::string& file_name, ImportCounts* counts,
                       const std::function<void(const ImportCounts&)>& progress = {},
                       ImportMode mode = ImportMode::kAuto);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_FORMAT_IMPORTER_H_
