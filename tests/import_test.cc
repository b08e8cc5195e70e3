// Importing an operations file (format/importer.h): an import stopped
// part way and run again goes on where it stopped, whatever was erased
// since; a database holding another history is refused untouched; an
// atomic import is all or nothing; an import stops at the first
// transaction rejected, whatever it has read ahead of it; a cancelled one
// keeps the blocks read before the cancel; the log written as an
// operations file imports into the same database.
#include <atomic>
#include <random>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "database_dump.h"
#include "format/importer.h"
#include "format/ops_writer.h"
#include "format/tsv.h"
#include "gtest/gtest.h"
#include "random_transaction.h"
#include "test_util.h"

namespace hindsight::testing {
namespace {

// `txn` as a block of the operations file.
std::string Block(const Transaction& txn, Instant time, const std::string& source) {
  std::string out;
  internal::AppendOpsBlock(time, source, txn, &out);
  return out;
}

// `n` random blocks, erases among them.
std::vector<std::string> RandomBlocks(std::mt19937& rng, int n) {
  std::vector<std::string> blocks;
  for (int i = 1; i <= n; ++i) {
    Transaction as_keys;
    RandomTransaction(rng, std::nullopt, &as_keys);
    blocks.push_back(Block(as_keys, i * kDay, absl::StrCat("source-", i)));
  }
  return blocks;
}

std::string Join(const std::vector<std::string>& blocks, size_t n) {
  std::string out;
  for (size_t i = 0; i < n && i < blocks.size(); ++i) out += blocks[i];
  return out;
}

absl::Status Import(Database* db, const std::string& text, internal::ImportCounts* counts,
                    internal::ImportOptions options = {}) {
  std::istringstream in(text);
  return internal::ImportOps(db, &in, "ops.tsv", counts, {}, options);
}

class ImportTest : public ::testing::Test {
 protected:
  std::unique_ptr<Database> Open(const std::string& name, Options options = {}) {
    auto db = Database::Open(dir_.Sub(name), options);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? std::move(*db) : nullptr;
  }
  ScratchDir dir_;
};

TEST_F(ImportTest, AnImportRunAgainGoesOnWhereItStopped) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 12; ++trial) {
    const std::vector<std::string> blocks = RandomBlocks(rng, 30);
    const std::string file = Join(blocks, blocks.size());
    std::unique_ptr<Database> whole = Open(absl::StrCat("whole", trial));
    internal::ImportCounts counts;
    ASSERT_TRUE(Import(whole.get(), file, &counts).ok());
    const size_t cut = std::uniform_int_distribution<size_t>(0, blocks.size())(rng);
    std::unique_ptr<Database> resumed = Open(absl::StrCat("resumed", trial));
    ASSERT_TRUE(cut == 0 || Import(resumed.get(), Join(blocks, cut), &counts).ok());
    const absl::Status again = Import(resumed.get(), file, &counts);
    ASSERT_TRUE(again.ok()) << "cut at " << cut << ": " << again;
    EXPECT_EQ(counts.skipped, cut);
    EXPECT_EQ(counts.transactions, blocks.size() - cut);
    EXPECT_EQ(FirstDifference(DumpQueries(*resumed, blocks.size()), DumpQueries(*whole, blocks.size())), "")
        << "cut at " << cut;
    // A third time: everything is there already.
    ASSERT_TRUE(Import(resumed.get(), file, &counts).ok());
    EXPECT_EQ(counts.skipped, blocks.size());
    EXPECT_EQ(counts.transactions, 0u);
  }
}

