#include "sqlite_peer.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "format/tsv.h"

namespace hindsight::bench {
namespace {

absl::Status SqliteError(sqlite3* db, std::string_view what) {
  return absl::InternalError(absl::StrCat("sqlite: ", std::string(what), ": ", sqlite3_errmsg(db)));
}

std::string Text(sqlite3_stmt* st, int col) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
  return p == nullptr ? std::string() : std::string(p, sqlite3_column_bytes(st, col));
}

}  // namespace

std::string FormatSqlRows(const std::vector<SqlRow>& rows, bool history) {
  std::string out;
  for (const SqlRow& r : rows) {
    for (const std::string* name : {&r.s, &r.p, &r.o}) {
      internal::AppendEscaped(*name, &out);
      out.push_back('\t');
    }
    absl::StrAppend(&out, r.value, "\t", FormatInstant(r.vfrom), "\t", FormatInstant(r.vto));
    if (history) absl::StrAppend(&out, "\t", FormatInstant(r.txfrom), "\t", FormatInstant(r.txto));
    out.push_back('\n');
  }
  return out;
}

absl::StatusOr<std::unique_ptr<SqlitePeer>> SqlitePeer::Create(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
  absl::StatusOr<std::unique_ptr<SqlitePeer>> peer = Connect(path);
  if (!peer.ok()) return peer;
  if (absl::Status s = (*peer)->Exec(
          "CREATE TABLE facts (s TEXT NOT NULL, p TEXT NOT NULL, o TEXT NOT NULL, value TEXT NOT NULL,"
          " vfrom INTEGER NOT NULL, vto INTEGER NOT NULL, txfrom INTEGER NOT NULL, txto INTEGER NOT NULL)");
      !s.ok()) {
    return s;
  }
  return peer;
}

absl::StatusOr<std::unique_ptr<SqlitePeer>> SqlitePeer::Open(const std::string& path) { return Connect(path); }

absl::StatusOr<std::unique_ptr<SqlitePeer>> SqlitePeer::Connect(const std::string& path) {
  std::unique_ptr<SqlitePeer> peer(new SqlitePeer);
  peer->path_ = path;
  if (sqlite3_open(path.c_str(), &peer->db_) != SQLITE_OK) return SqliteError(peer->db_, "open");
  // Generous to SQLite: no journal, no fsync, a 4 GiB page cache, memory-mapped reads.
  for (const char* pragma : {"PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF", "PRAGMA cache_size=-4000000",
                             "PRAGMA mmap_size=8000000000", "PRAGMA temp_store=MEMORY"}) {
    if (absl::Status s = peer->Exec(pragma); !s.ok()) return s;
  }
  return peer;
}

SqlitePeer::~SqlitePeer() {
  for (auto& [sql, st] : statements_) sqlite3_finalize(st);
  sqlite3_close(db_);
}

absl::Status SqlitePeer::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err != nullptr ? err : "?";
    sqlite3_free(err);
    return absl::InternalError(absl::StrCat("sqlite: ", sql, ": ", msg));
  }
  return absl::OkStatus();
}

absl::StatusOr<sqlite3_stmt*> SqlitePeer::Prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return SqliteError(db_, sql);
  statements_.emplace(sql, st);
  return st;
}

