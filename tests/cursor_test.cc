// How FETCH and MOVE walk a cursor (server/cursor.h): against PostgreSQL's
// cursor moving one row at a time, on random sequences of steps.
#include "server/cursor.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace hindsight::server {
namespace {

using Kind = CursorStep::Kind;

// A cursor of `rows` rows as PostgreSQL describes it: FORWARD moves to the
// next row and returns it, until it is past the last; BACKWARD the same the
// other way; ABSOLUTE and RELATIVE go to a row and return it if it exists.
struct ModelCursor {
  int64_t rows;
  int64_t position = 0;
  std::vector<int64_t> returned;  // 1-based rows

  void Step(CursorStep step) {
    returned.clear();
    int64_t count = step.count == CursorStep::kAll ? rows + 2 : step.count;
    switch (step.kind) {
      case Kind::kAbsolute:
        return To(count >= 0 ? count : rows + 1 + count);
      case Kind::kRelative:
        return To(position + count);
      case Kind::kBackward:
        count = -count;
        [[fallthrough]];
      case Kind::kForward:
        if (count == 0) return To(position);
        for (int64_t i = 0; i < std::abs(count); ++i) {
          if (count > 0 ? position > rows : position < 1) break;
          position += count > 0 ? 1 : -1;
          if (position < 1 || position > rows) break;
          returned.push_back(position);
        }
    }
  }
  void To(int64_t row) {
    position = std::clamp<int64_t>(row, 0, rows + 1);
    if (position >= 1 && position <= rows) returned.push_back(position);
  }
};

std::vector<int64_t> Returned(const CursorWalk& w) {
  std::vector<int64_t> rows;
  for (size_t k = 0; k < w.count; ++k) rows.push_back(static_cast<int64_t>(w.backward ? w.first - k : w.first + k) + 1);
  return rows;
}

TEST(CursorTest, WalksAsPostgresDocumentsIt) {
  // Five rows: FETCH 2, PRIOR, BACKWARD ALL, LAST, RELATIVE 0, ABSOLUTE -2, ALL.
  CursorWalk w = Walk(5, 0, {Kind::kForward, 2});
  EXPECT_EQ(Returned(w), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(w.position, 2u);
  w = Walk(5, 2, {Kind::kBackward, 1});
  EXPECT_EQ(Returned(w), (std::vector<int64_t>{1}));
  EXPECT_TRUE(w.goes_back);
  w = Walk(5, 1, {Kind::kBackward, CursorStep::kAll});
  EXPECT_TRUE(Returned(w).empty());
  EXPECT_EQ(w.position, 0u);
  w = Walk(5, 0, {Kind::kAbsolute, -1});
  EXPECT_EQ(Returned(w), (std::vector<int64_t>{5}));
  w = Walk(5, 5, {Kind::kRelative, 0});
  EXPECT_EQ(Returned(w), (std::vector<int64_t>{5}));
  EXPECT_FALSE(w.goes_back);
  w = Walk(5, 5, {Kind::kAbsolute, -2});
  EXPECT_EQ(Returned(w), (std::vector<int64_t>{4}));
  w = Walk(5, 4, {Kind::kForward, CursorStep::kAll});
  EXPECT_EQ(Returned(w), (std::vector<int64_t>{5}));
  EXPECT_EQ(w.position, 6u);  // after the last
  // From after the last, going back returns the last row first.
  w = Walk(5, 6, {Kind::kBackward, 2});
  EXPECT_EQ(Returned(w), (std::vector<int64_t>{5, 4}));
  EXPECT_EQ(w.position, 4u);
  // An empty cursor.
  w = Walk(0, 0, {Kind::kForward, 1});
  EXPECT_TRUE(Returned(w).empty());
  EXPECT_EQ(w.position, 1u);
  // Counts at the ends of int64.
  w = Walk(3, 1, {Kind::kRelative, std::numeric_limits<int64_t>::min()});
  EXPECT_EQ(w.position, 0u);
  w = Walk(3, 1, {Kind::kAbsolute, std::numeric_limits<int64_t>::max() - 1});
  EXPECT_EQ(w.position, 4u);
}

TEST(CursorTest, RandomStepsWalkAsTheModel) {
  std::mt19937_64 rng(20261204);
  for (int round = 0; round < 2000; ++round) {
    const int64_t rows = static_cast<int64_t>(rng() % 8);
    ModelCursor model{rows};
    size_t position = 0;
    for (int i = 0; i < 20; ++i) {
      CursorStep step;
      step.kind = static_cast<Kind>(rng() % 4);
      step.count = rng() % 10 == 0 ? CursorStep::kAll : static_cast<int64_t>(rng() % 21) - 10;
      if (step.count == CursorStep::kAll && (step.kind == Kind::kAbsolute || step.kind == Kind::kRelative)) continue;
      SCOPED_TRACE(testing::Message() << "rows " << rows << " at " << position << " kind "
                                      << static_cast<int>(step.kind) << " count " << step.count);
      const int64_t before = model.position;
      model.Step(step);
      const CursorWalk w = Walk(static_cast<size_t>(rows), position, step);
      ASSERT_EQ(Returned(w), model.returned);
      ASSERT_EQ(static_cast<int64_t>(w.position), model.position);
      const bool back = model.position < before || (!model.returned.empty() && model.returned.front() < before);
      ASSERT_EQ(w.goes_back, back);
      position = w.position;
    }
  }
}

}  // namespace
}  // namespace hindsight::server
