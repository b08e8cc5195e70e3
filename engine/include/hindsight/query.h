// What a read asks: a pattern, a valid-time clause, a transaction-time clause
// (SEMANTICS section 4).
#ifndef HINDSIGHT_QUERY_H_
#define HINDSIGHT_QUERY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "hindsight/time.h"

namespace hindsight {

// Each position is either a name or, when empty, the wildcard `*`.
struct Pattern {
  std::optional<std::string> subject;
  std::optional<std::string> predicate;
  std::optional<std::string> object;
};

struct ValidTimeClause {
  enum class Kind { kAll, kAt, kDuring };
  Kind kind = Kind::kAll;
  Instant at = 0;       // kAt: the segment containing this instant
  Interval during;      // kDuring: segments overlapping this interval

  static ValidTimeClause All() { return {}; }
  static ValidTimeClause At(Instant v) { return {Kind::kAt, v, {}}; }
  static ValidTimeClause During(Interval i) { return {Kind::kDuring, 0, i}; }
};

struct TxTimeClause {
  enum class Kind { kLatest, kAsOfTime, kAsOfTx };
  Kind kind = Kind::kLatest;
  Instant time = kPosInf;  // kAsOfTime: transactions with time <= this
  uint64_t tx_id = 0;      // kAsOfTx: transactions with id <= this

  static TxTimeClause Latest() { return {}; }
  static TxTimeClause AsOf(Instant t) { return {Kind::kAsOfTime, t, 0}; }
  static TxTimeClause AsOfTx(uint64_t id) { return {Kind::kAsOfTx, kPosInf, id}; }
};

struct Query {
  Pattern pattern;
  ValidTimeClause valid;
  TxTimeClause as_of;
};

}  // namespace hindsight

#endif  // HINDSIGHT_QUERY_H_
