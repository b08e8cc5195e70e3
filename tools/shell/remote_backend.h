// The shell against `hindsight serve`, through libpq: `hindsight shell
// postgresql://USER@HOST:PORT`. Statements go to the server as they are
// typed; answers come back typed (text, json, timestamptz, int8) and are
// turned back into the session's cells, so formats and timeline pictures
// are the same as on a local database.
#ifndef HINDSIGHT_TOOLS_SHELL_REMOTE_BACKEND_H_
#define HINDSIGHT_TOOLS_SHELL_REMOTE_BACKEND_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "shell/backend.h"

struct pg_conn;

namespace hindsight::tools {

class RemoteBackend final : public Backend {
 public:
  // Connects to `uri` (a libpq URI or connection string), asking for a
  // password on the terminal if the server wants one and none was given.
  // Unavailable with the server's reason when it cannot connect.
  static absl::StatusOr<std::unique_ptr<RemoteBackend>> Connect(const std::string& uri);
  ~RemoteBackend() override;

  // `rows` gets the answer's rows as they come (libpq's single-row mode).
  absl::StatusOr<internal::Result> Execute(const std::string& text, const internal::Statement& st,
                                           const internal::Session::CellsConsumer* rows) override;
  bool in_transaction() const override;
  size_t pending_operations() const override { return pending_; }
  // SHOW hindsight_names 'PREFIX' (the server's first 1000).
  std::vector<std::string> NamesWithPrefix(const std::string& prefix, size_t limit) override;
  // SHOW hindsight_transactions N, hindsight_stats, hindsight_predicates.
  absl::StatusOr<internal::Result> RecentTransactions(uint64_t n) override;
  absl::StatusOr<internal::Result> Stats() override;
  absl::StatusOr<internal::Result> Predicates() override;
  absl::StatusOr<internal::Result> Sessions() override;

  // "user@host:port", for the banner.
  std::string Describe() const;

 private:
  explicit RemoteBackend(pg_conn* conn) : conn_(conn) {}
  // RunOnConnection, on a connection that works: one lost before is made
  // again first (Unavailable if it cannot be), and one lost while `text`
  // runs is made again after it, as psql does; either way the error says
  // so, and a transaction that was open is gone (the server rolled it
  // back).
  absl::StatusOr<internal::Result> Run(const std::string& text,
                                       const internal::Session::CellsConsumer* rows = nullptr,
                                       const std::vector<std::string>* expected = nullptr);
  // Sends `text` and waits for its answer (Ctrl-C sends the server a
  // cancel request): the rows of its last result, or with `rows` each row
  // to it as it comes; the notices in `notices_`. With `expected`, an
  // answer with other columns is an error and none of its rows is taken:
  // the server read the text as another statement than the shell did.
  absl::StatusOr<internal::Result> RunOnConnection(const std::string& text,
                                                   const internal::Session::CellsConsumer* rows,
                                                   const std::vector<std::string>* expected);
  // Connects again with the same parameters, within their connect_timeout
  // if they have one; Unavailable with libpq's reason if that failed, or
  // "interrupted" on Ctrl-C (the connection is then left half made, and
  // the next statement starts again).
  absl::Status Reconnect();
  // `error`, of a statement that failed; if the connection is gone, says
  // so and what connecting again gave.
  absl::Status Lost(const absl::Status& error);
  // Waits until libpq has the next result (or the end), reading the
  // socket; sends a cancel request once after Ctrl-C. False when the
  // connection fails.
  bool AwaitResult(bool* cancel_sent);

  // After savepoint statement `st` succeeded: notes it among savepoints_,
  // and what `rollback to` leaves pending; says what it did.
  std::string NoteSavepoint(const internal::Statement& st);

  pg_conn* conn_;
  size_t pending_ = 0;
  // The open transaction's savepoints, oldest first, with the operations
  // pending at each, as the server's session keeps them.
  std::vector<std::pair<std::string, size_t>> savepoints_;
  std::string notices_;  // NOTICE messages of the statement running
};

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_SHELL_REMOTE_BACKEND_H_
