// Timeline algebra: FOR PORTION OF asserts and retracts, coalescing.
#include "gtest/gtest.h"
#include "timeline/timeline.h"

namespace hindsight::internal {
namespace {

Value S(const char* s) { return Value::String(s); }

TEST(TimelineTest, AssertSplitsWhatItOverlaps) {
  Timeline tl;
  ApplyAssert(&tl, {0, 100}, S("a"));
  ApplyAssert(&tl, {40, 60}, S("b"));
  EXPECT_EQ(tl, (Timeline{{{0, 40}, S("a")}, {{40, 60}, S("b")}, {{60, 100}, S("a")}}));
  EXPECT_TRUE(IsCanonical(tl));
}

TEST(TimelineTest, EqualValuesCoalesce) {
  Timeline tl;
  ApplyAssert(&tl, {0, 10}, S("a"));
  ApplyAssert(&tl, {20, 30}, S("a"));
  ApplyAssert(&tl, {10, 20}, S("a"));  // bridges both neighbours
  EXPECT_EQ(tl, (Timeline{{{0, 30}, S("a")}}));
  ApplyAssert(&tl, {30, kPosInf}, S("b"));
  ApplyAssert(&tl, {kNegInf, 0}, S("b"));
  EXPECT_EQ(tl.size(), 3u);
  ApplyAssert(&tl, {kNegInf, kPosInf}, S("b"));
  EXPECT_EQ(tl, (Timeline{{{kNegInf, kPosInf}, S("b")}}));
}

TEST(TimelineTest, DifferentTypesDoNotCoalesce) {
  Timeline tl;
  ApplyAssert(&tl, {0, 10}, Value::Int64(4));
  ApplyAssert(&tl, {10, 20}, Value::Double(4.0));
  ApplyAssert(&tl, {20, 30}, Value::Double(-0.0));
  ApplyAssert(&tl, {30, 40}, Value::Double(0.0));
  EXPECT_EQ(tl.size(), 4u);
}

TEST(TimelineTest, RetractCutsHolesAndOfNothingIsNothing) {
  Timeline tl;
  ApplyRetract(&tl, {0, 10});
  EXPECT_TRUE(tl.empty());
  ApplyAssert(&tl, {kNegInf, kPosInf}, Value::None());
  ApplyRetract(&tl, {10, 20});
  EXPECT_EQ(tl, (Timeline{{{kNegInf, 10}, Value::None()}, {{20, kPosInf}, Value::None()}}));
  ApplyRetract(&tl, {kNegInf, kPosInf});
  EXPECT_TRUE(tl.empty());
}

TEST(TimelineTest, WorkedExampleOfSemanticsSection5) {
  Timeline tl;
  ApplyAssert(&tl, {2022, kPosInf}, S("severed"));
  ApplyAssert(&tl, {2024, kPosInf}, S("talks"));
  ApplyAssert(&tl, {2025, kPosInf}, S("restored"));
  EXPECT_EQ(tl, (Timeline{{{2022, 2024}, S("severed")}, {{2024, 2025}, S("talks")}, {{2025, kPosInf}, S("restored")}}));
}

}  // namespace
}  // namespace hindsight::internal
