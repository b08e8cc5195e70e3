#include "shell/backend.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "shell/interrupt.h"

namespace hindsight::tools {

LocalBackend::LocalBackend(Database* db, std::string dir) : db_(db), dir_(std::move(dir)), session_(db) {
  session_.set_cancel_flag(InterruptFlag());  // set only once InstallInterruptHandlers ran
}

absl::StatusOr<internal::Result> LocalBackend::Execute(const std::string&, const internal::Statement& st) {
  // Read-only beside a writer: see its latest commits first.
  if (absl::Status s = db_->CatchUp(); !s.ok()) return s;
  return session_.Execute(st);
}

std::vector<std::string> LocalBackend::NamesWithPrefix(const std::string& prefix, size_t limit) const {
  return db_->NamesWithPrefix(prefix, limit).value_or(std::vector<std::string>{});
}

absl::StatusOr<std::vector<TransactionInfo>> LocalBackend::RecentTransactions(uint64_t n) const {
  const uint64_t last = db_->LastTransaction().id;
  std::vector<TransactionInfo> out;
  absl::Status s = db_->ListTransactions(last > n ? last - n + 1 : 1, [&](const TransactionInfo& info) {
    out.push_back(info);
    return true;
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<internal::Result> LocalBackend::Stats() const {
  uint64_t keys = 0, segments = 0;
  FactKey previous;
  absl::Status s = db_->Scan(Query{{}, ValidTimeClause::All(), TxTimeClause::Latest()}, [&](Row& row) {
    ++segments;
    if (segments == 1 || !(row.key == previous)) ++keys, previous = row.key;
    return true;
  });
  if (!s.ok()) return s;
  const TransactionInfo last = db_->LastTransaction();
  internal::Result r;
  r.columns = {"measure", "value"};
  const auto add = [&r](const char* measure, internal::Cell value) {
    r.rows.push_back({internal::Cell::Text(measure), std::move(value)});
  };
  add("keys", internal::Cell::Text(absl::StrCat(keys)));
  add("current segments", internal::Cell::Text(absl::StrCat(segments)));
  add("transactions", internal::Cell::Text(absl::StrCat(last.id)));
  if (last.id > 0) {
    absl::StatusOr<TransactionInfo> first = db_->GetTransaction(1);
    if (first.ok()) add("first transaction", internal::Cell::Time(first->time));
    add("last transaction", internal::Cell::Time(last.time));
  }
  std::error_code ec;
  uint64_t bytes = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) bytes += it->file_size(ec);
  }
  add("bytes on disk", internal::Cell::Text(absl::StrCat(bytes)));
  return r;
}

}  // namespace hindsight::tools
