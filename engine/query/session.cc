#include "query/session.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "query/key_changes.h"
#include "query/transactions_by_time.h"
#include "util/edit_distance.h"
#include "util/plural.h"
#include "util/status_macros.h"
#include "util/utf8.h"

namespace hindsight::internal {
namespace {

// A result with no table, only `message`.
Result MessageResult(std::string message) {
  Result r;
  r.message = std::move(message);
  return r;
}

const std::vector<std::string> kRowColumns = {"subject", "predicate", "object", "value", "from", "to"};
// History and changes end with the transaction that made the row (tx_from's
// for history; for changes, the one between the two points that added or
// removed it) and its source: not contract columns (SEMANTICS keeps source
// to transaction listings).
const std::vector<std::string> kHistoryColumns = {"subject", "predicate", "object", "value", "from",
                                                  "to",      "tx_from",   "tx_to",  "tx",    "source"};
const std::vector<std::string> kChangesColumns = {"change", "subject", "predicate", "object", "value",
                                                  "from",   "to",      "tx",        "source"};
const std::vector<std::string> kSinceColumns = {"subject", "predicate", "object", "value", "since", "until"};
const std::vector<std::string> kCountColumns = {"count"};
const std::vector<std::string> kNoColumns;


// The tx and source cells of the transaction committed at `time`.
absl::StatusOr<std::vector<Cell>> TransactionCells(TransactionsByTime* transactions, Instant time) {
  absl::StatusOr<TransactionsByTime::Committed> committed = transactions->At(time);
  if (!committed.ok()) return committed.status();
  return std::vector<Cell>{Cell::Text(absl::StrCat(committed->id)), Cell::Name(*committed->source)};
}

// One more than the statement's limit (to tell whether rows were left out).
size_t RowsToRead(const Statement& st) { return st.limit ? static_cast<size_t>(*st.limit) + 1 : SIZE_MAX; }

absl::Status Cancelled() { return absl::CancelledError("cancelled"); }

// What `op` takes in memory, roughly: its struct and the bytes of its
// names, value and digest.
size_t OperationBytes(const Operation& op) {
  const size_t value = op.value.type() == Value::Type::kString ? op.value.string_value().size() : 0;
  return sizeof(Operation) + op.key.subject.size() + op.key.predicate.size() + op.key.object.size() + value +
         op.key_digest.size();
}

}  // namespace

std::vector<Cell> CellsOfRow(Row r) {
  std::vector<Cell> cells;  // pushed one by one: an initializer list would copy each cell
  cells.reserve(6);
  cells.push_back(Cell::Name(std::move(r.key.subject)));
  cells.push_back(Cell::Name(std::move(r.key.predicate)));
  cells.push_back(Cell::Name(std::move(r.key.object)));
  cells.push_back(Cell::Val(std::move(r.value)));
  cells.push_back(Cell::Time(r.valid.from));
  cells.push_back(Cell::Time(r.valid.to));
  return cells;
}

std::string Session::UnknownNames(const Pattern& pattern) {
  std::string note;
  for (const std::optional<std::string>* part : {&pattern.subject, &pattern.predicate, &pattern.object}) {
    if (!*part || (*part)->empty()) continue;
    if (const std::string* unknown = NoteOfUnknown(**part)) {
      absl::StrAppend(&note, note.empty() ? "" : "; ", *unknown);
    }
  }
  return note;
}

const std::string* Session::NoteOfUnknown(const std::string& name) {
  if (auto it = notes_.find(name); it != notes_.end()) {
    if (db_->LastTransaction().id == notes_as_of_) return &it->second;
    notes_.clear();  // of a database that has changed since
  }
  // Read first: a name that a commit adds meanwhile leaves its note as of
  // an earlier transaction, which the next call drops.
  const uint64_t as_of = db_->LastTransaction().id;
  const absl::StatusOr<std::vector<std::string>> same = db_->NamesWithPrefix(name, 1);
  if (!same.ok() || (!same->empty() && same->front() == name)) return nullptr;
  if (as_of != notes_as_of_ || notes_.size() >= kKeptNotes) {
    notes_.clear();
    notes_as_of_ = as_of;
  }
  // The closest name sharing its first byte (a typo rarely starts it).
  std::string best;
  size_t best_distance = name.size() > 4 ? 3 : 2;
  for (const std::string& candidate :
       db_->NamesWithPrefix(name.substr(0, 1), 5000).value_or(std::vector<std::string>{})) {
    const size_t d = EditDistanceBelow(name, candidate, best_distance);
    if (d < best_distance) best = candidate, best_distance = d;
  }
  return &notes_
              .try_emplace(name, absl::StrCat("no name '", Excerpt(name), "'",
                                              best.empty() ? ""
                                                           : absl::StrCat(" (did you mean '", Excerpt(best), "'?)")))
              .first->second;
}

Session::Session(Database* db, Clock* clock) : db_(db), clock_(clock != nullptr ? clock : SystemClock()) {}


const std::vector<std::string>& Session::ColumnsOf(const Statement& st) {
  using Kind = Statement::Kind;
  switch (st.kind) {
    case Kind::kRead:
      return kRowColumns;
    case Kind::kTimeline:
      return st.timeline_history ? kHistoryColumns : kRowColumns;
    case Kind::kCount:
      return kCountColumns;
    case Kind::kHistory:
      return kHistoryColumns;
    case Kind::kChanges:
      return kChangesColumns;
    case Kind::kSince:
      return kSinceColumns;
    default:
      return kNoColumns;
  }
}

size_t Session::ContractColumnsOf(const Statement& st) {
  // Less the trailing tx and source.
  if (st.kind == Statement::Kind::kHistory) return kHistoryColumns.size() - 2;
  if (st.kind == Statement::Kind::kChanges) return kChangesColumns.size() - 2;
  return 0;
}

absl::StatusOr<Result> Session::Execute(const Statement& st, const RowConsumer* rows, const CellsConsumer* cells) {
  using Kind = Statement::Kind;
  switch (st.kind) {
    case Kind::kRead:
      return Read(st, rows);
    case Kind::kCount:
      return Read(st, nullptr);
    case Kind::kTimeline: {
      // Every segment (or history row) of the pattern in the window: the
      // limit counts the chart's keys, which the caller draws.
      Statement all = st;
      all.limit.reset();
      return st.timeline_history ? History(all, cells) : Read(all, rows);
    }
    case Kind::kHistory:
      return History(st, cells);
    case Kind::kChanges:
      return Changes(st, cells);
    case Kind::kSince:
      return Since(st, rows);
    case Kind::kAssert:
    case Kind::kRetract:
    case Kind::kErase:
      return Write(st);
    case Kind::kBegin: {
      if (txn_) {
        // A driver's own BEGIN opened it: `begin at T source S` before any
        // write sets the transaction's time and source.
        if (!transaction_is_blank() || (!st.tx_time && !st.source)) {
          return absl::FailedPreconditionError("a transaction is already open (commit or rollback it first)");
        }
        if (st.tx_time) txn_->SetTime(*st.tx_time);
        if (st.source) txn_->SetSource(*st.source);
        return MessageResult("transaction time and source set");
      }
      OpenTransaction();
      if (st.tx_time) txn_->SetTime(*st.tx_time);
      if (st.source) txn_->SetSource(*st.source);
      return MessageResult("transaction open: statements until commit apply together");
    }
    case Kind::kCommit: {
      if (!txn_) return absl::FailedPreconditionError("no transaction is open (begin one first)");
      const Transaction txn = std::move(*txn_);
      EndTransaction();  // committed or not, the transaction is over
      return CommitTransaction(txn);
    }
    case Kind::kRollback: {
      if (!txn_) return absl::FailedPreconditionError("no transaction is open");
      const size_t n = txn_->operations().size();
      EndTransaction();
      return MessageResult(absl::StrCat("rolled back ", Plural(n, "operation")));
    }
    case Kind::kSavepoint:
    case Kind::kRelease:
    case Kind::kRollbackTo:
      return RunSavepoint(st);
    case Kind::kHelp:
      return Result{};
    case Kind::kAwait: {
      if (absl::Status s = db_->AwaitTransaction(st.await_tx, st.await_timeout, cancel_); !s.ok()) return s;
      return MessageResult(absl::StrCat("transaction ", st.await_tx, " is here"));
    }
  }
  return absl::InternalError("unknown statement");
}

absl::StatusOr<Result> Session::Read(const Statement& st, const RowConsumer* consumer) {
  Query q = st.query;
  if (st.relation != Relation::kNone) q.valid = ValidTimeClause::All();
  // Without a relation to filter by, the scan itself can stop at the limit.
  const size_t scan_max = st.relation == Relation::kNone ? RowsToRead(st) : SIZE_MAX;
  const bool counting = st.kind == Statement::Kind::kCount;
  const size_t keep = counting || !st.limit ? SIZE_MAX : static_cast<size_t>(*st.limit);
  Result r;
  size_t scanned = 0;
  size_t count = 0;
  const absl::Status s = db_->Scan(q, [&](Row& row) {
    ++scanned;
    if (RelationHolds(st.relation, row.valid, st.relation_interval, st.relation_point)) {
      if (count == keep) {  // one row past the limit: the answer leaves rows out
        r.limited = true;
        return false;
      }
      ++count;
      if (counting) {
        // counted only
      } else if (consumer != nullptr) {
        (*consumer)(row);
      } else {
        r.rows.push_back(CellsOfRow(std::move(row)));
      }
    }
    return scanned < scan_max && !cancelled();
  });
  if (cancelled()) return Cancelled();
  if (!s.ok()) return s;
  if (counting) {
    r.columns = {"count"};
    r.rows.push_back({Cell::Text(absl::StrCat(count))});
    return r;
  }
  r.columns = kRowColumns;
  if (count == 0) r.note = UnknownNames(st.query.pattern);
  return r;
}

absl::StatusOr<Result> Session::History(const Statement& st, const CellsConsumer* consumer) {
  Result r;
  r.columns = kHistoryColumns;
  r.contract_columns = ContractColumnsOf(st);
  TransactionsByTime transactions(*db_);
  const ValidTimeClause& window = st.query.valid;  // `timeline history ... during I`
  const size_t keep = st.limit ? static_cast<size_t>(*st.limit) : SIZE_MAX;
  size_t count = 0;
  absl::Status failed;
  const absl::Status s = db_->ScanHistory(st.query.pattern, [&](HistoryRow& h) {
    if (window.kind == ValidTimeClause::Kind::kDuring &&
        !(h.valid.from < window.during.to && window.during.from < h.valid.to)) {
      return !cancelled();
    }
    if (count == keep) {  // one row past the limit: the answer leaves rows out
      r.limited = true;
      return false;
    }
    absl::StatusOr<std::vector<Cell>> tx = TransactionCells(&transactions, h.tx.from);
    if (!tx.ok()) {
      failed = tx.status();
      return false;
    }
    std::vector<Cell> cells = {Cell::Name(std::move(h.key.subject)), Cell::Name(std::move(h.key.predicate)),
                               Cell::Name(std::move(h.key.object)), Cell::Val(std::move(h.value)),
                               Cell::Time(h.valid.from), Cell::Time(h.valid.to), Cell::Time(h.tx.from),
                               Cell::Time(h.tx.to), std::move((*tx)[0]), std::move((*tx)[1])};
    ++count;
    if (consumer != nullptr) {
      (*consumer)(std::move(cells));
    } else {
      r.rows.push_back(std::move(cells));
    }
    return !cancelled();
  });
  if (cancelled()) return Cancelled();
  if (!s.ok()) return s;
  if (!failed.ok()) return failed;
  if (count == 0) r.note = UnknownNames(st.query.pattern);
  return r;
}

absl::StatusOr<Result> Session::Changes(const Statement& st, const CellsConsumer* consumer) {
  absl::StatusOr<Instant> from_point = PointOf(st.changes_from);
  if (!from_point.ok()) return from_point.status();
  absl::StatusOr<Instant> to_point = PointOf(st.changes_to);
  if (!to_point.ok()) return to_point.status();
  // A change names the transaction between the two points that made it:
  // the one that began its row's belief, or else the one that ended it.
  const Instant lo = std::min(*from_point, *to_point), hi = std::max(*from_point, *to_point);
  TransactionsByTime transactions(*db_);
  Result r;
  r.columns = kChangesColumns;
  r.contract_columns = ContractColumnsOf(st);
  const size_t keep = st.limit ? static_cast<size_t>(*st.limit) : SIZE_MAX;
  size_t count = 0;
  absl::Status failed;
  // One key's history rows at a time (the scan gives them together): its
  // changes are decided once the next key begins, or the scan ends.
  std::vector<HistoryRow> key_rows;
  const auto emit_key = [&]() -> bool {
    for (const KeyChange& change : ChangesOfKey(key_rows, *from_point, *to_point)) {
      if (count == keep) {  // one change past the limit: the answer leaves rows out
        r.limited = true;
        return false;
      }
      const HistoryRow& h = *change.row;
      const Instant made = lo < h.tx.from && h.tx.from <= hi ? h.tx.from : h.tx.to;
      absl::StatusOr<std::vector<Cell>> tx = TransactionCells(&transactions, made);
      if (!tx.ok()) {
        failed = tx.status();
        return false;
      }
      std::vector<Cell> cells = {Cell::Text(std::string(1, change.sign)), Cell::Name(h.key.subject),
                                 Cell::Name(h.key.predicate),           Cell::Name(h.key.object),
                                 Cell::Val(h.value),                    Cell::Time(h.valid.from),
                                 Cell::Time(h.valid.to),                std::move((*tx)[0]),
                                 std::move((*tx)[1])};
      ++count;
      if (consumer != nullptr) {
        (*consumer)(std::move(cells));
      } else {
        r.rows.push_back(std::move(cells));
      }
    }
    key_rows.clear();
    return true;
  };
  bool stopped = false;
  const absl::Status s = db_->ScanHistoryChanged(st.query.pattern, lo, hi, [&](HistoryRow& h) {
    if (!key_rows.empty() && !(h.key == key_rows.front().key) && !emit_key()) {
      stopped = true;
      return false;
    }
    key_rows.push_back(std::move(h));
    return !cancelled();
  });
  if (cancelled()) return Cancelled();
  if (!s.ok()) return s;
  if (!stopped) emit_key();
  if (!failed.ok()) return failed;
  return r;
}

absl::StatusOr<Instant> Session::PointOf(const TxTimeClause& as_of) const {
  const TransactionInfo last = db_->LastTransaction();
  switch (as_of.kind) {
    case TxTimeClause::Kind::kAsOfTime:
      return as_of.time;
    case TxTimeClause::Kind::kAsOfTx: {
      if (as_of.tx_id < 1 || as_of.tx_id > last.id) {
        return absl::InvalidArgumentError(
            absl::StrCat("no transaction ", as_of.tx_id, " (transactions are 1..", last.id, ")"));
      }
      if (as_of.tx_id == last.id) return last.time;
      absl::StatusOr<TransactionInfo> info = db_->GetTransaction(as_of.tx_id);
      if (!info.ok()) return info.status();
      return info->time;
    }
    case TxTimeClause::Kind::kLatest:
      break;
  }
  return last.time;
}

absl::StatusOr<Result> Session::Since(const Statement& st, const RowConsumer* consumer) {
  Statement at_now = st;
  at_now.query.valid = ValidTimeClause::At(clock_->Now());
  at_now.relation = Relation::kNone;
  absl::StatusOr<Result> r = Read(at_now, consumer);
  if (!r.ok()) return r;
  r->columns = kSinceColumns;
  return r;
}

absl::StatusOr<Result> Session::Write(const Statement& st) {
  Transaction single;
  Transaction* txn = txn_ ? &*txn_ : &single;
  switch (st.kind) {
    case Statement::Kind::kAssert: txn->Assert(st.key, st.value, st.valid); break;
    case Statement::Kind::kRetract: txn->Retract(st.key, st.valid); break;
    default: txn->Erase(st.key); break;
  }
  if (!txn_) return CommitTransaction(single);
  pending_bytes_ += OperationBytes(txn_->operations().back());
  return MessageResult(absl::StrCat("pending: ", Plural(txn_->operations().size(), "operation")));
}

void Session::OpenTransaction() {
  txn_.emplace();
  pending_bytes_ = 0;
  savepoints_.clear();
}

void Session::EndTransaction() {
  txn_.reset();
  savepoints_.clear();
}

absl::StatusOr<Result> Session::RunSavepoint(const Statement& st) {
  if (!txn_) return absl::FailedPreconditionError("savepoints stand in a transaction: begin one first");
  if (st.kind == Statement::Kind::kSavepoint) {
    HS_RETURN_IF_ERROR(Savepoint(st.savepoint));
  } else if (st.kind == Statement::Kind::kRelease) {
    HS_RETURN_IF_ERROR(ReleaseSavepoint(st.savepoint).status());
  }
  const size_t before = txn_->operations().size();
  if (st.kind == Statement::Kind::kRollbackTo) HS_RETURN_IF_ERROR(RollBackToSavepoint(st.savepoint).status());
  return MessageResult(SavepointMessage(st, before - txn_->operations().size()));
}

std::string SavepointMessage(const Statement& st, size_t dropped) {
  switch (st.kind) {
    case Statement::Kind::kSavepoint: return absl::StrCat("savepoint ", st.savepoint);
    case Statement::Kind::kRelease:
      return absl::StrCat("released savepoint ", st.savepoint, ", keeping what came after it");
    default: return absl::StrCat("rolled back to savepoint ", st.savepoint, ": dropped ", Plural(dropped, "operation"));
  }
}

absl::Status Session::Savepoint(std::string name) {
  if (!txn_) return absl::FailedPreconditionError("no transaction is open");
  savepoints_.push_back({std::move(name), txn_->operations().size(), pending_bytes_, txn_->time(), txn_->source()});
  return absl::OkStatus();
}

absl::StatusOr<size_t> Session::SavepointIndex(const std::string& name) const {
  for (size_t i = savepoints_.size(); i-- > 0;) {
    if (savepoints_[i].name == name) return i;
  }
  return absl::NotFoundError(absl::StrCat("savepoint \"", name, "\" does not exist"));
}

absl::StatusOr<size_t> Session::ReleaseSavepoint(const std::string& name) {
  if (!txn_) return absl::FailedPreconditionError("no transaction is open");
  HS_ASSIGN_OR_RETURN(const size_t i, SavepointIndex(name));
  savepoints_.resize(i);
  return i;
}

absl::StatusOr<size_t> Session::RollBackToSavepoint(const std::string& name) {
  if (!txn_) return absl::FailedPreconditionError("no transaction is open");
  HS_ASSIGN_OR_RETURN(const size_t i, SavepointIndex(name));
  const TransactionMark& mark = savepoints_[i];
  Transaction kept;
  if (mark.time) kept.SetTime(*mark.time);
  kept.SetSource(mark.source);
  for (size_t k = 0; k < mark.operations; ++k) {
    const Operation& op = txn_->operations()[k];
    switch (op.kind) {
      case Operation::Kind::kAssert: kept.Assert(op.key, op.value, op.valid); break;
      case Operation::Kind::kRetract: kept.Retract(op.key, op.valid); break;
      case Operation::Kind::kErase:
        if (op.key_digest.empty()) kept.Erase(op.key);
        else kept.EraseByDigest(op.key_digest);
        break;
    }
  }
  txn_ = std::move(kept);
  pending_bytes_ = mark.bytes;
  savepoints_.resize(i + 1);
  return i;
}

absl::StatusOr<Result> Session::CommitTransaction(const Transaction& txn) {
  absl::StatusOr<TransactionInfo> info = db_->Commit(txn);
  if (!info.ok()) return info.status();
  return MessageResult(absl::StrCat("committed transaction ", info->id, " at ", FormatInstantShort(info->time), " (",
                                     Plural(info->operation_count, "operation"), ")"));
}

}  // namespace hindsight::internal