// What `hindsight log --ops` writes: the log, erasures by digest and all,
// imports into the same database, and into its own database skips every
// block.
TEST_F(ImportTest, TheLogAsAnOperationsFileImportsIntoTheSameDatabase) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 8; ++trial) {
    const std::vector<std::string> blocks = RandomBlocks(rng, 40);
    std::unique_ptr<Database> original = Open(absl::StrCat("original", trial));
    internal::ImportCounts counts;
    ASSERT_TRUE(Import(original.get(), Join(blocks, blocks.size()), &counts).ok());
    std::string log;
    size_t digest_erases = 0;
    ASSERT_TRUE(original
                    ->ScanLog(1,
                              [&](const TransactionInfo& info, const Transaction& txn) {
                                for (const Operation& op : txn.operations()) digest_erases += !op.key_digest.empty();
                                internal::AppendOpsBlock(info.time, info.source, txn, &log);
                                return true;
                              })
                    .ok());
    std::unique_ptr<Database> restored = Open(absl::StrCat("restored", trial));
    const absl::Status imported = Import(restored.get(), log, &counts);
    ASSERT_TRUE(imported.ok()) << imported;
    EXPECT_EQ(counts.transactions, blocks.size());
    EXPECT_EQ(FirstDifference(DumpQueries(*restored, blocks.size()), DumpQueries(*original, blocks.size())), "");
    std::string restored_log;
    ASSERT_TRUE(restored
                    ->ScanLog(1,
                              [&](const TransactionInfo& info, const Transaction& txn) {
                                internal::AppendOpsBlock(info.time, info.source, txn, &restored_log);
                                return true;
                              })
                    .ok());
    EXPECT_EQ(FirstDifference(restored_log, log), "");
    ASSERT_TRUE(Import(original.get(), log, &counts).ok());
    EXPECT_EQ(counts.skipped, blocks.size());
    EXPECT_EQ(counts.transactions, 0u);
    if (trial == 0) EXPECT_GT(digest_erases, 0u);  // the random blocks erase
  }
}

TEST_F(ImportTest, ADatabaseWithAnotherHistoryIsRefusedUntouched) {
  std::mt19937 rng(8);
  const std::vector<std::string> blocks = RandomBlocks(rng, 10);
  std::unique_ptr<Database> db = Open("db");
  internal::ImportCounts counts;
  ASSERT_TRUE(Import(db.get(), Join(blocks, 6), &counts).ok());
  const std::string before = DumpQueries(*db, 6);
  // Another source in block 4 (line: after the first three blocks).
  std::vector<std::string> other = blocks;
  other[3].replace(other[3].find("source-4"), 8, "source-X");
  size_t line = 1;
  for (int i = 0; i < 3; ++i) line += std::count(blocks[i].begin(), blocks[i].end(), '\n');
  absl::Status s = Import(db.get(), Join(other, other.size()), &counts);
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_TRUE(absl::StartsWith(s.message(), absl::StrCat("ops.tsv:", line, ": the database already has"))) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "its source is not that of transaction 4")) << s;
  // A block at a time the database has no transaction for.
  const std::string shifted = absl::StrCat("tx\t", FormatInstant(kDay / 2), "\tearly\n", Join(blocks, blocks.size()));
  s = Import(db.get(), shifted, &counts);
  EXPECT_TRUE(absl::StrContains(s.message(), "ops.tsv:1: the database already has transactions from this file's time "
                                             "on, but none at this block's time")) << s;
  EXPECT_EQ(db->LastTransaction().id, 6u);
  EXPECT_EQ(DumpQueries(*db, 6), before);
}

