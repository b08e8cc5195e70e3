// RadixSort agrees with a stable comparison sort on the low bits, for every
// width, whatever the other bits hold.
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
      const uint64_t low = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
      // Few distinct low parts, so that ties are common, and high bits
      // that tell the tied keys apart.
      for (uint64_t& k : keys) k = (rng() & ~low) | (rng() % 7 * 0x9e3779b97f4a7c15 & low);
      std::vector<uint64_t> expected = keys;
      std::stable_sort(expected.begin(), expected.end(), [low](uint64_t a, uint64_t b) { return (a & low) < (b & low); });
      RadixSort(&keys, bits, &scratch);
      ASSERT_EQ(keys, expected) << bits << " bits, " << n << " keys";
    }
  }
}

}  // namespace
}  // namespace hindsight::internal
