// Which transaction committed at a given time. Transaction times rise
// strictly with their ids, so a time names at most one transaction; what a
// history row's tx_from and tx_to name.
#ifndef HINDSIGHT_QUERY_TRANSACTIONS_BY_TIME_H_
#define HINDSIGHT_QUERY_TRANSACTIONS_BY_TIME_H_

#include <map>

#include "absl/status/statusor.h"
#include "hindsight/db.h"

namespace hindsight::internal {

class TransactionsByTime {
 public:
  // `db` outlives this.
  explicit TransactionsByTime(const Database& db) : db_(db) {}

  // The transaction committed at `time`. Cost: a binary search over the
  // log (about log2(transactions) lookups), once per time. NotFound when
  // no transaction has that time.
  absl::StatusOr<TransactionInfo> At(Instant time);

 private:
  const Database& db_;
  std::map<Instant, TransactionInfo> found_;
};

}  // namespace hindsight::internal

#endif  // HINDSIGHT_QUERY_TRANSACTIONS_BY_TIME_H_
