#include "workload_check.h"

#include <algorithm>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "format/ops_reader.h"
#include "format/replay.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace hindsight::testing {

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

const std::vector<std::string>& QueryClasses() {
  static const std::vector<std::string> kClasses = {"q_point", "q_bitemporal", "q_subject", "q_object",
                                                    "q_pair",  "q_interval",   "q_slice",   "q_history"};
  return kClasses;
}

void ExpectWorkloadAnswersMatchModel(const std::string& db, const std::string& workload_dir,
                                     const ReferenceModel& model) {
  for (const std::string& cls : QueryClasses()) {
    const std::string qfile = absl::StrCat(workload_dir, "/", cls, ".tsv");
    CommandResult replay = RunCommand(absl::StrCat(ToolPath(), " replay ", db, " ", qfile));
    ASSERT_EQ(replay.exit_code, 0) << replay.err;
    std::ifstream in(qfile);
    const std::vector<internal::ParsedQuery> queries = internal::ReadQueryFile(&in);
    const std::string expected = ModelAnswers(model, queries);
    ASSERT_EQ(replay.out, expected) << cls;
    const size_t lines = std::count(expected.begin(), expected.end(), '\n');
    EXPECT_GT(lines, queries.size() * 3 / 2) << cls << ": too few rows for a useful comparison";
  }
}

}  // namespace hindsight::testing
