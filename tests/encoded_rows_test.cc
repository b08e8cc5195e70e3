// An answer's encoded rows (server/encoded_rows.h) read back in any ranges
// as they were appended, before and after they spill to their file.
#include "server/encoded_rows.h"

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace hindsight::server {
namespace {

TEST(EncodedRowsTest, RangesReadBackAsAppendedWhereverTheRowsAre) {
  std::mt19937 rng(3);
  for (const size_t budget : {size_t{0}, size_t{1000}, size_t{1} << 30}) {
    EncodedRows rows;
    std::vector<std::string> want;
    for (int i = 0; i < 2000; ++i) {
      std::string row(std::uniform_int_distribution<size_t>(1, 60)(rng), '\0');
      for (char& c : row) c = static_cast<char>(rng());
      rows.buffer()->append(row);
      rows.EndRow();
      want.push_back(row);
      ASSERT_TRUE(rows.SpillPast(budget));
      EXPECT_LE(rows.buffered_bytes(), budget < 60 ? 60 : budget);
      if (i % 50 == 0) {  // reads between appends
        const size_t first = std::uniform_int_distribution<size_t>(0, want.size() - 1)(rng);
        std::string got;
        ASSERT_TRUE(rows.AppendTo(first, want.size(), &got).ok());
        std::string expected;
        for (size_t k = first; k < want.size(); ++k) expected += want[k];
        ASSERT_EQ(got, expected);
      }
    }
    ASSERT_EQ(rows.size(), want.size());
    for (int k = 0; k < 500; ++k) {
      size_t first = std::uniform_int_distribution<size_t>(0, want.size())(rng);
      size_t last = std::uniform_int_distribution<size_t>(0, want.size())(rng);
      if (first > last) std::swap(first, last);
      std::string got = "before:";
      ASSERT_TRUE(rows.AppendTo(first, last, &got).ok());
      std::string expected = "before:";
      uint64_t bytes = 0;
      for (size_t r = first; r < last; ++r) {
        expected += want[r];
        bytes += want[r].size();
      }
      ASSERT_EQ(got, expected) << "rows " << first << ".." << last << ", budget " << budget;
      if (first < last) EXPECT_EQ(rows.BytesOf(first, last), bytes);
    }
  }
}

TEST(EncodedRowsTest, MoveToHandsOverEveryRowAndEmpties) {
  EncodedRows rows;
  rows.buffer()->append("ab");
  rows.EndRow();
  rows.buffer()->append("c");
  rows.EndRow();
  std::string out = ">";
  rows.MoveTo(&out);
  EXPECT_EQ(out, ">abc");
  EXPECT_EQ(rows.size(), 0u);
  EXPECT_EQ(rows.buffered_bytes(), 0u);
}

}  // namespace
}  // namespace hindsight::server
