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
// segments (a.to == b.from) carry equal values. A timeline has one
// canonical form: the maximal runs of its values.
using Timeline = std::vector<Segment>;

bool IsCanonical(const Timeline& timeline);

// One FOR PORTION OF operation: over `valid` the timeline has `*value` (an
// assert), or nothing (a retract: `value` null); outside it nothing
// changes. REQUIRES: valid.from < valid.to; `value` outlives the call.
struct PortionEdit {
  Interval valid;
  const Value* value;
};

// The canonical timeline `before` becomes after `edits`, applied in order
// (where two overlap, the later one holds). Cost: O(segments + edits *
// log(edits)), however the edits are ordered or overlap.
Timeline ApplyEdits(Timeline before, const std::vector<PortionEdit>& edits);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_TIMELINE_TIMELINE_H_
