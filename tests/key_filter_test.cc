#include "keys/key_filter.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace hindsight::internal {
namespace {

FactKey RandomKey(std::mt19937_64* rnd) {
  return {absl::StrCat("s", (*rnd)() % 100000), absl::StrCat("p", (*rnd)() % 30), absl::StrCat("o", (*rnd)() % 100000)};
}

// The stored format: the hash must never change (the value was checked
// against an independent computation of FNV-1a and the finalizer).
TEST(KeyFilterTest, TheHashIsStable) {
  EXPECT_EQ(KeyFilterHash({"Syria", "diplomatic_relations", "Ukraine"}), 0xea51350252e77c5fULL);
  EXPECT_NE(KeyFilterHash({"ab", "c", "d"}), KeyFilterHash({"a", "bc", "d"}));
  EXPECT_EQ(KeyDigestFilterHash(std::string("\x01\x02\x03\x04\x05\x06\x07\x08\xff", 9)), 0x6f51f423bd511907ULL);
}

TEST(KeyFilterTest, HoldsEveryKeyAddedAndFewOthers) {
  std::mt19937_64 rnd(7);
  for (const size_t count : {0u, 1u, 3u, 50u, 2000u}) {
    KeyFilterBuilder builder(count);
    std::vector<FactKey> added;
    for (size_t i = 0; i < count; ++i) {
      added.push_back(RandomKey(&rnd));
      builder.Add(KeyFilterHash(added.back()));
    }
    const std::string& filter = builder.bits();
    ASSERT_GE(filter.size(), 8u);
    for (const FactKey& k : added) EXPECT_TRUE(KeyFilterMayHold(filter, KeyFilterHash(k))) << count;
    int false_positives = 0;
    const int probes = 20000;
    for (int i = 0; i < probes; ++i) {
      const FactKey k{absl::StrCat("other", i), "p", "o"};
      false_positives += KeyFilterMayHold(filter, KeyFilterHash(k));
    }
    // About 0.07% at 16 bits a key; the smallest filters (8 bytes, for a
    // few keys) do worse, near 0.5%.
    EXPECT_LT(false_positives, count >= 50 ? probes / 500 : probes / 50) << count << " keys";
  }
}

TEST(KeyFilterTest, TheEmptyFilterMayHoldAnyKey) {
  EXPECT_TRUE(KeyFilterMayHold("", KeyFilterHash({"a", "b", "c"})));
}

}  // namespace
}  // namespace hindsight::internal
