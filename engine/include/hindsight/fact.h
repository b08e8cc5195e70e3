// Fact keys and result rows (SEMANTICS sections 2 and 4).
#ifndef HINDSIGHT_FACT_H_
#define HINDSIGHT_FACT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>

#include "absl/status/status.h"
#include "hindsight/time.h"
#include "hindsight/value.h"

namespace hindsight {

inline constexpr size_t kMaxNameBytes = 4096;

// A fact key: (subject, predicate, object). Ordered bytewise, field by field,
// which is the order every query answers in.
struct FactKey {
  std::string subject;
  std::string predicate;
  std::string object;

  friend bool operator==(const FactKey&, const FactKey&) = default;
  friend bool operator<(const FactKey& a, const FactKey& b) {
    return std::tie(a.subject, a.predicate, a.object) <
           std::tie(b.subject, b.predicate, b.object);
  }
};

// OK when `name` is a valid subject, predicate or object: non-empty, valid
// UTF-8, at most kMaxNameBytes bytes, no NUL byte. InvalidArgument otherwise,
// with the reason.
absl::Status ValidateName(std::string_view name);

// OK when `text` is valid UTF-8 (no overlong forms, no surrogates, at most
// U+10FFFF).
bool IsValidUtf8(std::string_view text);

// One segment of TL(k, t): over `valid`, `key` had `value`.
struct Row {
  FactKey key;
  Value value;
  Interval valid;

  friend bool operator==(const Row&, const Row&) = default;
};

// A bitemporal row: segment (valid, value) was part of the canonical
// timeline of `key` for exactly the transaction times in [tx.from, tx.to).
struct HistoryRow {
  FactKey key;
  Value value;
  Interval valid;
  Interval tx;

  friend bool operator==(const HistoryRow&, const HistoryRow&) = default;
};

}  // namespace hindsight

#endif  // HINDSIGHT_FACT_H_
