// Timeline algebra: FOR PORTION OF asserts and retracts, coalescing; many
// edits at once against applying them one at a time.
#include <random>

#include "gtest/gtest.h"
#include "timeline/timeline.h"

namespace hindsight::internal {
namespace {

Value S(const char* s) { return Value::String(s); }

void Assert(Timeline* tl, Interval valid, const Value& value) { *tl = ApplyEdits(*tl, {{valid, &value}}); }
void Retract(Timeline* tl, Interval valid) { *tl = ApplyEdits(*tl, {{valid, nullptr}}); }

TEST(TimelineTest, AssertSplitsWhatItOverlaps) {
  Timeline tl;
  Assert(&tl, {0, 100}, S("a"));
  Assert(&tl, {40, 60}, S("b"));
  EXPECT_EQ(tl, (Timeline{{{0, 40}, S("a")}, {{40, 60}, S("b")}, {{60, 100}, S("a")}}));
  EXPECT_TRUE(IsCanonical(tl));
}

TEST(TimelineTest, EqualValuesCoalesce) {
  Timeline tl;
  Assert(&tl, {0, 10}, S("a"));
  Assert(&tl, {20, 30}, S("a"));
  Assert(&tl, {10, 20}, S("a"));  // bridges both neighbours
  EXPECT_EQ(tl, (Timeline{{{0, 30}, S("a")}}));
  Assert(&tl, {30, kPosInf}, S("b"));
  Assert(&tl, {kNegInf, 0}, S("b"));
  EXPECT_EQ(tl.size(), 3u);
  Assert(&tl, {kNegInf, kPosInf}, S("b"));
  EXPECT_EQ(tl, (Timeline{{{kNegInf, kPosInf}, S("b")}}));
}

TEST(TimelineTest, DifferentTypesDoNotCoalesce) {
  Timeline tl;
  Assert(&tl, {0, 10}, Value::Int64(4));
  Assert(&tl, {10, 20}, Value::Double(4.0));
  Assert(&tl, {20, 30}, Value::Double(-0.0));
  Assert(&tl, {30, 40}, Value::Double(0.0));
  EXPECT_EQ(tl.size(), 4u);
}

TEST(TimelineTest, RetractCutsHolesAndOfNothingIsNothing) {
  Timeline tl;
  Retract(&tl, {0, 10});
  EXPECT_TRUE(tl.empty());
  Assert(&tl, {kNegInf, kPosInf}, Value::None());
  Retract(&tl, {10, 20});
  EXPECT_EQ(tl, (Timeline{{{kNegInf, 10}, Value::None()}, {{20, kPosInf}, Value::None()}}));
  Retract(&tl, {kNegInf, kPosInf});
  EXPECT_TRUE(tl.empty());
}

TEST(TimelineTest, WorkedExampleOfSemanticsSection5) {
  Timeline tl;
  Assert(&tl, {2022, kPosInf}, S("severed"));
  Assert(&tl, {2024, kPosInf}, S("talks"));
  Assert(&tl, {2025, kPosInf}, S("restored"));
  EXPECT_EQ(tl, (Timeline{{{2022, 2024}, S("severed")}, {{2024, 2025}, S("talks")}, {{2025, kPosInf}, S("restored")}}));
}

TEST(TimelineTest, LaterEditsWinWhereTheyOverlap) {
  const Value a = S("a"), b = S("b");
  EXPECT_EQ(ApplyEdits({}, {{{0, 10}, &a}, {{5, 20}, &b}, {{8, 12}, nullptr}}),
            (Timeline{{{0, 5}, a}, {{5, 8}, b}, {{12, 20}, b}}));
  EXPECT_EQ(ApplyEdits({{{0, 30}, b}}, {{{5, 20}, &a}, {{0, 10}, &b}}), (Timeline{{{0, 10}, b}, {{10, 20}, a}, {{20, 30}, b}}));
}

// The edits one at a time, by cutting and inserting: the obvious way, and
// what ApplyEdits must agree with.
Timeline OneAtATime(Timeline tl, const std::vector<PortionEdit>& edits) {
  for (const PortionEdit& e : edits) {
    Timeline out;
    for (const Segment& s : tl) {
      if (s.valid.to <= e.valid.from || s.valid.from >= e.valid.to) {
        out.push_back(s);
        continue;
      }
      if (s.valid.from < e.valid.from) out.push_back({{s.valid.from, e.valid.from}, s.value});
      if (e.valid.to < s.valid.to) out.push_back({{e.valid.to, s.valid.to}, s.value});
    }
    if (e.value != nullptr) out.push_back({e.valid, *e.value});
    std::sort(out.begin(), out.end(), [](const Segment& x, const Segment& y) { return x.valid.from < y.valid.from; });
    tl.clear();
    for (Segment& s : out) {
      if (!tl.empty() && tl.back().valid.to == s.valid.from && tl.back().value == s.value) {
        tl.back().valid.to = s.valid.to;
      } else {
        tl.push_back(std::move(s));
      }
    }
  }
  return tl;
}

TEST(TimelineTest, ManyEditsAtOnceAsOneAtATime) {
  std::mt19937 rng(3);
  const auto uniform = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const Value values[] = {Value::Int64(0), Value::Int64(1), S("x")};
  const auto instant = [&](int lo, int hi) -> Instant {
    const int v = uniform(lo - 1, hi + 1);
    return v < lo ? kNegInf : v > hi ? kPosInf : v;
  };
  for (int round = 0; round < 3000; ++round) {
    const int span = uniform(5, 60);  // few distinct instants: edits touch and overlap
    std::vector<PortionEdit> edits;
    for (int e = uniform(0, 8); e > 0; --e) {
      const Instant from = instant(0, span - 1);
      const Instant to = from == kPosInf ? kPosInf : std::max(from + 1, instant(0, span));
      if (from < to) edits.push_back({{from, to}, uniform(0, 3) == 0 ? nullptr : &values[uniform(0, 2)]});
    }
    const Timeline before = OneAtATime({}, edits);
    ASSERT_TRUE(IsCanonical(before));
    std::vector<PortionEdit> more;
    for (int e = uniform(0, round % 10 == 0 ? 200 : 10); e > 0; --e) {
      const Instant from = instant(0, span - 1);
      const Instant to = from == kPosInf ? kPosInf : std::max(from + 1, instant(0, span));
      if (from < to) more.push_back({{from, to}, uniform(0, 3) == 0 ? nullptr : &values[uniform(0, 2)]});
    }
    const Timeline after = ApplyEdits(before, more);
    ASSERT_EQ(after, OneAtATime(before, more)) << "round " << round;
    ASSERT_TRUE(IsCanonical(after)) << "round " << round;
  }
}

}  // namespace
}  // namespace hindsight::internal
