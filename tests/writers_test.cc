// The three writers, Commit one transaction at a time, CommitAll in groups
// and BulkLoad by ingested files, plan every transaction with the same
// commit planner: on random transaction sequences they must leave the same
// bytes in every column family, and answer as the reference model does.
#include <random>

#include <rocksdb/db.h>

#include "absl/strings/str_cat.h"
#include "format/query_file.h"
#include "gtest/gtest.h"
#include "hindsight/db.h"
#include "reference_model.h"
#include "storage/slice_merge.h"
#include "storage/timeline_merge.h"
#include "test_util.h"

namespace hindsight::testing {
namespace {

constexpr Instant kDay = 86'400'000'000;

// Every entry of every column family of the closed database at `path`,
// merges applied, as text.
std::string DumpAllFamilies(const std::string& path) {
  rocksdb::DBOptions options;
  std::vector<std::string> names;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(options, path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const std::string& n : names) {
    cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    if (n == "timelines") cfs.back().options.merge_operator = internal::NewTimelineMergeOperator();
    if (n == "slices") cfs.back().options.merge_operator = internal::NewSliceMergeOperator();
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  const rocksdb::Status s = rocksdb::DB::OpenForReadOnly(options, path, cfs, &handles, &db);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return "";
  std::string out;
  for (size_t i = 0; i < handles.size(); ++i) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[i]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::StrAppend(&out, names[i], " ", it->key().ToString(true), " = ", it->value().ToString(true), "\n");
    }
    EXPECT_TRUE(it->status().ok());
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
  return out;
}

// A few keys, so that transactions revisit them: long histories, erases
// (by key and by digest), names that come and go. `*as_keys` is the same
// transaction with every erase naming its key (the reference model's).
Transaction RandomTransaction(std::mt19937& rng, Instant time, Transaction* as_keys) {
  const auto uniform = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  static const char* const kSubjects[] = {"Syria", "Türkiye", "a", "b"};
  static const char* const kPredicates[] = {"p", "relations", "q"};
  static const char* const kObjects[] = {"Ukraine", "Syria", "x"};
  const auto key = [&]() -> FactKey {
    return {kSubjects[uniform(0, 3)], kPredicates[uniform(0, 2)], kObjects[uniform(0, uniform(0, 1) ? 0 : 2)]};
  };
  const auto point = [&]() -> Instant {
    const int r = uniform(0, 13);
    return r == 0 ? kNegInf : r == 1 ? kPosInf : (r - 6) * kDay;
  };
  Transaction txn;
  const int ops = uniform(1, 5);
  for (int o = 0; o < ops; ++o) {
    Instant a = point(), b = point();
    while (a == b) b = point();
    const Interval span{std::min(a, b), std::max(a, b)};
    const int kind = uniform(0, 29);
    if (kind < 18) {
      const FactKey k = key();
      const Value v = uniform(0, 1) ? Value::String(absl::StrCat("v", uniform(0, 3))) : Value::Int64(uniform(0, 2));
      txn.Assert(k, v, span);
      as_keys->Assert(k, v, span);
    } else if (kind < 27) {
      const FactKey k = key();
      txn.Retract(k, span);
      as_keys->Retract(k, span);
    } else {
      const FactKey k = key();
      if (kind < 29 || o > 0) {
        txn.Erase(k);
      } else {  // (a digest names a stored key, not one the transaction named before)
        txn.EraseByDigest(KeyDigest(k));
      }
      as_keys->Erase(k);
    }
  }
  txn.SetTime(time);
  txn.SetSource(absl::StrCat("s", uniform(0, 2)));
  as_keys->SetTime(time);
  as_keys->SetSource(txn.source());
  return txn;
}

std::string DumpQueries(const Database& db, size_t transactions) {
  std::string out;
  for (uint64_t id = 1; id <= transactions; ++id) {
    const std::vector<Row> rows = db.Query({{}, ValidTimeClause::All(), TxTimeClause::AsOfTx(id)}).value();
    for (const Row& r : rows) internal::AppendRow(r, &out);
  }
  const std::vector<HistoryRow> history = db.History({}).value();
  for (const HistoryRow& r : history) internal::AppendHistoryRow(r, &out);
  return out;
}

// The first line where `got` and `want` differ, with its number.
std::string FirstDifference(const std::string& got, const std::string& want) {
  size_t line = 1, a = 0, b = 0;
  while (a < got.size() || b < want.size()) {
    const size_t a_end = std::min(got.find('\n', a), got.size()), b_end = std::min(want.find('\n', b), want.size());
    const std::string x = got.substr(a, a_end - a), y = want.substr(b, b_end - b);
    if (x != y || (a < got.size()) != (b < want.size())) {
      return absl::StrCat("line ", line, ":\n  got  ", a < got.size() ? x : "(end)", "\n  want ",
                          b < want.size() ? y : "(end)");
    }
    a = a_end + 1;
    b = b_end + 1;
    ++line;
  }
  return "";
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
  // Groups and ingested files of a few transactions each.
  options.commit_group_bytes = std::uniform_int_distribution<size_t>(1, 20000)(rng);
  options.bulk_load_memory_bytes = std::uniform_int_distribution<size_t>(1, 20000)(rng);
  const std::string where = absl::StrCat("seed ", seed, ", ", n, " transactions");

  ReferenceModel model;
  std::string committed;
  {
    auto db = Database::Open(dir.Sub("each"), options);
    ASSERT_TRUE(db.ok()) << db.status();
    for (size_t t = 0; t < txns.size(); ++t) {
      const absl::StatusOr<TransactionInfo> info = (*db)->Commit(txns[t]);
      ASSERT_TRUE(info.ok()) << info.status() << " " << where;
      model.Commit(as_keys[t], info->time);
    }
    committed = DumpQueries(**db, txns.size());
  }
  std::string expected;
  for (uint64_t id = 1; id <= txns.size(); ++id) {
    Query q{{}, ValidTimeClause::All(), TxTimeClause::AsOfTx(id)};
    for (const Row& r : model.Query(q)) internal::AppendRow(r, &expected);
  }
  for (const HistoryRow& r : model.History({})) internal::AppendHistoryRow(r, &expected);
  ASSERT_EQ(FirstDifference(committed, expected), "") << where;

  for (const char* writer : {"grouped", "bulk"}) {
    auto db = Database::Open(dir.Sub(writer), options);
    ASSERT_TRUE(db.ok()) << db.status();
    size_t written = 0;
    // In two calls, the second into a database that is no longer empty.
    const size_t half = txns.size() / 2;
    const std::vector<Transaction> first(txns.begin(), txns.begin() + half), second(txns.begin() + half, txns.end());
    for (const std::vector<Transaction>* part : {&first, &second}) {
      const absl::Status s = std::string(writer) == "bulk" ? (*db)->BulkLoad(*part, &written)
                                                           : (*db)->CommitAll(*part, &written);
      ASSERT_TRUE(s.ok()) << s << " " << writer << " " << where;
      ASSERT_EQ(written, part->size());
    }
    ASSERT_EQ(FirstDifference(DumpQueries(**db, txns.size()), expected), "") << writer << " " << where;
  }
  const std::string each = DumpAllFamilies(dir.Sub("each"));
  EXPECT_EQ(FirstDifference(DumpAllFamilies(dir.Sub("grouped")), each), "") << where;
  EXPECT_EQ(FirstDifference(DumpAllFamilies(dir.Sub("bulk")), each), "") << where;
}

TEST(WritersTest, RandomSequencesLeaveTheSameBytes) {
  for (uint32_t seed = 1; seed <= 120; ++seed) {
    RunSequence(seed);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(WritersTest, GroupedCommitsStopAtTheFirstRejectedTransaction) {
  ScratchDir dir;
  Options options;
  options.sync = false;
  options.commit_group_bytes = 1;  // a group per transaction
  for (const char* writer : {"grouped", "bulk"}) {
    auto db = Database::Open(dir.Sub(writer), options);
    ASSERT_TRUE(db.ok());
    std::vector<Transaction> txns(3);
    txns[0].Assert({"s", "p", "o"}, Value::Int64(1), {0, kDay});
    txns[0].SetTime(10 * kDay);
    txns[1].Assert({"s", "p", "o2"}, Value::Int64(2), {0, kDay});
    txns[1].SetTime(11 * kDay);
    txns[2].Assert({"s", "p", "o"}, Value::Int64(3), {kDay, 0});
    txns[2].SetTime(12 * kDay);
    size_t written = 0;
    const absl::Status s = std::string(writer) == "bulk" ? (*db)->BulkLoad(txns, &written)
                                                         : (*db)->CommitAll(txns, &written);
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
    EXPECT_EQ(s.message(), "transaction 3: operation 1: from 1970-01-02T00:00:00Z is not before to 1970-01-01T00:00:00Z");
    EXPECT_EQ(written, 2u);
    EXPECT_EQ((*db)->LastTransaction().id, 2u);
    EXPECT_EQ((*db)->Query({{"s", std::nullopt, std::nullopt}, ValidTimeClause::All(), {}})->size(), 2u);
  }
}

}  // namespace
}  // namespace hindsight::testing
