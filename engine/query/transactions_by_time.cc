#include "query/transactions_by_time.h"

#include "absl/strings/str_cat.h"

namespace hindsight::internal {

absl::StatusOr<TransactionInfo> TransactionsByTime::At(Instant time) {
  if (auto it = found_.find(time); it != found_.end()) return it->second;
  uint64_t lo = 1, hi = db_.LastTransaction().id;  // the answer, if any, is in [lo, hi]
  while (lo <= hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    absl::StatusOr<TransactionInfo> info = db_.GetTransaction(mid);
    if (!info.ok()) return info.status();
    if (info->time == time) return found_[time] = *std::move(info);
    if (info->time < time) {
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return absl::NotFoundError(absl::StrCat("no transaction at ", FormatInstant(time)));
}

}  // namespace hindsight::internal
