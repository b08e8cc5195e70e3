// The server's log (server/server_log.h): each line timed, clients refused
// logged up to a number a minute and the rest counted.
#include "server/server_log.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace hindsight::server {
namespace {

class ServerLogTest : public ::testing::Test {
 protected:
  void SetUp() override { out_ = open_memstream(&buffer_, &size_); }
  void TearDown() override {
    std::fclose(out_);
    std::free(buffer_);
  }
  std::vector<std::string> Lines() {
    std::fflush(out_);
    return absl::StrSplit(std::string(buffer_, size_), '\n', absl::SkipEmpty());
  }
  FILE* out_ = nullptr;
  char* buffer_ = nullptr;
  size_t size_ = 0;
  absl::Time now_ = absl::FromUnixSeconds(1796500000);  // 2026-12-05T19:46:40Z
};

TEST_F(ServerLogTest, LinesAreTimedAndRefusalsPastTheLimitAreCountedOncePerMinute) {
  ServerLog log(out_, [this] { return now_; });
  log.Line("SIGHUP: read 2 users again");
  for (int i = 0; i < ServerLog::kRefusalsPerMinute + 5; ++i) {
    log.Refusal(absl::StrCat("refused 127.0.0.1:", 4000 + i));
    now_ += absl::Seconds(1);
  }
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u + ServerLog::kRefusalsPerMinute);
  EXPECT_EQ(lines[0], "2026-12-05T19:46:40Z hindsight: SIGHUP: read 2 users again");
  EXPECT_EQ(lines[1], "2026-12-05T19:46:40Z hindsight: refused 127.0.0.1:4000");
  EXPECT_EQ(lines.back(), "2026-12-05T19:46:59Z hindsight: refused 127.0.0.1:4019");
  // Lines go on within the minute; the next minute starts with the count.
  log.Line("still serving");
  now_ += absl::Seconds(40);
  log.Refusal("refused 127.0.0.1:5000");
  lines = Lines();
  ASSERT_EQ(lines.size(), 4u + ServerLog::kRefusalsPerMinute);
  EXPECT_EQ(lines[lines.size() - 3], "2026-12-05T19:47:05Z hindsight: still serving");
  EXPECT_EQ(lines[lines.size() - 2],
            "2026-12-05T19:47:45Z hindsight: 5 more clients refused in the minute from 19:46:40Z, not logged one by one");
  EXPECT_EQ(lines.back(), "2026-12-05T19:47:45Z hindsight: refused 127.0.0.1:5000");
}

}  // namespace
}  // namespace hindsight::server
