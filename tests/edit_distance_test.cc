// EditDistanceBelow against the textbook full table on random strings.
#include "util/edit_distance.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace hindsight::internal {
namespace {

// The whole (|a|+1) x (|b|+1) table, no shortcut: the reference.
size_t FullEditDistance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
  }
  return d[a.size()][b.size()];
}

std::string RandomString(std::mt19937* rng) {
  std::string s(std::uniform_int_distribution<size_t>(0, 9)(*rng), 'a');
  for (char& c : s) c = static_cast<char>('a' + std::uniform_int_distribution<int>(0, 2)(*rng));
  return s;
}

TEST(EditDistanceTest, BelowTheBoundItIsExactAtOrAboveItIsTheBound) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20000; ++round) {
    const std::string a = RandomString(&rng);
    const std::string b = RandomString(&rng);
    const size_t bound = std::uniform_int_distribution<size_t>(1, 6)(rng);
    const size_t full = FullEditDistance(a, b);
    EXPECT_EQ(EditDistanceBelow(a, b, bound), std::min(full, bound)) << a << " / " << b << " bound " << bound;
  }
}

TEST(EditDistanceTest, HandWrittenCases) {
  EXPECT_EQ(EditDistanceBelow("Syira", "Syria", 3), 2u);
  EXPECT_EQ(EditDistanceBelow("histroy", "history", 3), 2u);
  EXPECT_EQ(EditDistanceBelow("", "abc", 5), 3u);
  EXPECT_EQ(EditDistanceBelow("Ukraine", "Ukraine", 1), 0u);
  EXPECT_EQ(EditDistanceBelow("a", "abcdef", 3), 3u);  // the lengths alone say so
}

}  // namespace
}  // namespace hindsight::internal
