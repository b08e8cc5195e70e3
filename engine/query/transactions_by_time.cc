#include "query/transactions_by_time.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace hindsight::internal {
namespace {

// Searches past 1/kSearchesPerLoad of the transactions make reading every
// info once cheaper than searching on.
constexpr uint64_t kSearchesPerLoad = 256;

absl::Status NoTransactionAt(Instant time) {
  return absl::NotFoundError(absl::StrCat("no transaction at ", FormatInstant(time)));
}

}  // namespace

absl::StatusOr<TransactionsByTime::Committed> TransactionsByTime::At(Instant time) {
  const uint64_t last = db_.LastTransaction().id;
  if (times_.empty() && ++searches_ > last / kSearchesPerLoad) {
    if (absl::Status s = LoadAll(); !s.ok()) return s;
  }
  if (!times_.empty() && time <= times_.back()) {
    const auto it = std::lower_bound(times_.begin(), times_.end(), time);
    if (*it != time) return NoTransactionAt(time);
    const size_t i = it - times_.begin();
    return Committed{i + 1, &sources_[source_of_[i]]};
  }
  if (auto it = found_.find(time); it != found_.end()) return it->second;
  return Search(time, times_.size() + 1, last);  // (past the times loaded: committed since)
}

absl::StatusOr<TransactionsByTime::Committed> TransactionsByTime::Search(Instant time, uint64_t lo, uint64_t hi) {
  while (lo <= hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    absl::StatusOr<TransactionInfo> info = db_.GetTransaction(mid);
    if (!info.ok()) return info.status();
    if (info->time == time) {
      return found_[time] = Committed{mid, &sources_[SourceIndex(info->source)]};
    }
    if (info->time < time) {
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return NoTransactionAt(time);
}

absl::Status TransactionsByTime::LoadAll() {
  std::vector<Instant> times;
  std::vector<uint32_t> source_of;
  absl::Status s = db_.ListTransactions(1, [&](const TransactionInfo& info) {
    times.push_back(info.time);
    source_of.push_back(SourceIndex(info.source));
    return true;
  });
  if (!s.ok()) return s;
  times_ = std::move(times);
  source_of_ = std::move(source_of);
  found_.clear();
  return absl::OkStatus();
}

uint32_t TransactionsByTime::SourceIndex(const std::string& source) {
  const auto [it, added] = source_index_.try_emplace(source, static_cast<uint32_t>(sources_.size()));
  if (added) sources_.push_back(source);
  return it->second;
}

}  // namespace hindsight::internal
