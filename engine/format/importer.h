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
  uint64_t transactions = 0;  // committed
  uint64_t operations = 0;    // in the committed transactions
  int64_t bytes_read = 0;     // of the input, so far
};

// Commits each block of the ops file `in` (named `file_name` in messages)
// in order. Stops at the first bad line or rejected transaction with
// InvalidArgument "FILE:LINE: reason"; the transactions before it stay
// committed and `*counts` says how many. An input without any `tx` line is
// InvalidArgument "FILE: no transactions (empty file?)". `progress` (may be
// empty) is called after each commit.
// With `bulk` the database must be new: the file is read whole, then loaded
// with Database::BulkLoad (same result, same errors, several times faster;
// nothing is on disk until the end).
absl::Status ImportOps(Database* db, std::istream* in, const std::string& file_name, ImportCounts* counts,
                       const std::function<void(const ImportCounts&)>& progress = {}, bool bulk = false);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_FORMAT_IMPORTER_H_
