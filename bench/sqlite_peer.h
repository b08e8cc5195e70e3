// The peer of the macro benchmark: the same bitemporal rows in SQLite (C
// API), one table with the indexes a careful engineer would add, prepared
// statements, everything cached. Answers in Hindsight's canonical text so
// the two can be compared byte for byte.
#ifndef HINDSIGHT_BENCH_SQLITE_PEER_H_
#define HINDSIGHT_BENCH_SQLITE_PEER_H_

#include <sqlite3.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "format/query_file.h"
#include "hindsight/fact.h"
#include "hindsight/transaction.h"

namespace hindsight::bench {

// One answer row as SQLite returns it (history columns unused otherwise).
struct SqlRow {
  std::string s, p, o, value;
  int64_t vfrom, vto, txfrom, txto;
};

// Canonical TSV of rows (for comparing answers; not timed).
std::string FormatSqlRows(const std::vector<SqlRow>& rows, bool history);

class SqlitePeer {
 public:
  // Creates a fresh database file at `path` (deleting any old one).
  static absl::StatusOr<std::unique_ptr<SqlitePeer>> Create(const std::string& path);
  // A further connection to a loaded database, for another reader thread.
  static absl::StatusOr<std::unique_ptr<SqlitePeer>> Open(const std::string& path);
  ~SqlitePeer();

  // Loads every history row in one transaction, then builds the indexes.
  absl::Status Load(const std::vector<HistoryRow>& rows);

  // Applies one transaction at transaction time `time` as an application
  // keeping the table by hand would, in one SQL transaction: per operation,
  // the key's current rows that overlap the interval (and, for an assert,
  // those that touch it with the same value) are ended at `time`, and their
  // pieces outside the interval and the asserted row are inserted. A row
  // both made and ended by this transaction is deleted, and one ended and
  // made again is kept open, so only what the transaction changes starts or
  // ends rows. An erase deletes the key's rows. Erasing by digest is
  // InvalidArgument (this peer keeps no digests).
  absl::Status Apply(const Transaction& txn, Instant time);

  // The answer rows of `q`, in SEMANTICS order, into `*rows`.
  absl::Status Answer(const internal::FileQuery& q, std::vector<SqlRow>* rows);

  // Bytes of the database file.
  int64_t FileBytes() const;

 private:
  SqlitePeer() = default;
  static absl::StatusOr<std::unique_ptr<SqlitePeer>> Connect(const std::string& path);
  absl::Status Exec(const char* sql);
  absl::StatusOr<sqlite3_stmt*> Prepare(const std::string& sql);
  absl::Status Step(const std::string& sql, const std::function<void(sqlite3_stmt*)>& bind,
                    const std::function<void(sqlite3_stmt*)>& row = {});
  absl::Status ApplyInterval(const Operation& op, Instant time);
  absl::Status EndRow(int64_t rowid, int64_t txfrom, Instant time);
  absl::Status InsertRow(const FactKey& key, const std::string& value, Interval valid, Instant time);

  std::string path_;
  sqlite3* db_ = nullptr;
  std::map<std::string, sqlite3_stmt*> statements_;  // by SQL text
};

}  // namespace hindsight::bench

#endif  // HINDSIGHT_BENCH_SQLITE_PEER_H_
