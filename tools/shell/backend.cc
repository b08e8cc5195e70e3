#include "shell/backend.h"

#include "query/database_tables.h"
#include "shell/interrupt.h"

namespace hindsight::tools {

LocalBackend::LocalBackend(Database* db, std::string dir) : db_(db), dir_(std::move(dir)), session_(db) {
  session_.set_cancel_flag(InterruptFlag());  // set only once InstallInterruptHandlers ran
}

absl::StatusOr<internal::Result> LocalBackend::Execute(const std::string&, const internal::Statement& st,
                                                       const internal::Session::CellsConsumer* rows) {
  // Read-only beside a writer: see its latest commits first.
  if (absl::Status s = db_->CatchUp(); !s.ok()) return s;
  if (rows == nullptr) return session_.Execute(st);
  const internal::Session::RowConsumer read_rows = [rows](const Row& row) { (*rows)(internal::CellsOfRow(row)); };
  absl::StatusOr<internal::Result> result = session_.Execute(st, &read_rows, rows);
  if (!result.ok()) return result;
  for (std::vector<internal::Cell>& row : result->rows) (*rows)(std::move(row));  // answers not streamed (count)
  result->rows.clear();
  return result;
}

std::vector<std::string> LocalBackend::NamesWithPrefix(const std::string& prefix, size_t limit) {
  return db_->NamesWithPrefix(prefix, limit).value_or(std::vector<std::string>{});
}

absl::StatusOr<internal::Result> LocalBackend::RecentTransactions(uint64_t n) {
  return internal::TransactionsTable(*db_, n);
}

absl::StatusOr<internal::Result> LocalBackend::Stats() { return internal::StatsTable(*db_, dir_); }

absl::StatusOr<internal::Result> LocalBackend::Predicates() { return internal::PredicatesTable(*db_); }

absl::StatusOr<internal::Result> LocalBackend::Sessions() {
  return absl::FailedPreconditionError(
      "this shell opened the database itself: .sessions lists a server's sessions (hindsight shell "
      "postgresql://USER@HOST:PORT/hindsight)");
}

}  // namespace hindsight::tools
