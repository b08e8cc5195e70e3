// Time literals and canonical instants (SEMANTICS sections 1, 6, 7).
#include "gtest/gtest.h"
#include "hindsight/time.h"
#include "time/civil.h"

namespace hindsight {
namespace {

Instant Parse(std::string_view s) {
  absl::StatusOr<Instant> t = ParseInstant(s);
  EXPECT_TRUE(t.ok()) << s << ": " << t.status();
  return t.value_or(0);
}

constexpr Instant kSec = 1'000'000;
constexpr Instant kDay = 86'400 * kSec;

TEST(TimeTest, CoarseLiteralsMeanTheirFirstInstant) {
  EXPECT_EQ(Parse("1970"), 0);
  EXPECT_EQ(Parse("1970-01"), 0);
  EXPECT_EQ(Parse("1970-01-02"), kDay);
  EXPECT_EQ(Parse("2025"), Parse("2025-01-01T00:00:00Z"));
  EXPECT_EQ(Parse("2025-09"), Parse("2025-09-01T00:00Z"));
}

TEST(TimeTest, TimesOfDayFractionsAndOffsets) {
  EXPECT_EQ(Parse("1970-01-01T00:00"), 0);
  EXPECT_EQ(Parse("1970-01-01T01:02:03"), 3723 * kSec);
  EXPECT_EQ(Parse("1970-01-01T00:00:00.5Z"), 500'000);
  EXPECT_EQ(Parse("1970-01-01T00:00:00.000001Z"), 1);
  EXPECT_EQ(Parse("1970-01-01T01:00+01:00"), 0);
  EXPECT_EQ(Parse("1969-12-31T23:00-01:00"), 0);
  EXPECT_EQ(Parse("2000-01-01T01:00:00.5+01:00"), Parse("2000-01-01T00:00:00.5Z"));
  EXPECT_EQ(Parse("1970-01-01T00:00+23:59"), -(23 * 60 + 59) * 60 * kSec);
}

TEST(TimeTest, SentinelsAndRange) {
  EXPECT_EQ(Parse("-inf"), kNegInf);
  EXPECT_EQ(Parse("+inf"), kPosInf);
  EXPECT_EQ(Parse("0001-01-01"), internal::kMinLiteral);
  EXPECT_EQ(Parse("9999-12-31T23:59:59.999999Z"), internal::kEndLiteral - 1);
  EXPECT_EQ(Parse("0001-01-01T00:59+00:59"), internal::kMinLiteral);
}

TEST(TimeTest, RejectsEverythingElse) {
  for (const char* bad : {"", "inf", "-Inf", "+INF", "202", "20250", "2025-1", "2025-13", "2025-00", "2025-02-30",
                          "2023-02-29", "2025-04-31", "2025-01-00", "0000", "0000-12-31", "2025-01-01T",
                          "2025-01-01T24:00", "2025-01-01T23:60", "2025-01-01T00:00:60",
                          "2025-01-01T00:00:00.", "2025-01-01T00:00:00.1234567", "2025-01-01t00:00",
                          "2025-01-01T00:00z", "2025-01-01Z", "2025Z", "2025-01-01T00:00+24:00",
                          "2025-01-01T00:00+01:60", "2025-01-01T00:00+0100", "2025-01-01T00:00+01",
                          "2025-01-01 00:00", " 2025", "2025 ", "１９９９", "2025-01-01T00:00:00.5+01:00x",
                          "0001-01-01T00:00+00:01", "9999-12-31T23:59-00:01", "2025-01-01T00:00.5",
                          "+2025", "-2025", "2025/01/01"}) {
    EXPECT_FALSE(ParseInstant(bad).ok()) << "accepted '" << bad << "'";
  }
}

TEST(TimeTest, ErrorsNameTheLiteral) {
  absl::StatusOr<Instant> t = ParseInstant("2025-02-30");
  ASSERT_FALSE(t.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(t.status()));
  EXPECT_NE(t.status().message().find("'2025-02-30'"), std::string::npos) << t.status();
}

// A field of the wrong width is named as the field, not as text left over.
TEST(TimeTest, ErrorsNameTheFieldOfTheWrongWidth) {
  const std::pair<const char*, const char*> cases[] = {
      {"202", "year must be 0001..9999"},
      {"20250", "year must be 0001..9999"},
      {"99999-01-01", "year must be 0001..9999"},
      {"2025-1-01", "month must be 01..12"},
      {"2025-011", "month must be 01..12"},
      {"2025-01-1", "day must be 01..31"},
      {"2025-01-011", "day must be 01..31"},
      {"2025-02-30", "no such day in that month"},
      {"2025-01-01T123:00", "hour must be 00..23"},
      {"2025-01-01T12:00+01:000", "offset must be"},
      {"2025-01-01x", "unexpected text after the literal"},
      {"today", "expected YYYY"},
  };
  for (const auto& [literal, why] : cases) {
    const absl::StatusOr<Instant> t = ParseInstant(literal);
    ASSERT_FALSE(t.ok()) << literal;
    EXPECT_NE(t.status().message().find(why), std::string::npos) << literal << ": " << t.status();
  }
}

TEST(TimeTest, LeapYears) {
  EXPECT_TRUE(ParseInstant("2024-02-29").ok());
  EXPECT_TRUE(ParseInstant("2000-02-29").ok());
  EXPECT_FALSE(ParseInstant("1900-02-29").ok());
  EXPECT_FALSE(ParseInstant("2100-02-29").ok());
}

TEST(TimeTest, CanonicalForm) {
  EXPECT_EQ(FormatInstant(kNegInf), "-inf");
  EXPECT_EQ(FormatInstant(kPosInf), "+inf");
  EXPECT_EQ(FormatInstant(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatInstant(Parse("2022-06-30")), "2022-06-30T00:00:00Z");
  EXPECT_EQ(FormatInstant(Parse("2000-01-01T00:00:00.5Z")), "2000-01-01T00:00:00.500000Z");
  EXPECT_EQ(FormatInstant(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatInstant(internal::kMinLiteral), "0001-01-01T00:00:00Z");
}

TEST(TimeTest, ShortFormIsTheShortestLiteral) {
  EXPECT_EQ(FormatInstantShort(Parse("2025-09-25")), "2025-09-25");
  EXPECT_EQ(FormatInstantShort(Parse("2025-09-25T10:30Z")), "2025-09-25T10:30Z");
  EXPECT_EQ(FormatInstantShort(Parse("2025-09-25T10:30:05Z")), "2025-09-25T10:30:05Z");
  EXPECT_EQ(FormatInstantShort(Parse("2025-09-25T10:30:00.25Z")), "2025-09-25T10:30:00.25Z");
  EXPECT_EQ(FormatInstantShort(kPosInf), "+inf");
}

TEST(TimeTest, CanonicalTextRoundTrips) {
  // Every day boundary, and odd instants, across the whole literal range.
  for (Instant t = internal::kMinLiteral; t < internal::kEndLiteral; t += 997 * kDay + 12'345'678) {
    EXPECT_EQ(Parse(FormatInstant(t)), t);
    EXPECT_EQ(Parse(FormatInstantShort(t)), t);
  }
}

}  // namespace
}  // namespace hindsight
