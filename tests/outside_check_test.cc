// Outside checks: the contract's own conformance sample (exact expected
// answers) and its own workload generator, from the folder the contract
// comes in (../shared). They run only when that folder is beside the
// repository and report themselves skipped otherwise; every other test needs
// nothing outside the repository.
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "test_util.h"
#include "workload_check.h"

namespace hindsight::testing {
namespace {

#define HS_REQUIRE_OUTSIDE_DIR()                                                                      \
  if (OutsideDir().empty()) {                                                                         \
    GTEST_SKIP() << "no ../shared beside the repository (or HINDSIGHT_SHARED): outside check skipped"; \
  }

TEST(OutsideCheck, ConformanceSampleAnswersExactly) {
  HS_REQUIRE_OUTSIDE_DIR();
  ScratchDir dir;
  const std::string conf = OutsideDir() + "/workload/conformance";
  // Into a new database the default is a bulk load; --commits plans each
  // transaction against the stored state as a live database does.
  for (const char* mode : {"", "--commits "}) {
    const std::string db = dir.Sub(mode[0] ? "commits" : "default");
    CommandResult imp = RunCommand(absl::StrCat(ToolPath(), " import ", mode, db, " ", conf, "/ops.tsv"));
    ASSERT_EQ(imp.exit_code, 0) << imp.err;
    for (const char* q : {"q_edge", "q_literals"}) {
      CommandResult replay = RunCommand(absl::StrCat(ToolPath(), " replay ", db, " ", conf, "/", q, ".tsv"));
      ASSERT_EQ(replay.exit_code, 0) << replay.err;
      EXPECT_EQ(replay.out, ReadFile(absl::StrCat(conf, "/", q, ".expected"))) << mode << q;
    }
  }
}

TEST(OutsideCheck, ConformanceSampleMatchesTheReferenceModel) {
  // The model's answers must equal the published ones (a check of the model).
  HS_REQUIRE_OUTSIDE_DIR();
  const std::string conf = OutsideDir() + "/workload/conformance";
  const ReferenceModel model = ModelFromOps(conf + "/ops.tsv");
  for (const char* q : {"q_edge", "q_literals"}) {
    std::ifstream in(absl::StrCat(conf, "/", q, ".tsv"));
    EXPECT_EQ(ModelAnswers(model, internal::ReadQueryFile(&in)), ReadFile(absl::StrCat(conf, "/", q, ".expected")))
        << q;
  }
}

TEST(OutsideCheck, ItsGeneratorsWorkloadMatchesTheReferenceModel) {
  HS_REQUIRE_OUTSIDE_DIR();
  ScratchDir dir;
  const std::string wl = dir.Sub("wl");
  // HINDSIGHT_WORKLOAD_ARGS (as for WorkloadTest) runs another workload.
  const char* args = std::getenv("HINDSIGHT_WORKLOAD_ARGS");
  CommandResult gen = RunCommand(absl::StrCat("python3 ", OutsideDir(), "/workload/gen.py ",
                                              args != nullptr ? args : "--keys 2000 --queries 300 --seed 7", " --out ", wl));
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  // Into a new database the default is a bulk load; --commits plans each
  // transaction against the stored state as a live database does.
  for (const char* mode : {"", "--commits "}) {
    const std::string db = dir.Sub(mode[0] ? "commits" : "default");
    CommandResult imp = RunCommand(absl::StrCat(ToolPath(), " import ", mode, db, " ", wl, "/ops.tsv"));
    ASSERT_EQ(imp.exit_code, 0) << imp.err;
    ExpectWorkloadAnswersMatchModel(db, wl, ModelFromOps(wl + "/ops.tsv"));
  }
}

}  // namespace
}  // namespace hindsight::testing