absl::Status SqlitePeer::Load(const std::vector<HistoryRow>& rows) {
  if (absl::Status s = Exec("BEGIN"); !s.ok()) return s;
  absl::StatusOr<sqlite3_stmt*> insert = Prepare("INSERT INTO facts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!insert.ok()) return insert.status();
  sqlite3_stmt* st = *insert;
  for (const HistoryRow& r : rows) {
    const std::string value = FormatValue(r.value);
    sqlite3_bind_text(st, 1, r.key.subject.data(), static_cast<int>(r.key.subject.size()), SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r.key.predicate.data(), static_cast<int>(r.key.predicate.size()), SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r.key.object.data(), static_cast<int>(r.key.object.size()), SQLITE_STATIC);
    sqlite3_bind_text(st, 4, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, r.valid.from);
    sqlite3_bind_int64(st, 6, r.valid.to);
    sqlite3_bind_int64(st, 7, r.tx.from);
    sqlite3_bind_int64(st, 8, r.tx.to);
    if (sqlite3_step(st) != SQLITE_DONE) return SqliteError(db_, "insert");
    sqlite3_reset(st);
  }
  // Point, subject and pair lookups; object patterns; predicate time slices.
  for (const char* sql : {"CREATE INDEX facts_spo ON facts (s, p, o, txto, vfrom)",
                          "CREATE INDEX facts_os ON facts (o, s, p, txto, vfrom)",
                          "CREATE INDEX facts_pt ON facts (p, txto, vfrom, vto)", "COMMIT", "ANALYZE"}) {
    if (absl::Status s = Exec(sql); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status SqlitePeer::Step(const std::string& sql, const std::function<void(sqlite3_stmt*)>& bind,
                              const std::function<void(sqlite3_stmt*)>& row) {
  absl::StatusOr<sqlite3_stmt*> prepared = Prepare(sql);
  if (!prepared.ok()) return prepared.status();
  sqlite3_stmt* st = *prepared;
  bind(st);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (row) row(st);
  }
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (rc != SQLITE_DONE) return SqliteError(db_, sql);
  return absl::OkStatus();
}

namespace {

void BindKey(sqlite3_stmt* st, const FactKey& key) {
  sqlite3_bind_text(st, 1, key.subject.data(), static_cast<int>(key.subject.size()), SQLITE_STATIC);
  sqlite3_bind_text(st, 2, key.predicate.data(), static_cast<int>(key.predicate.size()), SQLITE_STATIC);
  sqlite3_bind_text(st, 3, key.object.data(), static_cast<int>(key.object.size()), SQLITE_STATIC);
}

}  // namespace

absl::Status SqlitePeer::Apply(const Transaction& txn, Instant time) {
  if (absl::Status s = Exec("BEGIN"); !s.ok()) return s;
  for (const Operation& op : txn.operations()) {
    absl::Status s;
    if (op.kind != Operation::Kind::kErase) {
      s = ApplyInterval(op, time);
    } else if (!op.key_digest.empty()) {
      s = absl::InvalidArgumentError("the SQLite peer cannot erase by digest");
    } else {
      s = Step("DELETE FROM facts WHERE s = ?1 AND p = ?2 AND o = ?3",
               [&](sqlite3_stmt* st) { BindKey(st, op.key); });
    }
    if (!s.ok()) return s;
  }
  return Exec("COMMIT");
}

absl::Status SqlitePeer::ApplyInterval(const Operation& op, Instant time) {
  struct CurrentRow {
    int64_t rowid;
    std::string value;
    Interval valid;
    int64_t txfrom;
  };
  std::vector<CurrentRow> current;  // overlapping or touching the interval
  absl::Status s = Step(
      "SELECT rowid, value, vfrom, vto, txfrom FROM facts"
      " WHERE s = ?1 AND p = ?2 AND o = ?3 AND txto = ?4 AND vfrom <= ?5 AND vto >= ?6",
      [&](sqlite3_stmt* st) {
        BindKey(st, op.key);
        sqlite3_bind_int64(st, 4, kPosInf);
        sqlite3_bind_int64(st, 5, op.valid.to);
        sqlite3_bind_int64(st, 6, op.valid.from);
      },
      [&](sqlite3_stmt* st) {
        current.push_back({sqlite3_column_int64(st, 0), Text(st, 1),
                           Interval{sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3)},
                           sqlite3_column_int64(st, 4)});
      });
  if (!s.ok()) return s;
  const bool asserting = op.kind == Operation::Kind::kAssert;
  const std::string value = asserting ? FormatValue(op.value) : std::string();
  Interval made = op.valid;  // the asserted row, grown over the same value beside it
  std::vector<std::pair<std::string, Interval>> pieces;
  for (const CurrentRow& r : current) {
    const bool overlaps = r.valid.from < op.valid.to && op.valid.from < r.valid.to;
    const bool same_value = asserting && r.value == value;
    if (!overlaps && !same_value) continue;  // touches it with another value: stays
    if (s = EndRow(r.rowid, r.txfrom, time); !s.ok()) return s;
    if (same_value) {
      made = {std::min(made.from, r.valid.from), std::max(made.to, r.valid.to)};
      continue;
    }
    if (r.valid.from < op.valid.from) pieces.push_back({r.value, {r.valid.from, op.valid.from}});
    if (op.valid.to < r.valid.to) pieces.push_back({r.value, {op.valid.to, r.valid.to}});
  }
  if (asserting) pieces.push_back({value, made});
  for (const auto& [piece_value, valid] : pieces) {
    if (s = InsertRow(op.key, piece_value, valid, time); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status SqlitePeer::EndRow(int64_t rowid, int64_t txfrom, Instant time) {
  if (txfrom == time) {  // made by this transaction: it never was
    return Step("DELETE FROM facts WHERE rowid = ?1", [&](sqlite3_stmt* st) { sqlite3_bind_int64(st, 1, rowid); });
  }
  return Step("UPDATE facts SET txto = ?2 WHERE rowid = ?1", [&](sqlite3_stmt* st) {
    sqlite3_bind_int64(st, 1, rowid);
    sqlite3_bind_int64(st, 2, time);
  });
}

absl::Status SqlitePeer::InsertRow(const FactKey& key, const std::string& value, Interval valid, Instant time) {
  int64_t ended = -1;  // the same row, ended earlier in this transaction
  absl::Status s = Step(
      "SELECT rowid FROM facts WHERE s = ?1 AND p = ?2 AND o = ?3 AND txto = ?4 AND vfrom = ?5 AND vto = ?6"
      " AND value = ?7",
      [&](sqlite3_stmt* st) {
        BindKey(st, key);
        sqlite3_bind_int64(st, 4, time);
        sqlite3_bind_int64(st, 5, valid.from);
        sqlite3_bind_int64(st, 6, valid.to);
        sqlite3_bind_text(st, 7, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
      },
      [&](sqlite3_stmt* st) { ended = sqlite3_column_int64(st, 0); });
  if (!s.ok()) return s;
  if (ended >= 0) {
    return Step("UPDATE facts SET txto = ?2 WHERE rowid = ?1", [&](sqlite3_stmt* st) {
      sqlite3_bind_int64(st, 1, ended);
      sqlite3_bind_int64(st, 2, kPosInf);
    });
  }
  return Step("INSERT INTO facts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", [&](sqlite3_stmt* st) {
    BindKey(st, key);
    sqlite3_bind_text(st, 4, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, valid.from);
    sqlite3_bind_int64(st, 6, valid.to);
    sqlite3_bind_int64(st, 7, time);
    sqlite3_bind_int64(st, 8, kPosInf);
  });
}

absl::Status SqlitePeer::Answer(const internal::FileQuery& q, std::vector<SqlRow>* rows) {
  rows->clear();
  const Pattern& p = q.query.pattern;
  std::string sql = q.is_history ? "SELECT s, p, o, value, vfrom, vto, txfrom, txto FROM facts WHERE 1"
                                 : "SELECT s, p, o, value, vfrom, vto FROM facts WHERE 1";
  if (p.subject) sql += " AND s = ?1";
  if (p.predicate) sql += " AND p = ?2";
  if (p.object) sql += " AND o = ?3";
  Instant t = kPosInf;
  if (!q.is_history) {
    t = q.query.as_of.kind == TxTimeClause::Kind::kAsOfTime ? q.query.as_of.time : kPosInf;
    sql += t == kPosInf ? " AND txto = ?4" : " AND txfrom <= ?4 AND txto > ?4";
    if (q.query.valid.kind == ValidTimeClause::Kind::kAt) sql += " AND vfrom <= ?5 AND vto > ?5";
    if (q.query.valid.kind == ValidTimeClause::Kind::kDuring) sql += " AND vfrom < ?6 AND vto > ?5";
    sql += " ORDER BY s, p, o, vfrom";
  } else {
    sql += " ORDER BY s, p, o, txfrom, vfrom";
  }
  absl::StatusOr<sqlite3_stmt*> prepared = Prepare(sql);
  if (!prepared.ok()) return prepared.status();
  sqlite3_stmt* st = *prepared;
  if (p.subject) sqlite3_bind_text(st, 1, p.subject->data(), static_cast<int>(p.subject->size()), SQLITE_STATIC);
  if (p.predicate) sqlite3_bind_text(st, 2, p.predicate->data(), static_cast<int>(p.predicate->size()), SQLITE_STATIC);
  if (p.object) sqlite3_bind_text(st, 3, p.object->data(), static_cast<int>(p.object->size()), SQLITE_STATIC);
  if (!q.is_history) {
    sqlite3_bind_int64(st, 4, t);
    if (q.query.valid.kind == ValidTimeClause::Kind::kAt) sqlite3_bind_int64(st, 5, q.query.valid.at);
    if (q.query.valid.kind == ValidTimeClause::Kind::kDuring) {
      sqlite3_bind_int64(st, 5, q.query.valid.during.from);
      sqlite3_bind_int64(st, 6, q.query.valid.during.to);
    }
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    SqlRow r{Text(st, 0), Text(st, 1), Text(st, 2), Text(st, 3), sqlite3_column_int64(st, 4),
             sqlite3_column_int64(st, 5), 0, 0};
    if (q.is_history) {
      r.txfrom = sqlite3_column_int64(st, 6);
      r.txto = sqlite3_column_int64(st, 7);
    }
    rows->push_back(std::move(r));
  }
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (rc != SQLITE_DONE) return SqliteError(db_, "query");
  return absl::OkStatus();
}

int64_t SqlitePeer::FileBytes() const {
  std::error_code ec;
  return static_cast<int64_t>(std::filesystem::file_size(path_, ec));
}

}  // namespace hindsight::bench
