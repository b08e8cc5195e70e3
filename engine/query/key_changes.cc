#include "query/key_changes.h"

#include <algorithm>

namespace hindsight::internal {
namespace {

// The rows of `history` believed at `point`, by valid.from.
std::vector<const HistoryRow*> BelievedAt(const std::vector<HistoryRow>& history, Instant point) {
  std::vector<const HistoryRow*> rows;
  for (const HistoryRow& h : history) {
    if (h.tx.from <= point && point < h.tx.to) rows.push_back(&h);
  }
  std::sort(rows.begin(), rows.end(),
            [](const HistoryRow* a, const HistoryRow* b) { return a->valid.from < b->valid.from; });
  return rows;
}

}  // namespace

std::vector<KeyChange> ChangesOfKey(const std::vector<HistoryRow>& history, Instant from, Instant to) {
  const std::vector<const HistoryRow*> before = BelievedAt(history, from);
  const std::vector<const HistoryRow*> after = BelievedAt(history, to);
  // A timeline as believed at one point has one segment per valid.from:
  // one merge pass over the two.
  std::vector<KeyChange> changes;
  size_t i = 0, j = 0;
  while (i < before.size() || j < after.size()) {
    if (j == after.size() || (i < before.size() && before[i]->valid.from < after[j]->valid.from)) {
      changes.push_back({'-', before[i++]});
    } else if (i == before.size() || after[j]->valid.from < before[i]->valid.from) {
      changes.push_back({'+', after[j++]});
    } else {
      if (before[i]->valid != after[j]->valid || before[i]->value != after[j]->value) {
        changes.push_back({'-', before[i]});
        changes.push_back({'+', after[j]});
      }
      ++i, ++j;
    }
  }
  return changes;
}

}  // namespace hindsight::internal
