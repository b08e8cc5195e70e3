// What changed in one key's timeline between two points of transaction
// time, decided from its history rows alone: the step `changes` takes once
// per key, as the history scan reaches the key's last row.
#ifndef HINDSIGHT_QUERY_KEY_CHANGES_H_
#define HINDSIGHT_QUERY_KEY_CHANGES_H_

#include <vector>

#include "hindsight/fact.h"
#include "hindsight/time.h"

namespace hindsight::internal {

struct KeyChange {
  char sign;             // '-': believed at the first point only; '+': at the second only
  const HistoryRow* row;  // the history row of the segment (one of the input's)
};

// The changes of one key whose history rows are `history` (any order):
// the segments of its timeline as believed at `from` (the rows with
// tx.from <= from < tx.to) that are not part of it at `to`, signed '-',
// and those at `to` that are not at `from`, signed '+'. Ordered by the
// segment's valid.from; at an equal valid.from the '-' row comes first.
// A segment that is the same (valid interval and value) at both points is
// no change, whichever rows hold it. Cost: sorts the rows visible at each
// point; no I/O.
std::vector<KeyChange> ChangesOfKey(const std::vector<HistoryRow>& history, Instant from, Instant to);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_QUERY_KEY_CHANGES_H_
