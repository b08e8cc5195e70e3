// Where the shell's statements run: a database opened by this process
// (LocalBackend), or a `hindsight serve` over the PostgreSQL protocol
// (RemoteBackend, remote_backend.h). The shell parses every statement
// itself, to know what it is; the backend runs it.
#ifndef HINDSIGHT_TOOLS_SHELL_BACKEND_H_
#define HINDSIGHT_TOOLS_SHELL_BACKEND_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hindsight/db.h"
#include "query/session.h"
#include "query/statement.h"

namespace hindsight::tools {

class Backend {
 public:
  virtual ~Backend() = default;

  // Runs `text`, which parses as `st`. With `rows`, the rows of its answer
  // go to it instead of into the Result: a local database's as its scan
  // finds them, so that an answer of any size can be written out as it
  // comes. Errors as the session gives them (statement errors with their
  // column, Cancelled after Ctrl-C); rows may have gone to `rows` before.
  virtual absl::StatusOr<internal::Result> Execute(const std::string& text, const internal::Statement& st,
                                                   const internal::Session::CellsConsumer* rows) = 0;

  virtual bool in_transaction() const = 0;
  // Writes waiting in the open transaction.
  virtual size_t pending_operations() const = 0;

  // Names in use that start with `prefix`, at most `limit`, for .names and
  // completion (none when the database cannot be read).
  virtual std::vector<std::string> NamesWithPrefix(const std::string& prefix, size_t limit) = 0;

  // The last `n` transactions, oldest first, as internal::TransactionsTable
  // gives them.
  virtual absl::StatusOr<internal::Result> RecentTransactions(uint64_t n) = 0;

  // What the database holds, as internal::StatsTable gives it. Cost: a scan
  // of every current segment.
  virtual absl::StatusOr<internal::Result> Stats() = 0;

  // Each predicate's keys and current segments, as
  // internal::PredicatesTable gives them. Cost: a scan of every current
  // segment.
  virtual absl::StatusOr<internal::Result> Predicates() = 0;

  // A server's sessions, as its SHOW hindsight_sessions lists them;
  // FailedPrecondition for a database this process opened.
  virtual absl::StatusOr<internal::Result> Sessions() = 0;
};

// A database in this process, through a query Session. Reads stop early
// when the shell's interrupt flag is set.
class LocalBackend final : public Backend {
 public:
  // `db`, opened from directory `dir`, outlives the backend.
  LocalBackend(Database* db, std::string dir);

  absl::StatusOr<internal::Result> Execute(const std::string& text, const internal::Statement& st,
                                           const internal::Session::CellsConsumer* rows) override;
  bool in_transaction() const override { return session_.in_transaction(); }
  size_t pending_operations() const override { return session_.pending_operations(); }
  std::vector<std::string> NamesWithPrefix(const std::string& prefix, size_t limit) override;
  absl::StatusOr<internal::Result> RecentTransactions(uint64_t n) override;
  absl::StatusOr<internal::Result> Stats() override;
  absl::StatusOr<internal::Result> Predicates() override;
  absl::StatusOr<internal::Result> Sessions() override;

 private:
  Database* db_;
  std::string dir_;
  internal::Session session_;
};

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_SHELL_BACKEND_H_
