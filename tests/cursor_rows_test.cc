// A cursor's rows (server/cursor_rows.h) read back as they were appended,
// in memory and spilled to their temporary file, in order, backwards and
// at random.
#include "server/cursor_rows.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace hindsight::server {
namespace {

using internal::Cell;

bool SameCell(const Cell& a, const Cell& b) {
  return a.kind == b.kind && a.text == b.text && a.value == b.value && a.instant == b.instant;
}

std::string RandomText(std::mt19937& rng) {
  std::string s(std::uniform_int_distribution<int>(0, 40)(rng), '\0');
  for (char& c : s) c = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
  return s;
}

Cell RandomCell(std::mt19937& rng) {
  switch (std::uniform_int_distribution<int>(0, 7)(rng)) {
    case 0:
      return Cell::Name(RandomText(rng));
    case 1:
      return Cell::Text(RandomText(rng));
    case 2:
      return Cell::Time(static_cast<Instant>(rng()) << 20 ^ static_cast<Instant>(rng()));
    case 3:
      return Cell::Val(Value::None());
    case 4:
      return Cell::Val(Value::String(RandomText(rng)));
    case 5:
      return Cell::Val(Value::Int64(static_cast<int64_t>(rng()) - (int64_t{1} << 31)));
    case 6:
      return Cell::Val(Value::Double(std::uniform_real_distribution<double>(-1e9, 1e9)(rng)));
    default:
      return Cell::Val(Value::Bool(rng() % 2 == 0));
  }
}

std::vector<std::vector<Cell>> RandomRows(std::mt19937& rng, size_t n) {
  std::vector<std::vector<Cell>> rows(n);
  for (std::vector<Cell>& row : rows) {
    row.resize(std::uniform_int_distribution<size_t>(0, 8)(rng));
    for (Cell& c : row) c = RandomCell(rng);
  }
  return rows;
}

void ExpectRow(CursorRows& rows, size_t i, const std::vector<Cell>& want) {
  absl::StatusOr<std::vector<Cell>> got = rows.Get(i);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), want.size()) << "row " << i;
  for (size_t c = 0; c < want.size(); ++c) EXPECT_TRUE(SameCell((*got)[c], want[c])) << "row " << i << " cell " << c;
}

TEST(CursorRowsTest, ReadsBackWhatWasAppendedInMemoryAndSpilled) {
  std::mt19937 rng(5);
  for (const size_t budget : {size_t{0}, size_t{4096}, CursorRows::kDefaultMemoryBytes}) {
    const std::vector<std::vector<Cell>> want = RandomRows(rng, 1000);
    CursorRows rows(budget);
    for (const std::vector<Cell>& row : want) ASSERT_TRUE(rows.Append(row).ok());
    EXPECT_EQ(rows.size(), want.size());
    EXPECT_EQ(rows.spilled(), budget < CursorRows::kDefaultMemoryBytes);
    for (size_t i = 0; i < want.size(); ++i) ExpectRow(rows, i, want[i]);
    for (size_t i = want.size(); i-- > 0;) ExpectRow(rows, i, want[i]);
    for (int k = 0; k < 2000; ++k) {
      const size_t i = std::uniform_int_distribution<size_t>(0, want.size() - 1)(rng);
      ExpectRow(rows, i, want[i]);
    }
  }
}

TEST(CursorRowsTest, RowsAppendedAfterReadsAreKept) {
  std::mt19937 rng(6);
  const std::vector<std::vector<Cell>> want = RandomRows(rng, 300);
  CursorRows rows(1024);
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_TRUE(rows.Append(want[i]).ok());
    const size_t j = std::uniform_int_distribution<size_t>(0, i)(rng);
    ExpectRow(rows, j, want[j]);
  }
  for (size_t i = 0; i < want.size(); ++i) ExpectRow(rows, i, want[i]);
}

}  // namespace
}  // namespace hindsight::server
