#include "shell/backend.h"

#include "shell/interrupt.h"

namespace hindsight::tools {

LocalBackend::LocalBackend(Database* db) : db_(db), session_(db) {
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

}  // namespace hindsight::tools
