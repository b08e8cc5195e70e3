// A tiny, obviously-correct model of SEMANTICS.md, for differential tests.
// It keeps every committed operation and answers each query from scratch:
// a key's timeline at transaction time t is computed on elementary
// intervals (between consecutive operation bounds) by asking which
// operation covered each one last. No shared code with the engine's
// timeline or storage; it uses only the engine's value and time types.
#ifndef HINDSIGHT_TESTS_REFERENCE_MODEL_H_
#define HINDSIGHT_TESTS_REFERENCE_MODEL_H_

#include <map>
#include <string>
#include <vector>

#include "hindsight/db.h"

namespace hindsight::testing {

class ReferenceModel {
 public:
  // Applies a transaction the engine accepted, at time `time`.
  void Commit(const Transaction& txn, Instant time);

  std::vector<Row> Query(const struct Query& q) const;
  std::vector<HistoryRow> History(const Pattern& p) const;
  // History of the keys with a row that starts or ends in (after, through].
  std::vector<HistoryRow> HistoryChanged(const Pattern& p, Instant after, Instant through) const;

  // The log as the contract leaves it: each transaction's operations, less
  // those on a key a later erase (or a later erase in the same
  // transaction) removed; an erase names its key by its digest.
  const std::vector<std::vector<Operation>>& Log() const { return log_; }

  size_t transaction_count() const { return tx_times_.size(); }
  Instant TransactionTime(uint64_t id) const { return tx_times_.at(id - 1); }
  Instant last_time() const { return tx_times_.empty() ? kNegInf : tx_times_.back(); }

 private:
  struct Recorded {
    Instant tx_time;
    Operation op;  // assert or retract
  };
  struct Seg {
    Instant from, to;
    Value value;
    bool operator==(const Seg& o) const { return from == o.from && to == o.to && value == o.value; }
  };
  std::vector<Seg> TimelineAt(const std::vector<Recorded>& ops, Instant t) const;
  static bool Matches(const Pattern& p, const FactKey& k);

  std::map<FactKey, std::vector<Recorded>> ops_;  // per key, in commit order
  std::vector<Instant> tx_times_;
  std::vector<std::vector<Operation>> log_;  // per transaction
};

}  // namespace hindsight::testing

#endif  // HINDSIGHT_TESTS_REFERENCE_MODEL_H_
