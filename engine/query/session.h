// Executes statements of the query language against a database, keeping
// the state of an open transaction (begin ... commit). What the shell and
// the text-format tests drive. Not thread-safe: one session per user.
#ifndef HINDSIGHT_QUERY_SESSION_H_
#define HINDSIGHT_QUERY_SESSION_H_

#include <atomic>
#include <functional>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "hindsight/db.h"
#include "query/statement.h"

namespace hindsight::internal {

// One cell of a result: a name, a value, an instant, or plain text.
struct Cell {
  enum class Kind { kName, kValue, kInstant, kText };
  Kind kind = Kind::kText;
  std::string text;  // kName, kText
  Value value;       // kValue
  Instant instant = 0;  // kInstant

  static Cell Name(std::string s) { return {Kind::kName, std::move(s), {}, 0}; }
  static Cell Val(Value v) { return {Kind::kValue, {}, std::move(v), 0}; }
  static Cell Time(Instant t) { return {Kind::kInstant, {}, {}, t}; }
  static Cell Text(std::string s) { return {Kind::kText, std::move(s), {}, 0}; }
};

// A read's row as cells: subject, predicate, object, value, from, to.
std::vector<Cell> CellsOfRow(Row r);

struct Result {
  std::vector<std::string> columns;  // empty: no table, only the message
  std::vector<std::vector<Cell>> rows;
  std::string message;               // e.g. "committed transaction 4 at ..."
  bool limited = false;              // a limit left rows out
  std::string note;                  // a hint for people ("no name 'Syira' (did you mean ...)")
  // The contract's columns come first: the canonical TSV form prints only
  // these (history's eight, changes' seven), people's formats add the rest
  // (the transaction's tx and source). 0: every column is the contract's.
  size_t contract_columns = 0;
};

class Session {
 public:
  // `db` and `clock` must outlive the session; `clock` says what "now" is
  // for `since` (nullptr: the system clock).
  explicit Session(Database* db, Clock* clock = nullptr);

  // Receives the rows of a read one at a time, in answer order.
  using RowConsumer = std::function<void(const Row&)>;
  // Receives the rows of history or changes one at a time, as cells, in
  // answer order.
  using CellsConsumer = std::function<void(std::vector<Cell>&&)>;

  // Runs one statement. Help and timeline statements are the caller's to
  // render: Execute answers them with the rows they need (timeline: every
  // segment of the pattern). With `rows`, a read, `since` or a timeline
  // (Statement::Kind::kRead, kSince, kTimeline) hands its rows to it as it
  // finds them instead of keeping them as cells in the Result (whose rows
  // then stay empty; on an error some rows may have been handed over
  // already); with `cells`, history, changes and a timeline of history
  // (kHistory, kChanges, kTimeline) do the same with theirs. Cost: none of
  // them keeps rows when streamed but changes, which keeps one key's
  // history rows at a time. Errors:
  // InvalidArgument for a statement the database rejects (the transaction
  // then is discarded, nothing written).
  absl::StatusOr<Result> Execute(const Statement& st, const RowConsumer* rows = nullptr,
                                 const CellsConsumer* cells = nullptr);

  // The columns Execute answers `st` with (none for writes and transaction
  // control), known before it runs: one of a few lists that live as long
  // as the program.
  static const std::vector<std::string>& ColumnsOf(const Statement& st);
  // Result::contract_columns of `st`'s answer.
  static size_t ContractColumnsOf(const Statement& st);

  bool in_transaction() const { return txn_.has_value(); }
  // Operations of the open transaction (0 when none is open).
  size_t pending_operations() const { return txn_ ? txn_->operations().size() : 0; }
  // Roughly the memory the open transaction's operations take, in bytes
  // (0 when none is open): each operation's struct, names, value and digest.
  size_t pending_bytes() const { return txn_ ? pending_bytes_ : 0; }
  // Whether a transaction is open with no operations and no time or source
  // of its own: what a driver's BEGIN opens around its reads.
  bool transaction_is_blank() const {
    return txn_ && txn_->operations().empty() && !txn_->time() && txn_->source().empty();
  }

