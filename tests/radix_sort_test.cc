// RadixSort agrees with std::sort for every key width.
#include "util/radix_sort.h"

#include <algorithm>
#include <random>

#include "gtest/gtest.h"

namespace hindsight::internal {
namespace {

TEST(RadixSortTest, AgreesWithComparisonSort) {
  std::mt19937_64 rng(3);
  std::vector<uint64_t> scratch;
  for (int bits = 0; bits <= 64; ++bits) {
    for (const size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{100}, size_t{5000}}) {
      std::vector<uint64_t> keys(n);
      for (uint64_t& k : keys) k = bits == 64 ? rng() : rng() & ((uint64_t{1} << bits) - 1);
      std::vector<uint64_t> expected = keys;
      std::sort(expected.begin(), expected.end());
      RadixSort(&keys, bits, &scratch);
      ASSERT_EQ(keys, expected) << bits << " bits, " << n << " keys";
    }
  }
}

}  // namespace
}  // namespace hindsight::internal
