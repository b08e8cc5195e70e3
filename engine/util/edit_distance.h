// The edit distance of two strings (insertions, deletions, substitutions of
// bytes), for "did you mean" hints.
#ifndef HINDSIGHT_UTIL_EDIT_DISTANCE_H_
#define HINDSIGHT_UTIL_EDIT_DISTANCE_H_

#include <algorithm>
#include <string_view>
#include <vector>

namespace hindsight::internal {

// The edit distance of `a` and `b` when it is below `bound`, else `bound`.
// Cost: nothing when their lengths differ by `bound` or more; else at most
// |a| x |b|, and it stops at the first row whose every cell reaches `bound`.
inline size_t EditDistanceBelow(std::string_view a, std::string_view b, size_t bound) {
  const size_t length_gap = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  if (length_gap >= bound) return bound;
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    size_t row_min = row[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
      row_min = std::min(row_min, row[j]);
    }
    if (row_min >= bound) return bound;  // every path already costs that much
  }
  return std::min(row[b.size()], bound);
}

}  // namespace hindsight::internal

#endif  // HINDSIGHT_UTIL_EDIT_DISTANCE_H_
