// Which transaction committed at a given time. Transaction times rise
// strictly with their ids, so a time names at most one transaction; what a
// history row's tx_from and tx_to name.
#ifndef HINDSIGHT_QUERY_TRANSACTIONS_BY_TIME_H_
#define HINDSIGHT_QUERY_TRANSACTIONS_BY_TIME_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "hindsight/db.h"

namespace hindsight::internal {

class TransactionsByTime {
 public:
  // `db` outlives this.
  explicit TransactionsByTime(const Database& db) : db_(db) {}

  struct Committed {
    uint64_t id;
    const std::string* source;  // valid while this object lives
  };
  // The transaction committed at `time`. NotFound when no transaction has
  // that time. Cost: the first times looked up take a binary search over
  // the log each (about log2(transactions) point reads), remembered; once
  // they number over 1/256 of the transactions (an answer naming many of
  // them), it reads every transaction's info once and keeps its time and
  // source (12 bytes a transaction, each source once), and answers from
  // memory.
  absl::StatusOr<Committed> At(Instant time);

 private:
  // A binary search of the log for `time`.
  absl::StatusOr<Committed> Search(Instant time, uint64_t lo, uint64_t hi);
  absl::Status LoadAll();
  uint32_t SourceIndex(const std::string& source);

  const Database& db_;
  uint64_t searches_ = 0;
  absl::flat_hash_map<Instant, Committed> found_;  // by the searches
  // Once loaded: of transactions 1..times_.size().
  std::vector<Instant> times_;
  std::vector<uint32_t> source_of_;  // index in sources_
  std::deque<std::string> sources_;  // each once
  absl::flat_hash_map<std::string, uint32_t> source_index_;
};

}  // namespace hindsight::internal

#endif  // HINDSIGHT_QUERY_TRANSACTIONS_BY_TIME_H_
