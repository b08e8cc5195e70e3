// Pure timeline algebra (SEMANTICS section 3): the canonical valid-time
// timeline of one key and the FOR PORTION OF operations on it. No I/O.
#ifndef HINDSIGHT_TIMELINE_TIMELINE_H_
#define HINDSIGHT_TIMELINE_TIMELINE_H_

#include <vector>

#include "hindsight/time.h"
#include "hindsight/value.h"

namespace hindsight::internal {

struct Segment {
  Interval valid;
  Value value;
  friend bool operator==(const Segment&, const Segment&) = default;
};

// Canonical when sorted by from, pairwise disjoint, and no two adjacent
// segments (a.to == b.from) carry equal values.
using Timeline = std::vector<Segment>;

bool IsCanonical(const Timeline& timeline);

// Over `valid` the timeline has `value`; outside it nothing changes.
// REQUIRES: timeline is canonical and valid.from < valid.to. Keeps it
// canonical. Cost: O(segments).
void ApplyAssert(Timeline* timeline, Interval valid, const Value& value);

// Over `valid` the timeline has nothing. Same contract as ApplyAssert.
void ApplyRetract(Timeline* timeline, Interval valid);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_TIMELINE_TIMELINE_H_