  // SQL's savepoints in the open transaction, by name (the newest of a
  // name first): Savepoint marks what the transaction holds now;
  // RollBackToSavepoint drops what it gained since (operations, and a time
  // or source set since), keeping the savepoint and dropping later ones;
  // ReleaseSavepoint forgets the savepoint and later ones, keeping the
  // operations. Ending the transaction forgets them all. The last two
  // return the savepoint's place among those kept (0: the oldest), so that
  // a caller can keep its own state beside each. Errors:
  // FailedPrecondition when no transaction is open; NotFound for a name
  // no savepoint has. RollBackToSavepoint costs a copy of the operations
  // kept.
  absl::Status Savepoint(std::string name);
  absl::StatusOr<size_t> ReleaseSavepoint(const std::string& name);
  absl::StatusOr<size_t> RollBackToSavepoint(const std::string& name);

  // While `*flag` is true, reads and `await` stop early and fail with
  // Cancelled ("cancelled"); writes are not affected. nullptr: never. The flag must
  // outlive the session; the caller clears it.
  void set_cancel_flag(const std::atomic<bool>* flag) { cancel_ = flag; }

 private:
  absl::StatusOr<Result> Read(const Statement& st, const RowConsumer* consumer);
  absl::StatusOr<Result> History(const Statement& st, const CellsConsumer* consumer);
  absl::StatusOr<Result> Changes(const Statement& st, const CellsConsumer* consumer);
  absl::StatusOr<Result> Since(const Statement& st, const RowConsumer* consumer);
  absl::StatusOr<Result> Write(const Statement& st);
  // `savepoint`, `release` or `rollback to` in the language: the calls
  // above, answered with a message.
  absl::StatusOr<Result> RunSavepoint(const Statement& st);
  absl::StatusOr<Result> CommitTransaction(const Transaction& txn);
  // What the open transaction holds at a savepoint.
  struct TransactionMark {
    std::string name;
    size_t operations = 0;
    size_t bytes = 0;
    std::optional<Instant> time;
    std::string source;
  };
  // The newest savepoint named `name`, in savepoints_; NotFound if none
  // (FailedPrecondition if no transaction is open).
  absl::StatusOr<size_t> SavepointIndex(const std::string& name) const;
  // Opens a transaction, or ends the one open, and forgets its savepoints.
  void OpenTransaction();
  void EndTransaction();
  bool cancelled() const { return cancel_ != nullptr && cancel_->load(std::memory_order_relaxed); }
  // The time of the last transaction `as_of` includes (-inf: none).
  absl::StatusOr<Instant> PointOf(const TxTimeClause& as_of) const;
  // For an answer without rows: which names of `pattern` no key uses, with
  // the closest name that exists ("" when every name exists).
  std::string UnknownNames(const Pattern& pattern);
  // "no name 'NAME'", with the closest name that exists, if any; nullptr
  // if NAME is a name. Costs a scan of up to 5,000 names, so a name's note
  // is kept until the next transaction (an application that asks for a
  // missing name again and again pays it once).
  const std::string* NoteOfUnknown(const std::string& name);

  Database* db_;
  Clock* clock_;
  std::optional<Transaction> txn_;  // set between begin and commit/rollback
  size_t pending_bytes_ = 0;        // of txn_, when set
  std::vector<TransactionMark> savepoints_;  // of txn_, oldest first
  const std::atomic<bool>* cancel_ = nullptr;
  // NoteOfUnknown's notes, of the database as of transaction
  // notes_as_of_; at most kKeptNotes.
  static constexpr size_t kKeptNotes = 256;
  absl::flat_hash_map<std::string, std::string> notes_;
  uint64_t notes_as_of_ = 0;
};

// What a session says of savepoint statement `st` (kSavepoint, kRelease,
// kRollbackTo) that succeeded, dropping `dropped` operations: "rolled back
// to savepoint a: dropped 2 operations".
std::string SavepointMessage(const Statement& st, size_t dropped);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_QUERY_SESSION_H_
