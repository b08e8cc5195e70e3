// RocksDB's diagnostic log as the engine writes it (storage/info_log.h).
#include "storage/info_log.h"

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace hindsight::internal {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> LogFiles(const std::string& dir) {
  std::vector<std::string> files;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(InfoLogTest, StartingKeepsThePreviousLog) {
  testing::ScratchDir dir;
  {
    std::shared_ptr<rocksdb::Logger> log = StartInfoLog(dir.path());
    rocksdb::Log(rocksdb::InfoLogLevel::INFO_LEVEL, log, "first %d", 1);
  }
  std::shared_ptr<rocksdb::Logger> log = StartInfoLog(dir.path());
  rocksdb::Log(rocksdb::InfoLogLevel::INFO_LEVEL, log, "second");
  const std::vector<std::string> files = LogFiles(dir.path());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0], "LOG");
  EXPECT_TRUE(files[1].starts_with("LOG.old.")) << files[1];
  EXPECT_TRUE(absl::StrContains(testing::ReadFile(dir.Sub(files[1])), "first 1\n"));
  const std::string current = testing::ReadFile(dir.Sub("LOG"));
  EXPECT_TRUE(absl::StrContains(current, "second\n")) << current;
  EXPECT_FALSE(absl::StrContains(current, "first"));
}

// Lines of any length are written whole, one to a line, and a LOG past its
// size is kept and a new one started: no line is lost or split.
TEST(InfoLogTest, LongLinesAreWholeAndALargeLogRolls) {
  testing::ScratchDir dir;
  constexpr int kLines = 200;
  {
    std::shared_ptr<rocksdb::Logger> log = StartInfoLog(dir.path(), /*roll_bytes=*/16 << 10);
    for (int i = 0; i < kLines; ++i) {
      rocksdb::Log(rocksdb::InfoLogLevel::INFO_LEVEL, log, "line %d %s", i, std::string(i % 7 == 0 ? 3000 : 100, 'x').c_str());
    }
  }
  std::vector<std::string> lines;
  size_t logs = 0;
  for (const std::string& file : LogFiles(dir.path())) {
    const std::string text = testing::ReadFile(dir.Sub(file));
    EXPECT_LE(text.size(), (16u << 10) + 4000) << file;
    ++logs;
    for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) lines.emplace_back(line);
  }
  EXPECT_GE(logs, 4u);
  ASSERT_EQ(lines.size(), static_cast<size_t>(kLines));
  std::vector<bool> seen(kLines);
  for (const std::string& line : lines) {
    const size_t at = line.find(" line ");
    ASSERT_NE(at, std::string::npos) << line;
    const int i = std::stoi(line.substr(at + 6));
    EXPECT_TRUE(line.ends_with(std::string(i % 7 == 0 ? 3000 : 100, 'x'))) << i;
    seen[i] = true;
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), true), kLines);
}

TEST(InfoLogTest, TheDiscardingLogWritesNothing) {
  testing::ScratchDir dir;
  std::shared_ptr<rocksdb::Logger> log = DiscardingInfoLog();
  rocksdb::Log(rocksdb::InfoLogLevel::INFO_LEVEL, log, "nothing");
  EXPECT_TRUE(LogFiles(dir.path()).empty());
}

}  // namespace
}  // namespace hindsight::internal
