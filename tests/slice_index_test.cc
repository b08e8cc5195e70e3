// The slice index finds exactly the segments that contain an instant, for
// segments and instants anywhere in the int64 range.
#include <map>
#include <random>

#include "gtest/gtest.h"
#include "storage/slice_index.h"

namespace hindsight::internal {
namespace {

Instant RandomInstant(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: return kNegInf;
    case 1: return kPosInf;
    case 2: return static_cast<Instant>(rng());                    // anywhere
    case 3: return static_cast<Instant>(rng() % 2000) - 1000;      // near zero
    case 4: return kPosInf - 1 - static_cast<Instant>(rng() % 100);
    default: return kNegInf + 1 + static_cast<Instant>(rng() % 100);
  }
}

TEST(SliceIndexTest, RangesFindExactlyTheSegmentsContainingV) {
  std::mt19937_64 rng(5);
  for (int round = 0; round < 200; ++round) {
    std::map<std::string, std::string> index;  // stands in for the column family
    std::vector<std::pair<KeyIds, Interval>> segments;
    for (NameId s = 0; s < 60; ++s) {
      Instant a = RandomInstant(rng), b = RandomInstant(rng);
      if (a == b) continue;
      const Interval valid{std::min(a, b), std::max(a, b)};
      const KeyIds ids{s, 7, s + 1};
      index[SliceKey(ids, valid)] = EncodeSliceValue(valid, Value::Int64(s));
      segments.push_back({ids, valid});
      index[SliceKey({s, 8, s}, valid)] = EncodeSliceValue(valid, Value::None());  // another predicate
    }
    for (int q = 0; q < 50; ++q) {
      const Instant v = RandomInstant(rng);
      std::multiset<NameId> found, expected;
      for (const auto& [ids, valid] : segments) {
        if (valid.Contains(v)) expected.insert(ids.subject);
      }
      for (const SliceRange& r : SliceRangesAt(7, v)) {
        for (auto it = index.lower_bound(r.begin); it != index.end() && it->first < r.end; ++it) {
          absl::StatusOr<SliceEntry> e = DecodeSliceKey(it->first);
          ASSERT_TRUE(e.ok()) << e.status();
          absl::StatusOr<Value> value = DecodeSliceValue(it->second);
          ASSERT_TRUE(value.ok()) << value.status();
          ASSERT_EQ(e->ids.predicate, 7u);
          ASSERT_EQ(*value, Value::Int64(e->ids.subject));
          if (r.all_match) ASSERT_TRUE(e->valid.Contains(v));
          if (e->valid.Contains(v)) found.insert(e->ids.subject);
        }
      }
      ASSERT_EQ(found, expected) << "v = " << v;
    }
  }
}

}  // namespace
}  // namespace hindsight::internal
