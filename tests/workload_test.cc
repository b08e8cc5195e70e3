// End to end: generated workloads (bench/workload) and the real ICEWS14
// events (tests/data) through `hindsight import` and `hindsight replay`,
// every answer compared with the reference model.
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "format/ops_reader.h"
#include "format/replay.h"
#include "gtest/gtest.h"
#include "reference_model.h"
#include "test_util.h"
#include "workload_check.h"

namespace hindsight::testing {
namespace {

size_t queries_in(const std::string& qfile) {
  std::ifstream in(qfile);
  return internal::ReadQueryFile(&in).size();
}

TEST(WorkloadTest, GeneratedWorkloadMatchesTheReferenceModel) {
  ScratchDir dir;
  const std::string wl = dir.Sub("wl"), db = dir.Sub("db");
  // HINDSIGHT_WORKLOAD_ARGS runs a larger or different workload by hand, e.g.
  // "--keys 20000 --queries 2000 --seed 3".
  const char* args = std::getenv("HINDSIGHT_WORKLOAD_ARGS");
  CommandResult gen = RunCommand(
      absl::StrCat(WorkloadGenPath(), " ", args != nullptr ? args : "--keys 2000 --queries 300 --seed 7", " --out ", wl));
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  CommandResult imp = RunCommand(absl::StrCat(ToolPath(), " import ", db, " ", wl, "/ops.tsv"));
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  ExpectWorkloadAnswersMatchModel(db, wl, ModelFromOps(wl + "/ops.tsv"));
}

TEST(WorkloadTest, GeneratorIsDeterministicAndShapedAsDocumented) {
  ScratchDir dir;
  for (const char* out : {"a", "b"}) {
    ASSERT_EQ(RunCommand(absl::StrCat(WorkloadGenPath(), " --keys 3000 --queries 50 --seed 4 --out ", dir.Sub(out)))
                  .exit_code, 0);
  }
  const std::string ops = ReadFile(dir.Sub("a") + "/ops.tsv");
  EXPECT_EQ(ops, ReadFile(dir.Sub("b") + "/ops.tsv"));
  for (const std::string& cls : QueryClasses()) {
    EXPECT_EQ(ReadFile(absl::StrCat(dir.Sub("a"), "/", cls, ".tsv")), ReadFile(absl::StrCat(dir.Sub("b"), "/", cls, ".tsv")));
  }
  // Every kind of operation and the phases' sources are there.
  for (const char* needle : {"\nassert\t", "\nretract\t", "\nerase\t", "\tfact_check\n", "\terasure_request\n",
                             "\t+inf\n", "\t-inf\t", "Côte d'Ivoire", "\ttrue\t", "\t\"chargé d'affaires\"\t"}) {
    EXPECT_TRUE(absl::StrContains(ops, needle)) << needle;
  }
  CommandResult usage = RunCommand(absl::StrCat(WorkloadGenPath(), " --keys many --out ", dir.Sub("c")));
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(usage.err, "--keys takes a number, not 'many'")) << usage.err;
}

TEST(WorkloadTest, BulkImportEqualsTransactionalImport) {
  ScratchDir dir;
  const std::string wl = dir.Sub("wl");
  ASSERT_EQ(RunCommand(absl::StrCat(WorkloadGenPath(), " --keys 1500 --queries 200 --seed 9 --out ", wl)).exit_code, 0);
  // A few erasures and re-assertions on top, so the log rewriting is exercised.
  std::string extra = "tx\t2030-01-01\tcleanup\n";
  std::ifstream ops_in(wl + "/ops.tsv");
  std::string line;
  for (int n = 0; std::getline(ops_in, line) && n < 40;) {
    if (line.rfind("assert\t", 0) != 0 || ++n % 4 != 0) continue;
    const std::vector<std::string> f = absl::StrSplit(line, '\t');
    absl::StrAppend(&extra, "erase\t", f[1], "\t", f[2], "\t", f[3], "\n");
    if (n % 8 == 0) absl::StrAppend(&extra, "assert\t", f[1], "\t", f[2], "\t", f[3], "\t\t2000\t2001\n");
  }
  WriteFile(wl + "/ops.tsv", ReadFile(wl + "/ops.tsv") + extra);
  for (const char* mode : {"", "--bulk "}) {
    CommandResult r = RunCommand(absl::StrCat(ToolPath(), " import ", mode, dir.Sub(mode[0] ? "bulk" : "each"), " ", wl, "/ops.tsv"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  EXPECT_EQ(RunCommand(absl::StrCat(ToolPath(), " log ", dir.Sub("bulk"))).out,
            RunCommand(absl::StrCat(ToolPath(), " log ", dir.Sub("each"))).out);
  const std::string queries = dir.Sub("all.tsv");
  // Every key's history, and every index: slices, 'O' (object, pair) and 'P' (a predicate's keys).
  std::string predicate_queries;
  const std::vector<std::string> slice_lines = absl::StrSplit(ReadFile(wl + "/q_slice.tsv"), '\n', absl::SkipEmpty());
  for (const std::string& q : slice_lines) {
    const std::vector<std::string> f = absl::StrSplit(q, '\t');
    absl::StrAppend(&predicate_queries, "during\t*\t", f[2], "\t*\t1990\t2000\t\n");
  }
  WriteFile(queries, "history\t*\t*\t*\n" + ReadFile(wl + "/q_slice.tsv") + ReadFile(wl + "/q_bitemporal.tsv") +
                         ReadFile(wl + "/q_object.tsv") + ReadFile(wl + "/q_pair.tsv") + predicate_queries);
  const std::string bulk = RunCommand(absl::StrCat(ToolPath(), " replay ", dir.Sub("bulk"), " ", queries)).out;
  EXPECT_EQ(bulk, RunCommand(absl::StrCat(ToolPath(), " replay ", dir.Sub("each"), " ", queries)).out);
  EXPECT_GT(bulk.size(), 100000u);
}

TEST(WorkloadTest, BulkImportStopsAtABadLineKeepingWhatCameBefore) {
  ScratchDir dir;
  const std::string ops = dir.Sub("ops.tsv");
  WriteFile(ops,
            "tx\t2020\ta\nassert\tS\tP\tO\t1\t2000\t2001\n"
            "tx\t2021\tb\nassert\tS\tP\tO\t2\t2001\t2002\n"
            "tx\t2019\tlate\nassert\tS\tP\tO\t3\t2002\t2003\n"
            "tx\t2022\tc\nassert\tS\tP\tO\t4\t2003\t2004\n");
  CommandResult r = RunCommand(absl::StrCat(ToolPath(), " import --bulk ", dir.Sub("db"), " ", ops));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, ops + ":5: transaction time 2019-01-01T00:00:00Z is not after")) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "2 transactions before it were committed")) << r.err;
  EXPECT_EQ(RunCommand(absl::StrCat(ToolPath(), " log ", dir.Sub("db"))).out,
            "1\t2020-01-01T00:00:00Z\ta\t1\n2\t2021-01-01T00:00:00Z\tb\t1\n");
  // Loading the same file again skips what the database has and stops at
  // the same block.
  r = RunCommand(absl::StrCat(ToolPath(), " import --bulk ", dir.Sub("db"), " ", ops));
  EXPECT_TRUE(absl::StrContains(r.err, ops + ":5: transaction time 2019-01-01T00:00:00Z is not after")) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "the first 2 transactions of the file were already in the database")) << r.err;
}

