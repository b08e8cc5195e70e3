// PostgreSQL's forms of a time read as time literals (time/postgres_time.h).
#include "time/postgres_time.h"

#include "gtest/gtest.h"
#include "hindsight/time.h"

namespace hindsight::internal {
namespace {

TEST(PostgresTimeTest, IsoFormsBecomeLiterals) {
  EXPECT_EQ(PostgresTimeAsLiteral("2025-01-02 10:30:00+02"), "2025-01-02T10:30:00+02:00");
  EXPECT_EQ(PostgresTimeAsLiteral("2025-01-02 10:30:00.5+0530"), "2025-01-02T10:30:00.5+05:30");
  EXPECT_EQ(PostgresTimeAsLiteral("2025-01-02 10:30:00-03:30"), "2025-01-02T10:30:00-03:30");
  EXPECT_EQ(PostgresTimeAsLiteral("2020-01-01 02:00:00+02:00:00"), "2020-01-01T02:00:00+02:00");  // Go's pgx
  EXPECT_EQ(PostgresTimeAsLiteral("2025-01-02 10:30:00.123456Z"), "2025-01-02T10:30:00.123456Z");
  EXPECT_EQ(PostgresTimeAsLiteral("2025-01-02 10:30"), "2025-01-02T10:30");
  EXPECT_EQ(PostgresTimeAsLiteral(" 2025-01-02T10:30:00 "), "2025-01-02T10:30:00");
  EXPECT_EQ(PostgresTimeAsLiteral("infinity"), "+inf");
  EXPECT_EQ(PostgresTimeAsLiteral("-Infinity"), "-inf");
  // What the server writes for a timestamptz reads back as the same instant.
  EXPECT_EQ(*ParseInstant(PostgresTimeAsLiteral("2025-09-28 00:00:00.12345+00")),
            *ParseInstant("2025-09-28T00:00:00.12345Z"));
}

TEST(PostgresTimeTest, OtherTextIsLeftForTheLiteralParser) {
  for (const char* text : {"2025-01-02", "2025", "2025-01-02T10:30:00+02:00", "+inf", "talks", "",
                           "2025-01-02 10:30:00 BC", "2025-01-02 10:30:00+2", "2025-01-02 10", "2025-1-02 10:30",
                           "2025-01-02 10:30:00+00:53:28"}) {
    EXPECT_EQ(PostgresTimeAsLiteral(text), text);
  }
  // Out-of-range parts pass through, for ParseInstant to name.
  EXPECT_FALSE(ParseInstant(PostgresTimeAsLiteral("2025-13-02 10:30:00+00")).ok());
}

TEST(PostgresTimeTest, TimeTypes) {
  EXPECT_TRUE(IsPostgresTimeType("timestamptz"));
  EXPECT_TRUE(IsPostgresTimeType("timestamp"));
  EXPECT_TRUE(IsPostgresTimeType("date"));
  EXPECT_FALSE(IsPostgresTimeType("text"));
  EXPECT_FALSE(IsPostgresTimeType(""));
}

}  // namespace
}  // namespace hindsight::internal
