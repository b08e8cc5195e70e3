// Instants and valid-time intervals (SEMANTICS section 1).
#ifndef HINDSIGHT_TIME_H_
#define HINDSIGHT_TIME_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hindsight {

// Microseconds since 1970-01-01T00:00:00Z. The two extreme values are the
// sentinels -inf and +inf; every other value is a finite instant.
using Instant = int64_t;

inline constexpr Instant kNegInf = std::numeric_limits<int64_t>::min();
inline constexpr Instant kPosInf = std::numeric_limits<int64_t>::max();

// A half-open valid-time interval [from, to). Valid when from < to.
struct Interval {
  Instant from = kNegInf;
  Instant to = kPosInf;

  bool Contains(Instant v) const { return from <= v && v < to; }
  bool Overlaps(const Interval& o) const { return from < o.to && o.from < to; }
  friend bool operator==(const Interval&, const Interval&) = default;
};

// Parses a SEMANTICS time literal: YYYY, YYYY-MM, YYYY-MM-DD,
// YYYY-MM-DDTHH:MM[:SS[.f{1,6}]][Z|±HH:MM], -inf, +inf. A coarse literal
// means its first instant; no suffix means UTC. Strict: anything else, an
// impossible date, or an instant outside years 0001..9999 (after applying the
// offset) is InvalidArgument naming the literal.
absl::StatusOr<Instant> ParseInstant(std::string_view literal);

// The canonical text of an instant: YYYY-MM-DDTHH:MM:SSZ, with .ffffff before
// the Z only when the microseconds are not zero; -inf and +inf for sentinels.
std::string FormatInstant(Instant instant);

// The shortest literal that parses back to `instant`: `2025-09-25` at
// midnight, `2025-09-25T10:30Z` without seconds, and so on. For people.
std::string FormatInstantShort(Instant instant);

}  // namespace hindsight

#endif  // HINDSIGHT_TIME_H_
