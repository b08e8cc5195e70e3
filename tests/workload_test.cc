// End to end: a gen.py workload through `hindsight import` and
// `hindsight replay`, every answer compared with the reference model; and
// the public conformance sample against its expected answers.
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "format/ops_reader.h"
#include "format/replay.h"
#include "gtest/gtest.h"
#include "reference_model.h"
#include "test_util.h"

namespace hindsight::testing {
namespace {

// The expected-answer text of `queries` according to the model.
std::string ModelAnswers(const ReferenceModel& model, const std::vector<internal::ParsedQuery>& queries) {
  std::string out;
  for (size_t i = 0; i < queries.size(); ++i) {
    const auto& q = queries[i].query;
    if (!q.ok()) {
      absl::StrAppend(&out, "#\t", i + 1, "\terror\n");
      continue;
    }
    std::string rows;
    size_t n = 0;
    if (q->is_history) {
      for (const HistoryRow& r : model.History(q->query.pattern)) {
        internal::AppendHistoryRow(r, &rows);
        ++n;
      }
    } else {
      for (const Row& r : model.Query(q->query)) {
        internal::AppendRow(r, &rows);
        ++n;
      }
    }
    absl::StrAppend(&out, "#\t", i + 1, "\t", n, "\n", rows);
  }
  return out;
}

ReferenceModel ModelFromOps(const std::string& ops_path) {
  ReferenceModel model;
  std::ifstream in(ops_path);
  internal::OpsReader reader(&in, ops_path);
  while (true) {
    auto block = reader.Next();
    EXPECT_TRUE(block.ok()) << block.status();
    if (!block.ok() || !block->has_value()) break;
    model.Commit((*block)->txn, *(*block)->txn.time());
  }
  return model;
}

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
  CommandResult gen = RunCommand(absl::StrCat("python3 ", SharedDir(), "/workload/gen.py ",
                                              args != nullptr ? args : "--keys 2000 --queries 300 --seed 7",
                                              " --out ", wl));
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  CommandResult imp = RunCommand(absl::StrCat(ToolPath(), " import ", db, " ", wl, "/ops.tsv"));
  ASSERT_EQ(imp.exit_code, 0) << imp.err;

  const ReferenceModel model = ModelFromOps(wl + "/ops.tsv");
  for (const char* cls : {"q_point", "q_bitemporal", "q_subject", "q_object", "q_pair", "q_interval", "q_slice",
                          "q_history"}) {
    const std::string qfile = absl::StrCat(wl, "/", cls, ".tsv");
    CommandResult replay = RunCommand(absl::StrCat(ToolPath(), " replay ", db, " ", qfile));
    ASSERT_EQ(replay.exit_code, 0) << replay.err;
    std::ifstream in(qfile);
    const std::string expected = ModelAnswers(model, internal::ReadQueryFile(&in));
    ASSERT_EQ(replay.out, expected) << cls;
    const size_t lines = std::count(expected.begin(), expected.end(), '\n');
    EXPECT_GT(lines, queries_in(qfile) * 3 / 2) << cls << ": too few rows for a useful comparison";
  }
}

TEST(WorkloadTest, ConformanceSampleAnswersExactly) {
  ScratchDir dir;
  const std::string conf = SharedDir() + "/workload/conformance";
  CommandResult imp = RunCommand(absl::StrCat(ToolPath(), " import ", dir.Sub("db"), " ", conf, "/ops.tsv"));
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  for (const char* q : {"q_edge", "q_literals"}) {
    CommandResult replay = RunCommand(absl::StrCat(ToolPath(), " replay ", dir.Sub("db"), " ", conf, "/", q, ".tsv"));
    ASSERT_EQ(replay.exit_code, 0) << replay.err;
    EXPECT_EQ(replay.out, ReadFile(absl::StrCat(conf, "/", q, ".expected"))) << q;
  }
}

TEST(WorkloadTest, ConformanceSampleMatchesTheReferenceModel) {
  // The model reads the same sample; its answers must equal the published ones
  // (a check of the model itself).
  const std::string conf = SharedDir() + "/workload/conformance";
  const ReferenceModel model = ModelFromOps(conf + "/ops.tsv");
  std::ifstream in(conf + "/q_edge.tsv");
  EXPECT_EQ(ModelAnswers(model, internal::ReadQueryFile(&in)), ReadFile(conf + "/q_edge.expected"));
}

TEST(WorkloadTest, IcewsEventsImportAndMatchTheReferenceModel) {
  ScratchDir dir;
  const std::string ops = dir.Sub("icews.tsv");
  const std::string data = SharedDir() + "/data/icews14";
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
