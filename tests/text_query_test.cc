// Runs the text-format query tests in tests/queries/*.test through the
// query language (parser + Session), one test per file.
//
// Directives, each block separated by a blank line:
//   statement ok            the statement on the next lines must succeed
//   statement error         ... must fail; after "----", the exact message
//   query                   ... its rows, canonical TSV, follow "----"
//   restart                 reopen the database (and start a new session)
//   import demo             load demo/news.tsv
// Lines starting with '#' are comments. Commits take their time from a
// clock fixed at 2030-01-01 (so they are 2030-01-01, +1µs, +2µs, ...)
// unless the statement says `begin at`.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "format/importer.h"
#include "gtest/gtest.h"
#include "query/session.h"
#include "query/statement.h"
#include "test_util.h"
#include "../tools/shell/render.h"

namespace hindsight::testing {
namespace {

std::vector<std::string> TestFiles() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(SourceDir() + "/tests/queries")) {
    if (e.path().extension() == ".test") files.push_back(e.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class TextQueryTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TextQueryTest, File) {
  const std::string path = SourceDir() + "/tests/queries/" + GetParam();
  std::vector<std::string> lines = absl::StrSplit(ReadFile(path), '\n');
  ScratchDir dir;
  ManualClock clock(*ParseInstant("2030-01-01"));
  Options options;
  options.sync = false;
  options.clock = &clock;
  std::unique_ptr<Database> db;
  std::unique_ptr<internal::Session> session;
  const auto open = [&] {
    session.reset();
    db.reset();
    db = std::move(Database::Open(dir.path(), options).value());
    session = std::make_unique<internal::Session>(db.get(), &clock);
  };
  open();
  int checks = 0;
  for (size_t i = 0; i < lines.size();) {
    const std::string directive(absl::StripAsciiWhitespace(lines[i]));
    const size_t at_line = ++i;
    if (directive.empty() || directive[0] == '#') continue;
    if (directive == "restart") {
      open();
      continue;
    }
    if (directive == "import demo") {
      std::ifstream in(SourceDir() + "/demo/news.tsv");
      internal::ImportCounts counts;
      ASSERT_TRUE(internal::ImportOps(db.get(), &in, "news.tsv", &counts).ok());
      continue;
    }
    ASSERT_TRUE(directive == "statement ok" || directive == "statement error" || directive == "query")
        << path << ":" << at_line << ": unknown directive '" << directive << "'";
    std::string statement, expected;
    bool in_expected = false;
    for (; i < lines.size() && !lines[i].empty(); ++i) {
      if (lines[i] == "----") {
        in_expected = true;
      } else if (in_expected) {
        absl::StrAppend(&expected, lines[i], "\n");
      } else {
        absl::StrAppend(&statement, statement.empty() ? "" : "\n", lines[i]);
      }
    }
    const std::string where = absl::StrCat(path, ":", at_line, ": ", statement);
    absl::StatusOr<internal::Statement> st = internal::ParseStatement(statement);
    absl::StatusOr<internal::Result> result = st.ok() ? session->Execute(*st) : absl::StatusOr<internal::Result>(st.status());
    ++checks;
    if (directive == "statement error") {
      ASSERT_FALSE(result.ok()) << where << "\nsucceeded";
      EXPECT_EQ(absl::StrCat(result.status().message(), "\n"), expected) << where;
    } else {
      ASSERT_TRUE(result.ok()) << where << "\n" << result.status();
      if (directive == "query") {
        tools::RenderOptions tsv;
        tsv.format = tools::Format::kTsv;
        EXPECT_EQ(tools::Render(*result, tsv), expected) << where;
      }
    }
  }
  EXPECT_GT(checks, 0) << path << " checks nothing";
}

INSTANTIATE_TEST_SUITE_P(Queries, TextQueryTest, ::testing::ValuesIn(TestFiles()),
                         [](const auto& info) {
                           std::string name = info.param.substr(0, info.param.size() - 5);
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace hindsight::testing
