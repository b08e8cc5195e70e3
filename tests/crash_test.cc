// Kills `hindsight import` with SIGKILL at random moments and checks that the
// database then holds exactly the transactions 1..N that committed, each
// whole, and nothing of transaction N+1.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "format/ops_reader.h"
#include "format/query_file.h"
#include "gtest/gtest.h"
#include "hindsight/db.h"
#include "reference_model.h"
#include "test_util.h"

extern char** environ;

namespace hindsight::testing {
namespace {

// Starts the tool with `args`, output discarded; returns its pid.
pid_t Spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string tool = ToolPath();
  argv.push_back(tool.data());
  std::vector<std::string> copy = args;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, tool.c_str(), &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}


std::string Dump(const std::vector<HistoryRow>& rows) {
  std::string out;
  for (const HistoryRow& r : rows) internal::AppendHistoryRow(r, &out);
  return out;
}

// The operations the log keeps of each of the first `n` transactions: an
// erase drops every earlier operation on its key and is kept itself.
std::vector<size_t> KeptOperationCounts(const std::vector<internal::OpsBlock>& blocks, size_t n) {
  std::set<FactKey> erased_later;
  std::vector<size_t> counts(n);
  for (size_t i = n; i-- > 0;) {
    const std::vector<Operation>& ops = blocks[i].txn.operations();
    for (size_t j = ops.size(); j-- > 0;) {
      if (ops[j].kind == Operation::Kind::kErase) erased_later.insert(ops[j].key);
      if (ops[j].kind == Operation::Kind::kErase || !erased_later.contains(ops[j].key)) ++counts[i];
    }
  }
  return counts;
}

TEST(CrashTest, KilledImportsLoseNothingCommittedAndShowNothingPartial) {
  ScratchDir dir;
  const std::string wl = dir.Sub("wl");
  CommandResult gen =
      RunCommand(absl::StrCat(WorkloadGenPath(), " --keys 3000 --queries 0 --out ", wl));
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string ops = wl + "/ops.tsv";
  std::vector<internal::OpsBlock> blocks;
  {
    std::ifstream in(ops);
    internal::OpsReader reader(&in, ops);
    while (true) {
      auto b = reader.Next();
      ASSERT_TRUE(b.ok()) << b.status();
      if (!b->has_value()) break;
      blocks.push_back(std::move(**b));
    }
  }

  // How long a whole import takes here, to spread the kills over it.
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(RunCommand(absl::StrCat(ToolPath(), " import --commits --memory 128K ", dir.Sub("full"), " ", ops)).exit_code, 0);
  const int full_ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());

  std::mt19937 rng(11);
  int partial = 0;
  for (int run = 0; run < 12; ++run) {
    const std::string db = dir.Sub(absl::StrCat("db", run));
    // Small groups, so that a kill lands between them: bulk loads and
    // grouped commits, each with and without sync.
    std::vector<std::string> args = {"import", run % 4 < 2 ? "--bulk" : "--commits", "--memory",
                                     run % 4 < 2 ? "512K" : "128K", db, ops};
    if (run % 2 == 1) args.insert(args.begin() + 1, "--no-sync");
    const pid_t pid = Spawn(args);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(5, full_ms)(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);

    Options options;
    options.create_if_missing = false;
    auto opened = Database::Open(db, options);
    if (!opened.ok() && absl::IsNotFound(opened.status())) continue;  // killed before it created anything
    ASSERT_TRUE(opened.ok()) << opened.status();
    const Database& engine = **opened;
    std::vector<TransactionInfo> log;
    ASSERT_TRUE(engine.ListTransactions(1, [&](const TransactionInfo& i) {
                        log.push_back(i);
                        return true;
                      }).ok());
    const size_t n = log.size();
    ASSERT_LE(n, blocks.size());
    ASSERT_EQ(engine.LastTransaction().id, n);
    ReferenceModel model;
    const std::vector<size_t> kept = KeptOperationCounts(blocks, n);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(log[i].id, i + 1);
      ASSERT_EQ(log[i].time, *blocks[i].txn.time());
      ASSERT_EQ(log[i].source, blocks[i].txn.source());
      ASSERT_EQ(log[i].operation_count, kept[i]);
      model.Commit(blocks[i].txn, *blocks[i].txn.time());
    }
    ASSERT_EQ(Dump(engine.History({}).value()), Dump(model.History({}))) << "run " << run << " after " << n;
    if (n > 0 && n < blocks.size()) ++partial;
  }
  std::printf("%d of 12 kills landed inside the import\n", partial);
  EXPECT_GE(partial, 3) << "too few kills landed in the middle of an import to prove anything";
}

}  // namespace
}  // namespace hindsight::testing