TEST_F(ImportTest, AnAtomicImportIsAllOrNothing) {
  std::mt19937 rng(9);
  const std::vector<std::string> blocks = RandomBlocks(rng, 20);
  Options one_batch;
  one_batch.commit_group_bytes = SIZE_MAX;
  internal::ImportOptions atomic;
  atomic.atomic = true;
  // Block 15 goes back in time: nothing of the file is written.
  std::vector<std::string> bad = blocks;
  bad[14].replace(0, bad[14].find('\t', 3), absl::StrCat("tx\t", FormatInstant(3 * kDay)));
  std::unique_ptr<Database> db = Open("db", one_batch);
  internal::ImportCounts counts;
  const absl::Status s = Import(db.get(), Join(bad, bad.size()), &counts, atomic);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  size_t line = 1;
  for (int i = 0; i < 14; ++i) line += std::count(blocks[i].begin(), blocks[i].end(), '\n');
  EXPECT_TRUE(absl::StartsWith(s.message(), absl::StrCat("ops.tsv:", line, ": "))) << s;
  EXPECT_EQ(counts.transactions, 0u);
  EXPECT_EQ(db->LastTransaction().id, 0u);
  // The good file goes in whole, the same as a plain import.
  ASSERT_TRUE(Import(db.get(), Join(blocks, blocks.size()), &counts, atomic).ok());
  EXPECT_EQ(counts.transactions, blocks.size());
  std::unique_ptr<Database> plain = Open("plain");
  ASSERT_TRUE(Import(plain.get(), Join(blocks, blocks.size()), &counts).ok());
  EXPECT_EQ(FirstDifference(DumpQueries(*db, blocks.size()), DumpQueries(*plain, blocks.size())), "");
}

TEST_F(ImportTest, TheFirstTransactionRejectedIsReportedWhateverFollowsIt) {
  std::mt19937 rng(11);
  const std::vector<std::string> blocks = RandomBlocks(rng, 20);
  // Block 8 goes back in time; the file is malformed from block 16 on,
  // which the import reads ahead of planning.
  std::vector<std::string> bad = blocks;
  bad[7].replace(0, bad[7].find('\t', 3), absl::StrCat("tx\t", FormatInstant(3 * kDay)));
  bad[15] = "not an operation\n";
  size_t line = 1;
  for (int i = 0; i < 7; ++i) line += std::count(blocks[i].begin(), blocks[i].end(), '\n');
  for (const internal::ImportMode mode : {internal::ImportMode::kBulk, internal::ImportMode::kCommits}) {
    std::unique_ptr<Database> db = Open(absl::StrCat("db", static_cast<int>(mode)));
    internal::ImportOptions options;
    options.mode = mode;
    internal::ImportCounts counts;
    const absl::Status s = Import(db.get(), Join(bad, bad.size()), &counts, options);
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
    EXPECT_TRUE(absl::StartsWith(s.message(), absl::StrCat("ops.tsv:", line, ": transaction time "))) << s;
    EXPECT_EQ(counts.transactions, 7u);
    EXPECT_EQ(db->LastTransaction().id, 7u);
  }
}

TEST_F(ImportTest, ACancelledImportKeepsTheBlocksReadBeforeAndGoesOnWhenRunAgain) {
  std::mt19937 rng(12);
  const std::vector<std::string> blocks = RandomBlocks(rng, 20);
  const std::string file = Join(blocks, blocks.size());
  std::unique_ptr<Database> whole = Open("whole");
  internal::ImportCounts counts;
  ASSERT_TRUE(Import(whole.get(), file, &counts).ok());
  for (const internal::ImportMode mode : {internal::ImportMode::kBulk, internal::ImportMode::kCommits}) {
    std::unique_ptr<Database> db = Open(absl::StrCat("db", static_cast<int>(mode)));
    std::atomic<bool> cancel{false};
    internal::ImportOptions options;
    options.mode = mode;
    options.cancel = &cancel;
    // The cancel comes as the sixth block is read.
    const auto progress = [&](const internal::ImportCounts& read) { cancel.store(read.transactions == 6); };
    std::istringstream in(file);
    const absl::Status s = internal::ImportOps(db.get(), &in, "ops.tsv", &counts, progress, options);
    EXPECT_TRUE(absl::IsCancelled(s)) << s;
    EXPECT_EQ(counts.transactions, 6u);
    EXPECT_EQ(db->LastTransaction().id, 6u);
    cancel.store(false);
    ASSERT_TRUE(Import(db.get(), file, &counts, options).ok());
    EXPECT_EQ(counts.skipped, 6u);
    EXPECT_EQ(FirstDifference(DumpQueries(*db, blocks.size()), DumpQueries(*whole, blocks.size())), "");
  }
}

}  // namespace
}  // namespace hindsight::testing
