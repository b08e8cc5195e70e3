// statement_timeout: its values as PostgreSQL reads and prints them, and
// a session's deadline as the server's sweep sees it
// (server/statement_timeout.h).
#include "server/statement_timeout.h"

#include <atomic>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "server/sql_error.h"

namespace hindsight::server {
namespace {

TEST(StatementTimeoutTest, ValuesReadAndPrintAsPostgresDoes) {
  const struct {
    const char* text;
    int64_t millis;
    const char* shown;
  } kCases[] = {
      {"0", 0, "0"},           {"5000", 5000, "5s"},        {"'1500'", 1500, "1500ms"}, {" 250ms ", 250, "250ms"},
      {"5s", 5000, "5s"},      {"5 s", 5000, "5s"},         {"'2min'", 120000, "2min"}, {"1.5s", 1500, "1500ms"},
      {"3h", 10800000, "3h"},  {"1d", 86400000, "1d"},      {"90s", 90000, "90s"},      {"2500us", 3, "3ms"},
      {"60000", 60000, "1min"}, {"2147483647", 2147483647, "2147483647ms"},
  };
  for (const auto& c : kCases) {
    absl::StatusOr<absl::Duration> d = ParseTimeSetting(c.text, "statement_timeout");
    ASSERT_TRUE(d.ok()) << c.text << ": " << d.status();
    EXPECT_EQ(absl::ToInt64Milliseconds(*d), c.millis) << c.text;
    EXPECT_EQ(FormatTimeSetting(*d), c.shown) << c.text;
    EXPECT_EQ(ParseTimeSetting(FormatTimeSetting(*d), "statement_timeout").value(), *d) << c.text;
  }
  for (const char* bad : {"", "abc", "5 parsecs", "-1", "2147483648", "1e3", "'5s", "s"}) {
    absl::StatusOr<absl::Duration> d = ParseTimeSetting(bad, "statement_timeout");
    EXPECT_FALSE(d.ok()) << bad;
    EXPECT_EQ(SqlStateOf(d.status()), "22023") << bad;
    EXPECT_TRUE(absl::StrContains(d.status().message(), "parameter \"statement_timeout\"")) << d.status();
  }
}

TEST(StatementTimeoutTest, OnlyAnArmedStatementPastItsDeadlineIsCancelled) {
  std::atomic<bool> cancel{false};
  int armed = 0;
  StatementTimeout timeout(&cancel, [&armed] { ++armed; });
  EXPECT_FALSE(timeout.Expire(absl::InfiniteFuture()));  // nothing armed
  timeout.Arm(absl::ZeroDuration());                     // no timeout: the server need not look
  EXPECT_EQ(armed, 0);
  EXPECT_FALSE(timeout.Expire(absl::InfiniteFuture()));
  EXPECT_FALSE(cancel.load());

  timeout.Arm(absl::Seconds(30));
  EXPECT_EQ(armed, 1);
  EXPECT_TRUE(timeout.Expire(absl::Now()));  // not yet
  EXPECT_FALSE(cancel.load());
  EXPECT_FALSE(timeout.Expire(absl::Now() + absl::Minutes(1)));
  EXPECT_TRUE(cancel.load());
  EXPECT_TRUE(timeout.expired());

  cancel = false;
  timeout.Arm(absl::Seconds(30));
  EXPECT_FALSE(timeout.expired());
  timeout.Disarm();  // the statement ended in time
  EXPECT_FALSE(timeout.Expire(absl::InfiniteFuture()));
  EXPECT_FALSE(cancel.load());
  EXPECT_FALSE(timeout.expired());
}

}  // namespace
}  // namespace hindsight::server
