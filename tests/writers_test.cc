// The three writers, Commit one transaction at a time, CommitAll in groups
// and BulkLoad by ingested files, plan every transaction with the same
// commit planner: on random transaction sequences they must leave the same
// bytes in every column family, and answer as the reference model does;
// so must the transactions as the log holds them (erasures by digest), as a
// cluster's nodes apply them, and the log must be what the model says.
#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"
#include "database_dump.h"
#include "format/query_file.h"
#include "gtest/gtest.h"
#include "hindsight/db.h"
#include "keys/key_codec.h"
#include "random_transaction.h"
#include "raw_rocks.h"
#include "reference_model.h"
#include "test_util.h"

namespace hindsight::testing {
namespace {

// Transaction `id` of `db` as its log record holds it, at its time.
Transaction LoggedTransaction(const Database& db, uint64_t id) {
  Transaction out;
  const absl::Status s = db.ScanLog(id, [&](const TransactionInfo& info, const Transaction& txn) {
    out = txn;
    out.SetTime(info.time);
    out.SetSource(info.source);
    return false;
  });
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

// The same database as format 7 left it (no mention index), opened by
// this build, which builds its mentions from the log: erasing every key in
// it and in the database as its commits left it, then, leaves the same
// bytes (the upgrade may write more mentions than the commits did, never
// fewer, and every erase deletes its key's).
void ExpectUpgradedMentionsFindWhatCommitsDo(ScratchDir& dir, const Options& options, Instant time,
                                             const std::string& where) {
  std::filesystem::copy(dir.Sub("each"), dir.Sub("upgraded"), std::filesystem::copy_options::recursive);
  {
    RawRocks raw(dir.Sub("upgraded"), /*read_only=*/false);
    raw.SetFormatVersion(7);
    const std::string tag(1, internal::kMentionTag);
    ASSERT_TRUE(
        raw.db()->DeleteRange(rocksdb::WriteOptions(), raw.Family("keys"), tag, internal::PrefixSuccessor(tag)).ok());
  }
  Transaction erase_all;
  for (const FactKey& key : RandomTransactionKeys()) erase_all.Erase(key);
  erase_all.SetTime(time);
  for (const std::string name : {"each", "upgraded"}) {
    auto db = Database::Open(dir.Sub(name), options);
    ASSERT_TRUE(db.ok()) << db.status() << " " << name << " " << where;
    const absl::StatusOr<TransactionInfo> info = (*db)->Commit(erase_all);
    ASSERT_TRUE(info.ok()) << info.status() << " " << name << " " << where;
  }
  EXPECT_EQ(FirstDifference(DumpAllFamilies(dir.Sub("upgraded")), DumpAllFamilies(dir.Sub("each"))), "") << where;
}

void RunSequence(uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Transaction> txns, as_keys;
  Instant time = kDay;
  const int n = std::uniform_int_distribution<int>(1, 60)(rng);
  for (int t = 0; t < n; ++t) {
    time += std::uniform_int_distribution<int>(1, 3)(rng) * kDay / 2;
    txns.push_back(RandomTransaction(rng, time, &as_keys.emplace_back()));
  }
  ScratchDir dir;
  Options options;
  options.sync = false;
  // Few closed rows in a record, so that they move to `history` often.
  options.closed_bytes_in_record = std::uniform_int_distribution<size_t>(64, 2048)(rng);
  // Live timelines of more than a few segments in chunks.
  options.live_chunk_segments = std::uniform_int_distribution<size_t>(1, 4)(rng);
  // Groups and ingested files of a few transactions each.
  options.commit_group_bytes = std::uniform_int_distribution<size_t>(1, 20000)(rng);
  options.commit_ingest_bytes = std::uniform_int_distribution<size_t>(1, 40000)(rng);  // some groups ingested
  options.bulk_load_memory_bytes = std::uniform_int_distribution<size_t>(1, 20000)(rng);
  const std::string where = absl::StrCat("seed ", seed, ", ", n, " transactions");

  ReferenceModel model;
  std::string committed;
  // Each transaction as its log record holds it right after its commit:
  // what a cluster's nodes apply (erasures by digest only).
  std::vector<Transaction> as_logged;
  {
    auto db = Database::Open(dir.Sub("each"), options);
    ASSERT_TRUE(db.ok()) << db.status();
    for (size_t t = 0; t < txns.size(); ++t) {
      const absl::StatusOr<TransactionInfo> info = (*db)->Commit(txns[t]);
      ASSERT_TRUE(info.ok()) << info.status() << " " << where;
      model.Commit(as_keys[t], info->time);
      as_logged.push_back(LoggedTransaction(**db, info->id));
    }
    committed = DumpQueries(**db, txns.size());
    ASSERT_EQ(FirstDifference(LogText(**db), ModelLogText(model)), "") << where;
  }
  std::string expected;
  for (uint64_t id = 1; id <= txns.size(); ++id) {
    Query q{{}, ValidTimeClause::All(), TxTimeClause::AsOfTx(id)};
    for (const Row& r : model.Query(q)) internal::AppendRow(r, &expected);
  }
  for (const HistoryRow& r : model.History({})) internal::AppendHistoryRow(r, &expected);
  ASSERT_EQ(FirstDifference(committed, expected), "") << where;

  {
    auto db = Database::Open(dir.Sub("as-logged"), options);
    ASSERT_TRUE(db.ok()) << db.status();
    for (const Transaction& txn : as_logged) {
      const absl::StatusOr<TransactionInfo> info = (*db)->Commit(txn);
      ASSERT_TRUE(info.ok()) << info.status() << " " << where;
    }
  }
  const std::vector<std::string> writers = {"grouped", "bulk", "grouped-ahead", "bulk-ahead", "as-logged"};
  for (const std::string& writer : writers) {
    if (writer == "as-logged") continue;  // committed above
    auto db = Database::Open(dir.Sub(writer), options);
    ASSERT_TRUE(db.ok()) << db.status();
    const bool bulk = writer.starts_with("bulk");
    const Database::SourceCalls calls =
        writer.ends_with("ahead") ? Database::SourceCalls::kAhead : Database::SourceCalls::kInTurn;
    size_t written = 0;
    // In two calls, the second into a database that is no longer empty.
    const size_t half = txns.size() / 2;
    for (const auto& [begin, end_of_call] : {std::pair{size_t{0}, half}, std::pair{half, txns.size()}}) {
      size_t i = begin;
      const size_t end = end_of_call;  // clang 14 lets no lambda capture a structured binding
      const Database::TransactionSource next = [&]() -> absl::StatusOr<const Transaction*> {
        return i < end ? &txns[i++] : nullptr;
      };
      const absl::Status s = bulk ? (*db)->BulkLoad(next, calls, &written) : (*db)->CommitAll(next, calls, &written);
      ASSERT_TRUE(s.ok()) << s << " " << writer << " " << where;
      ASSERT_EQ(written, end - begin);
    }
    ASSERT_EQ(FirstDifference(DumpQueries(**db, txns.size()), expected), "") << writer << " " << where;
  }
  EXPECT_EQ(Unsound(dir.Sub("each")), "") << where;
  const std::string each = DumpAllFamilies(dir.Sub("each"));
  for (const std::string& writer : writers) {
    EXPECT_EQ(FirstDifference(DumpAllFamilies(dir.Sub(writer)), each), "") << writer << " " << where;
  }
  ExpectUpgradedMentionsFindWhatCommitsDo(dir, options, time + kDay, where);
}

TEST(WritersTest, RandomSequencesLeaveTheSameBytes) {
  const uint32_t count = RandomSequences(80);
  for (uint32_t n = 1; n <= count; ++n) {
    RunSequence(RandomSeed(n));
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(WritersTest, GroupedCommitsStopAtTheFirstRejectedTransaction) {
  ScratchDir dir;
  Options options;
  options.sync = false;
  options.commit_group_bytes = 1;  // a group per transaction
  for (const std::string writer : {"grouped", "bulk", "grouped-ahead", "bulk-ahead"}) {
    auto db = Database::Open(dir.Sub(writer), options);
    ASSERT_TRUE(db.ok());
    std::vector<Transaction> txns(4);
    txns[0].Assert({"s", "p", "o"}, Value::Int64(1), {0, kDay});
    txns[0].SetTime(10 * kDay);
    txns[1].Assert({"s", "p", "o2"}, Value::Int64(2), {0, kDay});
    txns[1].SetTime(11 * kDay);
    txns[2].Assert({"s", "p", "o"}, Value::Int64(3), {kDay, 0});
    txns[2].SetTime(12 * kDay);
    txns[3].Assert({"s", "p", "o3"}, Value::Int64(4), {0, kDay});
    txns[3].SetTime(13 * kDay);
    // A source read ahead may be called past the rejected transaction,
    // up to its error: the load still stops at the rejected one.
    size_t i = 0;
    const Database::TransactionSource next = [&]() -> absl::StatusOr<const Transaction*> {
      if (i == txns.size()) return absl::DataLossError("past the end");
      return &txns[i++];
    };
    const Database::SourceCalls calls =
        writer.ends_with("ahead") ? Database::SourceCalls::kAhead : Database::SourceCalls::kInTurn;
    size_t written = 0;
    const absl::Status s =
        writer.starts_with("bulk") ? (*db)->BulkLoad(next, calls, &written) : (*db)->CommitAll(next, calls, &written);
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
    EXPECT_EQ(s.message(), "transaction 3: operation 1: from 1970-01-02T00:00:00Z is not before to 1970-01-01T00:00:00Z");
    EXPECT_EQ(written, 2u);
    EXPECT_EQ((*db)->LastTransaction().id, 2u);
    EXPECT_EQ((*db)->Query({{"s", std::nullopt, std::nullopt}, ValidTimeClause::All(), {}})->size(), 2u);
  }
}

}  // namespace
}  // namespace hindsight::testing
