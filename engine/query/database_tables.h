// Tables about a database itself rather than its facts: its recent
// transactions, what it holds, its predicates. What the shell's `.tx`,
// `.stats` and `.predicates` print, and what a server answers to `SHOW
// hindsight_transactions`, `hindsight_stats` and `hindsight_predicates`, so
// the two cannot differ.
#ifndef HINDSIGHT_QUERY_DATABASE_TABLES_H_
#define HINDSIGHT_QUERY_DATABASE_TABLES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hindsight/db.h"
#include "query/session.h"

namespace hindsight::internal {

// The last `n` transactions, oldest first, in TransactionsColumns().
// Cost: n log lookups.
absl::StatusOr<Result> TransactionsTable(const Database& db, uint64_t n);
std::vector<std::string> TransactionsColumns();  // tx, time, source, operations

// (measure, amount) rows (StatsColumns()): keys, current segments, transactions, the first
// and last transaction times (as their shortest time literals) and, when `dir` is not
// empty, the bytes of the files under it. Cost: a scan of every current
// segment.
absl::StatusOr<Result> StatsTable(const Database& db, const std::string& dir);
std::vector<std::string> StatsColumns();  // measure, amount

// (predicate, keys, segments) rows, in predicate order: how many keys
// and current segments each predicate has. Cost: a scan of every current
// segment.
absl::StatusOr<Result> PredicatesTable(const Database& db);
std::vector<std::string> PredicatesColumns();  // predicate, keys, segments

// The bytes of the files under `dir` (0 when it cannot be read).
uint64_t BytesOnDisk(const std::string& dir);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_QUERY_DATABASE_TABLES_H_