TEST(WorkloadTest, IcewsEventsImportAndMatchTheReferenceModel) {
  ScratchDir dir;
  const std::string ops = dir.Sub("icews.tsv");
  const std::string data = SourceDir() + "/tests/data/icews14";
  CommandResult conv = RunCommand(absl::StrCat("python3 ", SourceDir(), "/tools/icews_to_ops.py ", data,
                                               "/icews_2014_valid.txt ", data, "/icews_2014_test.txt > ", ops));
  ASSERT_EQ(conv.exit_code, 0) << conv.err;
  CommandResult imp = RunCommand(absl::StrCat(ToolPath(), " import ", dir.Sub("db"), " ", ops));
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_TRUE(absl::StartsWith(imp.out, "imported 365 transactions, ")) << imp.out;

  // Real names: spaces, commas, parentheses, non-ASCII letters.
  const std::string queries = dir.Sub("q.tsv");
  WriteFile(queries,
            "at\tBusiness (Russia)\tImpose embargo, boycott, or sanctions\tIran\t2014-02-05\t\n"
            "at\t*\t*\t*\t2014-03-06\t\n"
            "at\t*\t*\t*\t2014-11-04\t2014-07-01\n"
            "during\tJohn Kerry\t*\t*\t2014-11\t2014-12\t\n"
            "during\t*\tMake a visit\t*\t2014-06\t2014-07\t2014-06-15\n"
            "at\t*\t*\tChina\t2014-09-22\t\n"
            "history\tJohn Kerry\t*\tChina\n"
            "history\t*\tMake statement\tAfghanistan\n");
  CommandResult replay = RunCommand(absl::StrCat(ToolPath(), " replay ", dir.Sub("db"), " ", queries));
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  std::ifstream in(queries);
  const std::string expected = ModelAnswers(ModelFromOps(ops), internal::ReadQueryFile(&in));
  EXPECT_EQ(replay.out, expected);
  EXPECT_GT(std::count(expected.begin(), expected.end(), '\n'), 150);
}

}  // namespace
}  // namespace hindsight::testing
