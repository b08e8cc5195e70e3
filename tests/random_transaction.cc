#include "random_transaction.h"

#include "absl/strings/str_cat.h"

namespace hindsight::testing {

namespace {

const char* const kSubjects[] = {"Syria", "Türkiye", "a", "b"};
const char* const kPredicates[] = {"p", "relations", "q"};
const char* const kObjects[] = {"Ukraine", "Syria", "x"};

}  // namespace

std::vector<FactKey> RandomTransactionKeys() {
  std::vector<FactKey> keys;
  for (const char* s : kSubjects) {
    for (const char* p : kPredicates) {
      for (const char* o : kObjects) keys.push_back({s, p, o});
    }
  }
  return keys;
}

Transaction RandomTransaction(std::mt19937& rng, std::optional<Instant> time, Transaction* as_keys) {
  const auto uniform = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const auto key = [&]() -> FactKey {
    return {kSubjects[uniform(0, 3)], kPredicates[uniform(0, 2)], kObjects[uniform(0, uniform(0, 1) ? 0 : 2)]};
  };
  const auto point = [&]() -> Instant {
    const int r = uniform(0, 13);
    return r == 0 ? kNegInf : r == 1 ? kPosInf : (r - 6) * kDay;
  };
  Transaction txn;
  const int ops = uniform(1, 5);
  for (int o = 0; o < ops; ++o) {
    Instant a = point(), b = point();
    while (a == b) b = point();
    const Interval span{std::min(a, b), std::max(a, b)};
    const int kind = uniform(0, 29);
    if (kind < 18) {
      const FactKey k = key();
      const Value v = uniform(0, 1) ? Value::String(absl::StrCat("v", uniform(0, 3))) : Value::Int64(uniform(0, 2));
      txn.Assert(k, v, span);
      as_keys->Assert(k, v, span);
    } else if (kind < 27) {
      const FactKey k = key();
      txn.Retract(k, span);
      as_keys->Retract(k, span);
    } else {
      const FactKey k = key();
      if (kind < 29) {
        txn.Erase(k);
      } else {  // as the log names it
        txn.EraseByDigest(KeyDigest(k));
      }
      as_keys->Erase(k);
    }
  }
  if (time.has_value()) {
    txn.SetTime(*time);
    as_keys->SetTime(*time);
  }
  txn.SetSource(absl::StrCat("s", uniform(0, 2)));
  as_keys->SetSource(txn.source());
  return txn;
}

}  // namespace hindsight::testing
