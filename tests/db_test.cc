// The public API against hand-written cases: the SEMANTICS worked example,
// erase, transaction times, every rejected-transaction error, reopening,
// and the failure modes of Open.
#include <malloc.h>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "hindsight/db.h"
#include "format/query_file.h"
#include "keys/key_codec.h"
#include "records.capnp.h"
#include "storage/column_families.h"
#include "storage/records.h"
#include "storage/slice_index.h"
#include "database_dump.h"
#include "raw_rocks.h"
#include "random_transaction.h"
#include "reference_model.h"
#include "test_util.h"

namespace hindsight::testing {
namespace {

Instant T(std::string_view literal) { return *ParseInstant(literal); }

const FactKey kSyriaUkraine{"Syria", "diplomatic_relations", "Ukraine"};

class DbTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    db_.reset();
    Options options;
    options.clock = &clock_;
    options.sync = false;
    options.upgrade_notes = [this](std::string_view note) { upgrade_notes_.emplace_back(note); };
    auto db = Database::Open(dir_.path(), options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }
  TransactionInfo MustCommit(const Transaction& txn) {
    absl::StatusOr<TransactionInfo> info = db_->Commit(txn);
    EXPECT_TRUE(info.ok()) << info.status();
    return info.value_or(TransactionInfo{});
  }
  // The worked example of SEMANTICS section 5.
  void LoadWorkedExample() {
    const struct {
      const char* tx;
      const char* source;
      const char* value;
      const char* from;
    } kSteps[] = {{"2022-07-01", "news", "severed", "2022-06-30"},
                  {"2024-12-31", "kyivpost", "talks", "2024-12-30"},
                  {"2025-09-26", "caliber.az", "restored", "2025-09-25"}};
    for (const auto& s : kSteps) {
      Transaction txn;
      txn.SetTime(T(s.tx));
      txn.SetSource(s.source);
      txn.Assert(kSyriaUkraine, Value::String(s.value), {T(s.from), kPosInf});
      MustCommit(txn);
    }
  }
  std::vector<Row> Q(Pattern p, ValidTimeClause v, TxTimeClause t = TxTimeClause::Latest()) {
    absl::StatusOr<std::vector<Row>> rows = db_->Query({std::move(p), v, t});
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.value_or(std::vector<Row>{});
  }

  ScratchDir dir_;
  ManualClock clock_{T("2030-01-01")};
  std::unique_ptr<Database> db_;
  std::vector<std::string> upgrade_notes_;  // what the opens told of upgrades
};

Pattern Exact(const FactKey& k) { return {k.subject, k.predicate, k.object}; }

TEST_F(DbTest, WorkedExampleOfSemanticsSection5) {
  LoadWorkedExample();
  EXPECT_EQ(Q(Exact(kSyriaUkraine), ValidTimeClause::At(T("2023-01-01"))),
            (std::vector<Row>{{kSyriaUkraine, Value::String("severed"), {T("2022-06-30"), T("2024-12-30")}}}));
  EXPECT_EQ(Q(Exact(kSyriaUkraine), ValidTimeClause::At(T("2025-10-01")), TxTimeClause::AsOf(T("2025-01-01"))),
            (std::vector<Row>{{kSyriaUkraine, Value::String("talks"), {T("2024-12-30"), kPosInf}}}));
  Transaction more;
  more.SetTime(T("2025-10-16"));
  more.Assert({"Syria", "diplomatic_relations", "Russia"}, Value::String("normal"), {kNegInf, kPosInf});
  more.Assert({"Syria", "president", "Ahmed al-Sharaa"}, Value::None(), {T("2025-01-29"), kPosInf});
  more.Assert({"Syria", "president", "Bashar al-Assad"}, Value::None(), {T("2000-07-17"), T("2024-12-08")});
  MustCommit(more);
  const std::vector<Row> rows = Q({"Syria", std::nullopt, std::nullopt}, ValidTimeClause::At(T("2025-10-01")));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].key.object, "Russia");
  EXPECT_EQ(rows[1].key.object, "Ukraine");
  EXPECT_EQ(rows[1].value, Value::String("restored"));
  EXPECT_EQ(rows[2].key.object, "Ahmed al-Sharaa");
}

TEST_F(DbTest, ASecondProcessReadsBesideTheWriterAndCatchesUp) {
  LoadWorkedExample();
  Options options;
  options.read_only_if_in_use = true;
  auto reader = Database::Open(dir_.path(), options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  ASSERT_TRUE((*reader)->read_only());
  EXPECT_FALSE(db_->read_only());
  EXPECT_EQ((*reader)->LastTransaction().id, 3u);
  // The writer goes on, with a name the reader has never seen.
  Transaction more;
  more.SetTime(T("2025-10-16"));
  more.Assert({"Syria", "embassy", "Kyiv"}, Value::String("reopened"), {T("2025-10-15"), kPosInf});
  MustCommit(more);
  const Pattern embassy{"Syria", "embassy", std::nullopt};
  EXPECT_TRUE((*reader)->Query({embassy, ValidTimeClause::All(), TxTimeClause::Latest()})->empty());
  ASSERT_TRUE((*reader)->CatchUp().ok());
  EXPECT_EQ((*reader)->LastTransaction().id, 4u);
  const auto rows = (*reader)->Query({embassy, ValidTimeClause::All(), TxTimeClause::Latest()});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].value, Value::String("reopened"));
  // Writes are refused with a message that names the way to write.
  const absl::StatusOr<TransactionInfo> refused = (*reader)->Commit(more);
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status())) << refused.status();
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "hindsight serve")) << refused.status();
  EXPECT_TRUE(absl::IsFailedPrecondition((*reader)->Compact()));
  // Without the option, a held database is refused as before.
  Options plain;
  EXPECT_TRUE(absl::IsFailedPrecondition(Database::Open(dir_.path(), plain).status()));
}

// RocksDB's diagnostic log (storage/info_log.h): each open to write starts
// a new LOG and keeps ten in all; a reader beside the writer
// leaves the writer's LOG where it is (RocksDB's own logger renamed it away
// before finding the database held) and writes its own elsewhere.
TEST_F(DbTest, EachOpenStartsAnInfoLogAndAReaderLeavesTheWritersAlone) {
  namespace fs = std::filesystem;
  const auto old_logs = [this] {
    int n = 0;
    for (const fs::directory_entry& e : fs::directory_iterator(dir_.path())) {
      n += e.path().filename().string().starts_with("LOG.old.");
    }
    return n;
  };
  LoadWorkedExample();
  const std::string log = dir_.path() + "/LOG";
  ASSERT_TRUE(fs::exists(log));
  const std::string writers_log = ReadFile(log);
  EXPECT_TRUE(absl::StrContains(writers_log, "RocksDB version")) << writers_log.substr(0, 200);
  const int old_before = old_logs();
  Options options;
  options.read_only_if_in_use = true;
  auto reader = Database::Open(dir_.path(), options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  ASSERT_TRUE((*reader)->read_only());
  EXPECT_EQ(old_logs(), old_before);
  EXPECT_TRUE(ReadFile(log).starts_with(writers_log));
  reader->reset();
  for (int i = 0; i < 12; ++i) Reopen();
  EXPECT_EQ(old_logs() + 1, 10);  // DBOptions::keep_log_file_num counts LOG too
}

// What a thread keeps from one slice query to the next is freed on request
// (a server's thread whose client left).
TEST_F(DbTest, ReleaseThreadMemoryFreesWhatASliceQueryKept) {
#if defined(HINDSIGHT_SANITIZERS)
  GTEST_SKIP() << "the sanitizer's allocator does not count in mallinfo2";
#else
  constexpr int kKeys = 20000;
  std::vector<Transaction> load(1);
  for (int i = 0; i < kKeys; ++i) {
    load[0].Assert({absl::StrCat("entity", i), "status", absl::StrCat("value", i)}, Value::Int64(i),
                   {T("2020-01-01"), kPosInf});
  }
  size_t loaded = 0;
  ASSERT_TRUE(db_->BulkLoad(load, &loaded).ok());
  load.clear();
  {
    const auto rows = db_->Query({Pattern{std::nullopt, "status", std::nullopt}, ValidTimeClause::At(T("2021-01-01")), {}});
    ASSERT_TRUE(rows.ok()) << rows.status();
    ASSERT_EQ(rows->size(), kKeys);
  }
  const size_t kept = mallinfo2().uordblks;
  ReleaseThreadMemory();
  const size_t released = mallinfo2().uordblks;
  EXPECT_GT(kept, released + (500 << 10)) << "in use: " << kept << " bytes, then " << released;
#endif
}

// A database opened, written a little and closed, again and again, keeps a
// few table files in each column family, not one per session in each
// family it wrote (without merging, 200 sessions left over 600 files).
TEST_F(DbTest, ADatabaseWrittenALittleAtEachOpenKeepsFewTableFiles) {
  namespace fs = std::filesystem;
  constexpr int kSessions = 200;
  for (int i = 1; i <= kSessions; ++i) {
    Transaction txn;
    txn.Assert({absl::StrCat("entity", i), "status", "x"}, Value::Int64(i), {T("2020-01-01"), kPosInf});
    MustCommit(txn);
    Reopen();
  }
  int tables = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(dir_.path())) tables += e.path().extension() == ".sst";
  // Under 64 in each family that gets one a session (three), plus what
  // the others hold.
  EXPECT_LT(tables, 3 * 64 + 40);
  Transaction txn;
  txn.Assert({"entity1", "status", "x"}, Value::Int64(0), {T("2021-01-01"), kPosInf});
  MustCommit(txn);
  const auto rows = db_->Query({Pattern{std::nullopt, "status", "x"}, ValidTimeClause::At(T("2020-06-01")), {}});
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->size(), kSessions);
}

// A reader beside the writer finds every transaction, whether the writer
// holds it in its table files (written when it reopened) or in its
// write buffers, and however often it reads the same one. (With RocksDB's
// row cache, a secondary instance found nothing at a record's second read
// from a table file: the reader opens without one.)
TEST_F(DbTest, ASecondProcessFindsEveryTransactionOfTheWriter) {
  constexpr int kFlushed = 300, kBuffered = 20;
  const auto commit = [this](int i) {
    Transaction txn;
    txn.SetTime(T("2024-01-01") + i);
    txn.Assert({absl::StrCat("entity", i % 17), "status", "x"}, Value::Int64(i), {T("2020-01-01"), kPosInf});
    MustCommit(txn);
  };
  for (int i = 1; i <= kFlushed; ++i) commit(i);
  Reopen();  // the writer's write buffers recovered from its log into table files
  for (int i = kFlushed + 1; i <= kFlushed + kBuffered; ++i) commit(i);
  Options options;
  options.read_only_if_in_use = true;
  auto reader = Database::Open(dir_.path(), options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  ASSERT_TRUE((*reader)->read_only());
  for (uint64_t id = 1; id <= kFlushed + kBuffered; ++id) {
    const absl::StatusOr<TransactionInfo> info = (*reader)->GetTransaction(id);
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(info->id, id);
    EXPECT_EQ(info->time, T("2024-01-01") + static_cast<Instant>(id));
  }
  const auto rows = (*reader)->Query({Pattern{}, ValidTimeClause::All(), TxTimeClause::AsOfTx(kFlushed / 2)});
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->size(), 17u);
}

TEST_F(DbTest, AsOfTransactionNumberAndHistory) {
  LoadWorkedExample();
  EXPECT_EQ(Q(Exact(kSyriaUkraine), ValidTimeClause::At(T("2025-10-01")), TxTimeClause::AsOfTx(1))[0].value,
            Value::String("severed"));
  EXPECT_EQ(Q(Exact(kSyriaUkraine), ValidTimeClause::At(T("2025-10-01")), TxTimeClause::AsOfTx(2))[0].value,
            Value::String("talks"));
  EXPECT_TRUE(Q(Exact(kSyriaUkraine), ValidTimeClause::All(), TxTimeClause::AsOf(T("2022-06-30T23:59:59Z"))).empty());
  EXPECT_EQ(Q(Exact(kSyriaUkraine), ValidTimeClause::All(), TxTimeClause::AsOf(T("2022-07-01"))).size(), 1u);
  EXPECT_TRUE(absl::IsInvalidArgument(db_->Query({Exact(kSyriaUkraine), {}, TxTimeClause::AsOfTx(4)}).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(db_->Query({Exact(kSyriaUkraine), {}, TxTimeClause::AsOfTx(0)}).status()));

  absl::StatusOr<std::vector<HistoryRow>> h = db_->History(Exact(kSyriaUkraine));
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 5u);
  EXPECT_EQ((*h)[0].tx, (Interval{T("2022-07-01"), T("2024-12-31")}));
  EXPECT_EQ((*h)[1].valid, (Interval{T("2022-06-30"), T("2024-12-30")}));
  EXPECT_EQ((*h)[1].tx, (Interval{T("2024-12-31"), kPosInf}));
  EXPECT_EQ((*h)[4].value, Value::String("restored"));
}

TEST_F(DbTest, TransactionTimesFromTheClockMoveForward) {
  Transaction a;
  a.Assert(kSyriaUkraine, Value::Int64(1), {0, 1});
  EXPECT_EQ(MustCommit(a).time, T("2030-01-01"));
  clock_.Set(T("2029-01-01"));  // the clock went back
  EXPECT_EQ(MustCommit(a).time, T("2030-01-01") + 1);
  EXPECT_EQ(db_->LastTransaction().id, 2u);
}

TEST_F(DbTest, RejectedTransactionsWriteNothing) {
  LoadWorkedExample();
  const TransactionInfo before = db_->LastTransaction();
  const auto expect_rejected = [&](Transaction txn, const std::string& message) {
    txn.Assert({"New", "p", "o"}, Value::Int64(1), {0, 10});  // would be visible if applied
    absl::StatusOr<TransactionInfo> info = db_->Commit(txn);
    ASSERT_FALSE(info.ok());
    EXPECT_TRUE(absl::IsInvalidArgument(info.status())) << info.status();
    EXPECT_TRUE(absl::StrContains(info.status().message(), message)) << info.status();
  };
  Transaction bad_interval;
  bad_interval.Assert(kSyriaUkraine, Value::String("x"), {10, 10});
  expect_rejected(bad_interval, "operation 1: from");
  Transaction second_bad;
  second_bad.Assert(kSyriaUkraine, Value::String("x"), {0, 10});
  second_bad.Retract(kSyriaUkraine, {20, 10});
  expect_rejected(second_bad, "operation 2");
  Transaction empty_name;
  empty_name.Assert({"", "p", "o"}, Value::Int64(1), {0, 1});
  expect_rejected(empty_name, "subject: empty name");
  Transaction long_name;
  long_name.Assert({"s", std::string(4097, 'p'), "o"}, Value::Int64(1), {0, 1});
  expect_rejected(long_name, "predicate: name of 4097 bytes");
  Transaction nul;
  nul.Assert({"s", "p", std::string("o\0", 2)}, Value::Int64(1), {0, 1});
  expect_rejected(nul, "object: NUL byte");
  Transaction utf8;
  utf8.Erase({"s\xc3", "p", "o"});
  expect_rejected(utf8, "not valid UTF-8");
  Transaction old_time;
  old_time.SetTime(T("2025-09-26"));
  expect_rejected(old_time, "is not after the previous transaction's 2025-09-26T00:00:00Z");
  Transaction infinite;
  infinite.SetTime(kPosInf);
  expect_rejected(infinite, "finite");

  EXPECT_EQ(db_->LastTransaction().id, before.id);
  EXPECT_TRUE(Q({"New", std::nullopt, std::nullopt}, ValidTimeClause::All()).empty());
  Reopen();
  EXPECT_EQ(db_->LastTransaction().id, before.id);
  EXPECT_TRUE(Q({std::nullopt, "p", std::nullopt}, ValidTimeClause::All()).empty());
}

TEST_F(DbTest, EraseRemovesEveryVersionAndItsLogEntries) {
  LoadWorkedExample();
  const FactKey other{"Syria", "embassy", "Russia"};
  Transaction t;
  t.SetTime(T("2025-10-01"));
  t.Assert(other, Value::String("open"), {T("2000"), kPosInf});
  MustCommit(t);
  Transaction erase;
  erase.SetTime(T("2025-11-01"));
  erase.Assert(kSyriaUkraine, Value::String("moot"), {0, 1});  // made moot by the erase after it
  erase.Erase(kSyriaUkraine);
  erase.Assert(kSyriaUkraine, Value::String("fresh"), {T("2025"), T("2026")});
  MustCommit(erase);

  EXPECT_TRUE(Q(Exact(kSyriaUkraine), ValidTimeClause::All(), TxTimeClause::AsOf(T("2025-01-01"))).empty());
  absl::StatusOr<std::vector<HistoryRow>> h = db_->History(Exact(kSyriaUkraine));
  ASSERT_EQ(h->size(), 1u);
  EXPECT_EQ((*h)[0].value, Value::String("fresh"));
  EXPECT_EQ((*h)[0].tx.from, T("2025-11-01"));
  EXPECT_EQ(Q(Exact(other), ValidTimeClause::All()).size(), 1u);

  // The log no longer mentions the erased key before the erase.
  std::vector<size_t> op_counts;
  ASSERT_TRUE(db_->ScanLog(1, [&](const TransactionInfo& info, const Transaction& txn) {
                   op_counts.push_back(txn.operations().size());
                   EXPECT_EQ(info.operation_count, txn.operations().size());
                   return true;
                 }).ok());
  EXPECT_EQ(op_counts, (std::vector<size_t>{0, 0, 0, 1, 2}));
}

// The log and the digest index store it: every version must compute it
// the same way (SHA-256 of the names, each followed by a zero byte but the
// last).
TEST(KeyDigestTest, IsTheSha256OfTheNames) {
  const std::string digest = KeyDigest({"Syria", "diplomatic_relations", "Ukraine"});
  EXPECT_EQ(rocksdb::Slice(digest).ToString(/*hex=*/true),
            "FE7A0EBD84D1C94E6A88C7B54AD180A2274AC2EC5113F4CEE7967D3D14AF4FFF");
  EXPECT_EQ(rocksdb::Slice(KeyDigest({"", "", ""})).ToString(/*hex=*/true),
            "96A296D224F285C67BEE93C30F8A309157F0DAA35DC5B87E410B78630A09CFC7");
}

// An erase finds the earlier records naming its key through its rows and
// its mentions (keys/key_codec.h): a retract that changed nothing, an erase
// by digest of a stored key and one of a key not stored then are all
// removed, and the many records that do not name the key are kept.
TEST_F(DbTest, EraseFindsEveryEarlierRecordNamingTheKey) {
  const FactKey key{"Witness", "named", "Suspect"};
  const FactKey other{"Witness", "lives_in", "Town"};
  Instant time = T("2020");
  const auto commit = [&](Transaction t) {
    t.SetTime(time += 1000);
    MustCommit(t);
  };
  Transaction nothing;  // 1: retracts what is not there
  nothing.Retract(key, {0, 1});
  nothing.Assert(other, Value::Int64(1), {0, 1});
  commit(nothing);
  Transaction unknown;  // 2: an erase by digest of a key not stored
  unknown.EraseByDigest(KeyDigest(key));
  unknown.Assert(other, Value::Int64(2), {1, 2});
  commit(unknown);
  for (int i = 0; i < 50; ++i) {  // 3..52: other keys
    Transaction t;
    t.Assert({absl::StrCat("Other", i), "named", "Suspect"}, Value::Int64(i), {0, kPosInf});
    commit(t);
  }
  Transaction stored;  // 53, 54: stored, then erased by digest
  stored.Assert(key, Value::Int64(1), {0, kPosInf});
  commit(stored);
  Transaction by_digest;
  by_digest.EraseByDigest(KeyDigest(key));
  commit(by_digest);
  Transaction again;  // 55: stored again, then 56 erases it by name
  again.Assert(key, Value::Int64(2), {0, kPosInf});
  commit(again);
  Transaction erase;
  erase.Erase(key);
  commit(erase);

  const std::string digest = KeyDigest(key);
  std::vector<size_t> op_counts;
  ASSERT_TRUE(db_->ScanLog(1, [&](const TransactionInfo& info, const Transaction& txn) {
                   for (const Operation& op : txn.operations()) {
                     if (info.id == 56) continue;
                     EXPECT_FALSE(op.key == key || op.key_digest == digest) << "transaction " << info.id;
                   }
                   op_counts.push_back(txn.operations().size());
                   return true;
                 }).ok());
  std::vector<size_t> expected = {1, 1};
  expected.insert(expected.end(), 50, 1);
  expected.insert(expected.end(), {0, 0, 0, 1});
  EXPECT_EQ(op_counts, expected);
  EXPECT_TRUE(db_->History(Exact(key)).value().empty());
  EXPECT_EQ(db_->History(Exact(other)).value().size(), 2u);
  // No mention of the erased key is left but its last erase's.
  db_.reset();
  {
    RawRocks raw(dir_.path(), /*read_only=*/true);
    std::unique_ptr<rocksdb::Iterator> it(raw.db()->NewIterator(rocksdb::ReadOptions(), raw.Family("keys")));
    std::vector<std::string> mentions;
    const std::string prefix = internal::MentionPrefix(digest);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      mentions.push_back(it->key().ToString());
    }
    EXPECT_EQ(mentions, std::vector<std::string>{internal::MentionKey(digest, 56)});
  }
  EXPECT_EQ(Unsound(dir_.path()), "");
  Reopen();
}

// Every byte of every file in `dir`.
std::string AllFileBytes(const std::string& dir) {
  std::string all;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) all += ReadFile(entry.path().string());
  }
  return all;
}

TEST_F(DbTest, EraseLeavesNoTraceInTheFilesAfterCompaction) {
  const FactKey secret{"Witness-7f3a", "testified_against", "Cartel-91bc"};
  const FactKey other{"Neighbour-c0de", "lives_near", "Cartel-hq-55aa"};
  for (int i = 0; i < 3; ++i) {
    Transaction t;
    t.SetTime(T("2020") + i);
    t.Assert(secret, Value::String("statement-e11d"), {T("2019") + i, kPosInf});
    t.Assert(other, Value::Bool(true), {T("2019"), kPosInf});
    MustCommit(t);
  }
  ASSERT_TRUE(db_->Compact().ok());
  db_.reset();  // closed, so that no background work changes the files while they are read
  ASSERT_NE(AllFileBytes(dir_.path()).find("testified_against"), std::string::npos);  // the probe works
  Reopen();

  Transaction erase;
  erase.SetTime(T("2021"));
  erase.Erase(secret);
  MustCommit(erase);
  ASSERT_TRUE(db_->Compact().ok());
  Reopen();
  ASSERT_TRUE(db_->Compact().ok());
  db_.reset();
  const std::string bytes = AllFileBytes(dir_.path());
  Reopen();
  for (const char* name : {"Witness-7f3a", "testified_against", "Cartel-91bc", "statement-e11d"}) {
    EXPECT_EQ(bytes.find(name), std::string::npos) << name;
  }
  EXPECT_NE(bytes.find("Neighbour-c0de"), std::string::npos);
  EXPECT_EQ(Q(Exact(other), ValidTimeClause::All()).size(), 1u);
  EXPECT_TRUE(db_->History(Exact(secret)).value().empty());
  // The erased names can be used again.
  Transaction again;
  again.Assert(secret, Value::None(), {0, 1});
  MustCommit(again);
  EXPECT_EQ(Q(Exact(secret), ValidTimeClause::All()).size(), 1u);
}

TEST_F(DbTest, EmptyTransactionsAndRetractsOfNothingCommit) {
  MustCommit(Transaction());
  Transaction r;
  r.Retract(kSyriaUkraine, {kNegInf, kPosInf});
  EXPECT_EQ(MustCommit(r).id, 2u);
  EXPECT_TRUE(db_->History({}).value().empty());
}

TEST_F(DbTest, DuringNeedsFromBeforeTo) {
  EXPECT_TRUE(absl::IsInvalidArgument(db_->Query({{}, ValidTimeClause::During({5, 5}), {}}).status()));
}

TEST_F(DbTest, TheLogRebuildsTheDatabase) {
  LoadWorkedExample();
  Transaction t;
  t.SetTime(T("2025-12-01"));
  t.Retract(kSyriaUkraine, {T("2023"), T("2024")});
  t.Assert({"Russia", "base", "Hmeimim"}, Value::Bool(true), {T("2015-09-30"), kPosInf});
  t.Erase({"Syria", "nothing", "here"});
  MustCommit(t);

  ScratchDir copy_dir;
  auto copy = Database::Open(copy_dir.path());
  ASSERT_TRUE(copy.ok());
  ASSERT_TRUE(db_->ScanLog(1, [&](const TransactionInfo&, const Transaction& txn) {
                   EXPECT_TRUE((*copy)->Commit(txn).ok());
                   return true;
                 }).ok());
  EXPECT_EQ((*copy)->History({}).value(), db_->History({}).value());
  EXPECT_EQ((*copy)->LastTransaction().time, db_->LastTransaction().time);
}

TEST_F(DbTest, ReopenKeepsEverything) {
  LoadWorkedExample();
  const std::vector<HistoryRow> before = db_->History({}).value();
  Reopen();
  EXPECT_EQ(db_->History({}).value(), before);
  EXPECT_EQ(db_->LastTransaction().id, 3u);
  EXPECT_EQ(db_->LastTransaction().source, "caliber.az");
  EXPECT_EQ(db_->GetTransaction(2)->source, "kyivpost");
  EXPECT_TRUE(absl::IsNotFound(db_->GetTransaction(4).status()));
}

TEST_F(DbTest, ASecondOpenOfTheSameDirectoryIsRefused) {
  auto second = Database::Open(dir_.path());
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();
  EXPECT_TRUE(absl::StrContains(second.status().message(), "in use")) << second.status();
}

// RocksDB 7.8 starts a write-ahead log at every open and keeps it, empty,
// until a flush: a database opened again and again to be read must not
// gather them. And an open refused because the database is in use leaves
// the log of the one that has it alone.
TEST_F(DbTest, OpeningAgainAndAgainLeavesNoEmptyLogs) {
  const auto logs = [this] {
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      n += entry.path().extension() == ".log";
    }
    return n;
  };
  LoadWorkedExample();
  const std::vector<HistoryRow> before = db_->History({}).value();
  for (int i = 0; i < 5; ++i) Reopen();
  EXPECT_EQ(logs(), 1);
  EXPECT_EQ(db_->History({}).value(), before);
  // The open log is empty; a refused open must not remove it.
  EXPECT_FALSE(Database::Open(dir_.path()).ok());
  Transaction txn;
  txn.SetTime(T("2026-01-01"));
  txn.Assert({"Ukraine", "embassy", "Syria"}, Value::Bool(true), {T("2025-10-01"), kPosInf});
  MustCommit(txn);
  Reopen();
  EXPECT_EQ(db_->LastTransaction().id, 4u);
  EXPECT_EQ(Q(Exact({"Ukraine", "embassy", "Syria"}), ValidTimeClause::All()).size(), 1u);
}

// With more than 2^16 names, keys file their slice index entries in chunks
// 0 and 1 (slice_index.h): random transactions over keys of both chunks,
// every slice compared with the reference model's, across a reopen (which
// loads the chunks' buckets from the column family).
TEST_F(DbTest, SlicesOfKeysInEveryChunkMatchTheReferenceModel) {
  constexpr int kFiller = 70000;
  const auto span_of = [](int i) -> Interval {
    const Instant from = (i % 11 - 5) * kDay;
    switch (i % 3) {
      case 0: return {from, kPosInf};
      case 1: return {kNegInf, from};
      default: return {from, from + 2 * kDay};
    }
  };
  Transaction filler;  // names 0 to 70,000: keys of chunk 0 and of chunk 1
  filler.SetTime(1);
  for (int i = 0; i < kFiller; ++i) filler.Assert({absl::StrCat("filler", i), "p", "x"}, Value::Int64(i), span_of(i));
  size_t loaded = 0;
  ASSERT_TRUE(db_->BulkLoad(std::vector<Transaction>{filler}, &loaded).ok());
  ReferenceModel model;
  model.Commit(filler, 1);
  std::mt19937 rng(11);
  const int transactions = static_cast<int>(RandomSequences(40));
  for (int t = 0; t < transactions; ++t) {
    Transaction as_keys;  // the random keys' names come after the filler's: chunk 1
    Transaction txn = RandomTransaction(rng, (t + 1) * kDay, &as_keys);
    for (int j = 0; j < 3; ++j) {  // and some of the filler's keys change
      const int i = static_cast<int>(rng() % kFiller);
      const FactKey k{absl::StrCat("filler", i), "p", "x"};
      txn.Retract(k, span_of(i + 1));
      as_keys.Retract(k, span_of(i + 1));
      txn.Assert(k, Value::Int64(-i), span_of(i + 2));
      as_keys.Assert(k, Value::Int64(-i), span_of(i + 2));
    }
    const absl::StatusOr<TransactionInfo> info = db_->Commit(txn);
    ASSERT_TRUE(info.ok()) << info.status();
    model.Commit(as_keys, info->time);
    if (t == transactions / 2) Reopen();
    for (const Instant v : {kNegInf, -5 * kDay, Instant{-1}, Instant{0}, kDay, 3 * kDay, 7 * kDay}) {
      const Query q{{std::nullopt, "p", std::nullopt}, ValidTimeClause::At(v), TxTimeClause::Latest()};
      ASSERT_EQ(Q(q.pattern, q.valid), model.Query(q)) << "after transaction " << t << ", v = " << v;
    }
  }
}

TEST_F(DbTest, DamagedRecordIsDataLoss) {
  LoadWorkedExample();
  db_.reset();
  {
    // Overwrite the one timeline record with garbage through RocksDB itself.
    RawRocks raw(dir_.path(), /*read_only=*/false);
    ASSERT_NE(raw.Family("timelines"), nullptr);
    std::unique_ptr<rocksdb::Iterator> it(raw.db()->NewIterator(rocksdb::ReadOptions(), raw.Family("timelines")));
    it->SeekToFirst();
    ASSERT_TRUE(it->Valid());
    ASSERT_TRUE(raw.db()->Put(rocksdb::WriteOptions(), raw.Family("timelines"), it->key(), "garbage!").ok());
  }
  Reopen();
  absl::StatusOr<std::vector<Row>> rows = db_->Query({Exact(kSyriaUkraine), {}, {}});
  ASSERT_FALSE(rows.ok());
  EXPECT_TRUE(absl::IsDataLoss(rows.status())) << rows.status();
  EXPECT_TRUE(absl::StrContains(rows.status().message(), "(column family timelines, key (Syria, diplomatic_relations, Ukraine))"))
      << rows.status();
}

// A slice bucket as format 2 wrote it: values as a list of structs.
std::string Format2Bucket(const std::vector<internal::SliceRecordEntry>& entries) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<schema::SliceBucket>();
  const auto n = static_cast<unsigned>(entries.size());
  auto subjects = b.initSubjects(n);
  auto objects = b.initObjects(n);
  auto froms = b.initFroms(n);
  auto tos = b.initTos(n);
  auto values = b.initValues(n);
  for (unsigned i = 0; i < n; ++i) {
    const internal::SliceRecordEntry& e = entries[i];
    subjects.set(i, e.subject);
    objects.set(i, e.object);
    froms.set(i, e.segment.valid.from);
    tos.set(i, e.segment.valid.to);
    const Value& v = e.segment.value;
    switch (v.type()) {
      case Value::Type::kNone: values[i].setNone(); break;
      case Value::Type::kString:
        values[i].setString(kj::arrayPtr(reinterpret_cast<const kj::byte*>(v.string_value().data()), v.string_value().size()));
        break;
      case Value::Type::kInt64: values[i].setInt64(v.int64_value()); break;
      case Value::Type::kDouble: values[i].setFloat64(v.double_value()); break;
      case Value::Type::kBool: values[i].setBool(v.bool_value()); break;
    }
  }
  const kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  return std::string(words.asChars().begin(), words.asChars().size());
}

// The key formats 2 and 3 gave a bucket of a segment of `valid` that
// `key` files now: open-ended buckets were 2^46 µs wide.
std::string OldBucketKey(const std::string& key, Interval valid) {
  if (valid.from != kNegInf && valid.to != kPosInf) return key;
  std::string old = key.substr(0, internal::kIdBytes + 1);
  internal::AppendInstant(&old, (valid.from == kNegInf ? valid.to : valid.from) >> 46);
  return old;
}

class UpgradeTest : public DbTest {
 protected:
  // Rewrites the database's meta record, digest index (before format 5) and
  // slice index (before format 4) as format `old_format` left them, opens it twice and
  // checks that the slice answers are unchanged, that the format is now
  // the current one, that a bucket no segment is in is gone, that the
  // digest index is whole, that an erase by digest finds its key, and that
  // the mention index (before format 8) is built as commits build it, so
  // that an erase finds the record of a retract that changed nothing.
  void UpgradeFrom(unsigned old_format) {
    LoadWorkedExample();
    const FactKey nobody{"Nobody", "diplomatic_relations", "Mali"};
    Transaction more;
    more.SetTime(T("2026-01-01"));
    more.Retract(nobody, {kNegInf, kPosInf});
    more.Assert({"Chad", "diplomatic_relations", "Ukraine"}, Value::Int64(3), {kNegInf, T("2024-01-01")});
    more.Assert({"Niger", "diplomatic_relations", "Mali"}, Value::Double(0.5), {T("1990-01-01"), T("1990-01-02")});
    more.Assert({"Mali", "diplomatic_relations", "Niger"}, Value::None(), {T("1980-01-01"), kPosInf});
    more.Assert({"Mali", "borders", "Niger"}, Value::Bool(true), {kNegInf, kPosInf});
    MustCommit(more);
    const std::string nobody_mention = internal::MentionKey(KeyDigest(nobody), db_->LastTransaction().id);
    const Pattern slice{std::nullopt, "diplomatic_relations", std::nullopt};
    const std::vector<Instant> instants = {T("1985-01-01"), T("1990-01-01"), T("2023-01-01"), T("2025-01-01"),
                                           T("2025-10-01")};
    std::vector<std::vector<Row>> before;
    for (const Instant v : instants) before.push_back(Q(slice, ValidTimeClause::At(v)));
    ASSERT_EQ(before[1].size(), 3u);  // Chad, Mali, Niger
    db_.reset();
    std::string stale_key;  // a bucket no segment of the timelines is in
    {
      RawRocks raw(dir_.path(), /*read_only=*/false);
      raw.SetFormatVersion(old_format);
      const std::string digests(1, internal::kDigestIndexTag);
      if (old_format < 5) {
        ASSERT_TRUE(raw.db()
                        ->DeleteRange(rocksdb::WriteOptions(), raw.Family("keys"), digests,
                                      internal::PrefixSuccessor(digests))
                        .ok());
      }
      if (old_format < 4) stale_key = WriteOldSliceIndex(&raw, old_format);
      const std::string mention_tag(1, internal::kMentionTag);
      ASSERT_EQ(Mentions(raw), std::vector<std::string>{nobody_mention});
      if (old_format < 8) {
        ASSERT_TRUE(raw.db()
                        ->DeleteRange(rocksdb::WriteOptions(), raw.Family("keys"), mention_tag,
                                      internal::PrefixSuccessor(mention_tag))
                        .ok());
      }
    }
    for (int open = 0; open < 2; ++open) {  // upgraded, then opened as the current format
      Reopen();
      if (open == 0) {
        ASSERT_EQ(upgrade_notes_.size(), 1u);
        EXPECT_EQ(upgrade_notes_[0], absl::StrCat("upgrading the database from format ", old_format, " to ",
                                                  internal::kFormatVersion,
                                                  ": it reads its keys and its whole log once (4 transactions)"));
      }
      for (size_t i = 0; i < instants.size(); ++i) EXPECT_EQ(Q(slice, ValidTimeClause::At(instants[i])), before[i]);
      db_.reset();
      EXPECT_EQ(Unsound(dir_.path()), "");
      RawRocks raw(dir_.path(), /*read_only=*/true);
      std::string meta_bytes, stale;
      ASSERT_TRUE(raw.db()->Get(rocksdb::ReadOptions(), raw.Family("default"), "meta", &meta_bytes).ok());
      EXPECT_EQ(internal::DecodeMeta(meta_bytes).value().format_version, internal::kFormatVersion);
      if (!stale_key.empty()) {
        EXPECT_TRUE(raw.db()->Get(rocksdb::ReadOptions(), raw.Family("slices"), stale_key, &stale).IsNotFound());
      }
      EXPECT_EQ(Mentions(raw), std::vector<std::string>{nobody_mention});
    }
    Reopen();
    EXPECT_EQ(upgrade_notes_.size(), 1u);  // once upgraded, nothing to tell
    const FactKey chad{"Chad", "diplomatic_relations", "Ukraine"};
    Transaction erase;
    erase.EraseByDigest(KeyDigest(chad));
    erase.Erase(nobody);
    MustCommit(erase);
    EXPECT_TRUE(db_->History(Exact(chad)).value().empty());
    ASSERT_TRUE(db_->ScanLog(1, [&](const TransactionInfo& info, const Transaction& txn) {
                     for (const Operation& op : txn.operations()) {
                       EXPECT_TRUE(op.key != nobody && op.key != chad) << "transaction " << info.id;
                     }
                     return true;
                   }).ok());
  }

  // The keys of the mention index, in order.
  static std::vector<std::string> Mentions(const RawRocks& raw) {
    const std::string tag(1, internal::kMentionTag);
    std::vector<std::string> mentions;
    std::unique_ptr<rocksdb::Iterator> it(raw.db()->NewIterator(rocksdb::ReadOptions(), raw.Family("keys")));
    for (it->Seek(tag); it->Valid() && it->key().starts_with(tag); it->Next()) mentions.push_back(it->key().ToString());
    return mentions;
  }

  // Moves every slice index entry to the bucket formats 2 and 3 filed it
  // in, as those formats encoded it (with a merge operand on some), and
  // adds a bucket no segment is in; returns that bucket's key.
  std::string WriteOldSliceIndex(RawRocks* raw, unsigned old_format) {
    std::map<std::string, std::vector<internal::SliceRecordEntry>> buckets;
    std::unique_ptr<rocksdb::Iterator> it(raw->db()->NewIterator(rocksdb::ReadOptions(), raw->Family("slices")));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::vector<internal::SliceRecordEntry> entries;
      EXPECT_TRUE(internal::DecodeSliceBucket(std::string_view(it->value().data(), it->value().size()), &entries).ok());
      for (internal::SliceRecordEntry& e : entries) {
        buckets[OldBucketKey(it->key().ToString(), e.segment.valid)].push_back(std::move(e));
      }
      EXPECT_TRUE(raw->db()->Delete(rocksdb::WriteOptions(), raw->Family("slices"), it->key()).ok());
    }
    EXPECT_GE(buckets.size(), 3u);
    it.reset();
    // Format 2's values are a list of Value structs, which this build
    // cannot read; some buckets get a merge operand too, which RocksDB may
    // apply while the upgrade's open recovers its log.
    const auto old_value = [old_format](const std::vector<internal::SliceRecordEntry>& entries) {
      return old_format == 2 ? Format2Bucket(entries) : internal::EncodeSliceBucket(entries);
    };
    size_t i = 0;
    for (const auto& [key, entries] : buckets) {
      rocksdb::WriteOptions options;
      EXPECT_TRUE(raw->db()->Put(options, raw->Family("slices"), key, old_value(entries)).ok());
      if (i++ % 2 == 1) {  // a merge operand that adds one of its entries again
        EXPECT_TRUE(
            raw->db()->Merge(options, raw->Family("slices"), key, internal::EncodeSliceBucketChange({}, {entries.back()}))
                .ok());
      }
    }
    const std::string stale_key = buckets.begin()->first + "stale";
    EXPECT_TRUE(
        raw->db()->Put(rocksdb::WriteOptions(), raw->Family("slices"), stale_key, old_value(buckets.begin()->second)).ok());
    return stale_key;
  }
};

TEST_F(UpgradeTest, AFormat2DatabaseIsUpgradedByRebuildingItsSliceIndex) { UpgradeFrom(2); }
TEST_F(UpgradeTest, AFormat3DatabaseIsUpgradedByRebuildingItsSliceIndex) { UpgradeFrom(3); }
TEST_F(UpgradeTest, AFormat4DatabaseIsUpgradedByBuildingItsDigestIndex) { UpgradeFrom(4); }
TEST_F(UpgradeTest, AFormat5DatabaseWithFewNamesIsUpgradedAsItIs) { UpgradeFrom(5); }
TEST_F(UpgradeTest, AFormat6DatabaseIsUpgradedAsItIs) { UpgradeFrom(6); }
TEST_F(UpgradeTest, AFormat7DatabaseIsUpgradedByBuildingItsMentionIndex) { UpgradeFrom(7); }

// Formats before 6 kept each slice bucket whole, whatever the keys' name
// ids: a database with more than 2^16 names is upgraded by splitting its
// buckets into chunks (from format 5: by rebuilding the slice index; from
// format 3: by the rebuild that format 4 needs, once).
class ManyNamesUpgradeTest : public UpgradeTest, public ::testing::WithParamInterface<unsigned> {};

TEST_P(ManyNamesUpgradeTest, TheSliceIndexEndsInChunks) {
  constexpr int kKeys = 70000;
  Transaction many;
  many.SetTime(T("2026-01-01"));
  for (int i = 0; i < kKeys; ++i) {
    many.Assert({absl::StrCat("entity", i), "status", "x"}, Value::Int64(i), {T("2020-01-01") + i, kPosInf});
  }
  size_t loaded = 0;
  ASSERT_TRUE(db_->BulkLoad(std::vector<Transaction>{many}, &loaded).ok());
  const Pattern slice{std::nullopt, "status", std::nullopt};
  const std::vector<Row> before = Q(slice, ValidTimeClause::At(T("2021-01-01")));
  ASSERT_EQ(before.size(), static_cast<size_t>(kKeys));
  db_.reset();
  // A chunked key without its chunk: where format 5 filed the entries.
  const auto format5_key = [](const rocksdb::Slice& key) {
    std::string k = key.ToString();
    if (k.size() > internal::kIdBytes && k[internal::kIdBytes] == 0x03) k.erase(internal::kIdBytes, 3);
    return k;
  };
  {
    RawRocks raw(dir_.path(), /*read_only=*/false);
    raw.SetFormatVersion(GetParam());
    std::map<std::string, std::vector<internal::SliceRecordEntry>> buckets;
    size_t chunked = 0;
    std::unique_ptr<rocksdb::Iterator> it(raw.db()->NewIterator(rocksdb::ReadOptions(), raw.Family("slices")));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::vector<internal::SliceRecordEntry> entries;
      ASSERT_TRUE(internal::DecodeSliceBucket(std::string_view(it->value().data(), it->value().size()), &entries).ok());
      std::vector<internal::SliceRecordEntry>& bucket = buckets[format5_key(it->key())];
      bucket.insert(bucket.end(), entries.begin(), entries.end());
      if (format5_key(it->key()) != it->key().ToString()) {
        ++chunked;
        ASSERT_TRUE(raw.db()->Delete(rocksdb::WriteOptions(), raw.Family("slices"), it->key()).ok());
      }
    }
    ASSERT_GE(chunked, 1u);
    it.reset();
    for (const auto& [key, entries] : buckets) {
      ASSERT_TRUE(
          raw.db()->Put(rocksdb::WriteOptions(), raw.Family("slices"), key, internal::EncodeSliceBucket(entries)).ok());
    }
  }
  Reopen();
  EXPECT_EQ(Q(slice, ValidTimeClause::At(T("2021-01-01"))), before);
  db_.reset();
  RawRocks raw(dir_.path(), /*read_only=*/true);
  std::string meta_bytes;
  ASSERT_TRUE(raw.db()->Get(rocksdb::ReadOptions(), raw.Family("default"), "meta", &meta_bytes).ok());
  EXPECT_EQ(internal::DecodeMeta(meta_bytes).value().format_version, internal::kFormatVersion);
  // Every entry is in its own chunk's bucket.
  std::unique_ptr<rocksdb::Iterator> it(raw.db()->NewIterator(rocksdb::ReadOptions(), raw.Family("slices")));
  size_t entries_seen = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::vector<internal::SliceRecordEntry> entries;
    ASSERT_TRUE(internal::DecodeSliceBucket(std::string_view(it->value().data(), it->value().size()), &entries).ok());
    for (const internal::SliceRecordEntry& e : entries) {
      const std::string_view p(it->key().data(), internal::kIdBytes);
      EXPECT_EQ(it->key().ToString(),
                internal::SliceBucketKey(internal::DecodeNameId(p.data()), internal::SliceChunkOf(e.subject, e.object),
                                         e.segment.valid));
    }
    entries_seen += entries.size();
  }
  EXPECT_EQ(entries_seen, static_cast<size_t>(kKeys));
}

INSTANTIATE_TEST_SUITE_P(FromFormats, ManyNamesUpgradeTest, ::testing::Values(3u, 5u));

TEST(OpenTest, MissingAndForeignDirectories) {
  ScratchDir dir;
  Options no_create;
  no_create.create_if_missing = false;
  EXPECT_TRUE(absl::IsNotFound(Database::Open(dir.Sub("missing"), no_create).status()));
  testing::WriteFile(dir.Sub("file"), "x");
  EXPECT_TRUE(absl::IsFailedPrecondition(Database::Open(dir.path()).status()));  // not empty, no CURRENT
  EXPECT_FALSE(Database::Open(dir.Sub("file")).ok());
  ASSERT_TRUE(Database::Open(dir.Sub("db")).ok());
  Options exclusive;
  exclusive.error_if_exists = true;
  EXPECT_TRUE(absl::IsAlreadyExists(Database::Open(dir.Sub("db"), exclusive).status()));
  std::filesystem::remove(dir.Sub("db") + "/CURRENT");
  EXPECT_FALSE(Database::Open(dir.Sub("db"), no_create).ok());
}

TEST(OpenTest, AnEarlierFormatIsNamed) {
  // The column families of format 1, made with RocksDB itself.
  ScratchDir dir;
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* name : {"default", "names", "live", "closed", "keys", "txlog", "txinfo", "slices"}) {
    cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, dir.Sub("old"), cfs, &handles, &raw).ok());
  for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
  delete raw;
  const absl::Status s = Database::Open(dir.Sub("old")).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "earlier Hindsight (format 1")) << s;
}

// Commits from many threads are written in groups; each must still be
// atomic, get the next id, see the one before it, and fail alone when
// rejected.
TEST(ConcurrencyTest, ConcurrentCommitsAreSerializedAndFailAlone) {
  ScratchDir dir;
  Options options;
  options.sync = false;
  auto db = Database::Open(dir.path(), options);
  ASSERT_TRUE(db.ok());
  constexpr int kThreads = 8, kPerThread = 300;
  std::vector<std::vector<TransactionInfo>> infos(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Transaction txn;
        // Every commit asserts the counter key again, from its own start:
        // the history shows the commits in id order.
        txn.Assert({"counter", "by", absl::StrCat("thread", t)}, Value::Int64(i), {i, kPosInf});
        if (i % 50 == 7) txn.Assert({"bad", "p", "o"}, Value::Int64(1), {5, 5});  // from = to
        const absl::StatusOr<TransactionInfo> info = (*db)->Commit(txn);
        if (i % 50 == 7) {
          EXPECT_TRUE(absl::IsInvalidArgument(info.status())) << info.status();
        } else {
          ASSERT_TRUE(info.ok()) << info.status();
          infos[t].push_back(*info);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<TransactionInfo> all;
  for (int t = 0; t < kThreads; ++t) {
    // A thread's own commits come in its order.
    for (size_t i = 1; i < infos[t].size(); ++i) ASSERT_LT(infos[t][i - 1].id, infos[t][i].id);
    all.insert(all.end(), infos[t].begin(), infos[t].end());
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  ASSERT_EQ(all.size(), size_t{kThreads * kPerThread} - kThreads * 6);
  for (size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i].id, i + 1);
    if (i > 0) ASSERT_GT(all[i].time, all[i - 1].time);
  }
  EXPECT_EQ((*db)->LastTransaction().id, all.size());
  // Each commit saw the one before it: every thread's key holds its values
  // in order, the last from its last commit.
  const std::vector<Row> rows =
      (*db)->Query({{"counter", std::nullopt, std::nullopt}, ValidTimeClause::All(), {}}).value();
  ASSERT_EQ(rows.size(), all.size());  // a rejected commit left its thread's previous value longer
  for (const Row& r : rows) EXPECT_EQ(r.value, Value::Int64(r.valid.from));
  EXPECT_TRUE((*db)->Query({{"bad", std::nullopt, std::nullopt}, ValidTimeClause::All(), {}})->empty());
}

TEST(ConcurrencyTest, ReadersNeverSeeHalfATransaction) {
  ScratchDir dir;
  Options options;
  options.sync = false;
  auto db = Database::Open(dir.path(), options);
  ASSERT_TRUE(db.ok());
  constexpr int kTransactions = 20000;
  std::atomic<bool> done{false};
  std::atomic<int> checks{0};
  const auto reader = [&]() {
    while (!done.load()) {
      // Every transaction writes the same number to both keys.
      absl::StatusOr<std::vector<Row>> rows = (*db)->Query({{"k", std::nullopt, std::nullopt}, ValidTimeClause::At(0), {}});
      ASSERT_TRUE(rows.ok());
      if (rows->empty()) continue;
      ASSERT_EQ(rows->size(), 2u);
      ASSERT_EQ((*rows)[0].value, (*rows)[1].value);
      // The state as of a past transaction N is exactly what N wrote.
      const int64_t seen = (*rows)[0].value.int64_value();
      // What a read sees is published: never a write after the last
      // transaction reads are told of.
      ASSERT_LE(static_cast<uint64_t>(seen), (*db)->LastTransaction().id);
      absl::StatusOr<std::vector<Row>> past = (*db)->Query(
          {{"k", std::nullopt, std::nullopt}, ValidTimeClause::At(0), TxTimeClause::AsOfTx(static_cast<uint64_t>(seen))});
      ASSERT_TRUE(past.ok()) << past.status();
      ASSERT_EQ(past->size(), 2u);
      ASSERT_EQ((*past)[0].value, Value::Int64(seen));
      ASSERT_EQ((*past)[1].value, Value::Int64(seen));
      ++checks;
    }
  };
  std::thread r1(reader), r2(reader);
  for (int i = 1; i <= kTransactions; ++i) {
    Transaction txn;
    txn.Assert({"k", "a", "o"}, Value::Int64(i), {kNegInf, kPosInf});
    txn.Assert({"k", "b", "o"}, Value::Int64(i), {kNegInf, kPosInf});
    ASSERT_TRUE((*db)->Commit(txn).ok());
  }
  done = true;
  r1.join();
  r2.join();
  EXPECT_GT(checks.load(), 0);
}

// Slices read while commits keep filing segments in buckets and levels the
// predicate never had: a reader sees every segment of the transactions its
// answer reflects (the slice index's catalog learns of a bucket before the
// bucket can be seen).
TEST(ConcurrencyTest, SlicesSeeEveryBucketOfTheTransactionsTheyReflect) {
  ScratchDir dir;
  Options options;
  options.sync = false;
  std::unique_ptr<Database> db = std::move(Database::Open(dir.path(), options).value());
  constexpr int kTransactions = 1500;
  constexpr Instant v = Instant{1} << 62;
  std::atomic<bool> done{false};
  std::atomic<int> checks{0};
  const auto reader = [&]() {
    while (!done.load()) {
      // Transaction n sets the counter to n and adds two keys: n of each.
      const std::vector<Row> rows = db->Query({{std::nullopt, "p", std::nullopt}, ValidTimeClause::At(v), {}}).value();
      if (rows.empty()) continue;
      const auto counter = std::find_if(rows.begin(), rows.end(), [](const Row& r) { return r.key.subject == "counter"; });
      ASSERT_NE(counter, rows.end());
      ASSERT_EQ(rows.size(), 2 * static_cast<size_t>(counter->value.int64_value()) + 1);
      ++checks;
    }
  };
  std::thread r1(reader), r2(reader);
  for (int i = 1; i <= kTransactions; ++i) {
    Transaction txn;
    // A new open-ended bucket every time, and a new level for the first 60.
    txn.Assert({absl::StrCat("open", i), "p", "o"}, Value::Int64(i), {Instant{i} << 48, kPosInf});
    const Instant half = Instant{1} << (i % 60);
    txn.Assert({absl::StrCat("finite", i), "p", "o"}, Value::Int64(i), {v - half, v + half});
    txn.Assert({"counter", "p", "o"}, Value::Int64(i), {kNegInf, kPosInf});
    ASSERT_TRUE(db->Commit(txn).ok());
  }
  done = true;
  r1.join();
  r2.join();
  EXPECT_GT(checks.load(), 0);
}

// Slices read while a bulk load ingests group after group of new keys: an
// ingestion that finds no read holding the published snapshot goes without
// one (its tables then keep sequence number 0), so reads wait for it rather
// than see its keys before they are published.
TEST(ConcurrencyTest, ReadsNeverSeeABulkLoadsGroupBeforeItIsPublished) {
  ScratchDir dir;
  Options options;
  options.sync = false;
  options.bulk_load_memory_bytes = 16 << 10;  // a group every few transactions
  std::unique_ptr<Database> db = std::move(Database::Open(dir.path(), options).value());
  constexpr int kTransactions = 100, kKeysEach = 10;
  std::vector<Transaction> txns(kTransactions);
  for (int i = 1; i <= kTransactions; ++i) {
    // Transaction n sets the counter to n and adds keys: n * kKeysEach of them.
    for (int k = 0; k < kKeysEach; ++k) {
      txns[i - 1].Assert({absl::StrCat("key", 100000 + i * kKeysEach + k), "p", "o"}, Value::Int64(i),
                         {kNegInf, kPosInf});
    }
    txns[i - 1].Assert({"counter", "p", "o"}, Value::Int64(i), {kNegInf, kPosInf});
  }
  std::atomic<bool> done{false};
  std::atomic<int> checks{0};
  const auto reader = [&]() {
    while (!done.load()) {
      const std::vector<Row> rows = db->Query({{std::nullopt, "p", std::nullopt}, ValidTimeClause::At(0), {}}).value();
      if (rows.empty()) continue;
      const auto counter = std::find_if(rows.begin(), rows.end(), [](const Row& r) { return r.key.subject == "counter"; });
      ASSERT_NE(counter, rows.end());
      ASSERT_EQ(rows.size(), static_cast<size_t>(counter->value.int64_value()) * kKeysEach + 1);
      ASSERT_LE(static_cast<uint64_t>(counter->value.int64_value()), db->LastTransaction().id);
      ++checks;
    }
  };
  std::thread r1(reader), r2(reader);
  size_t loaded = 0;
  ASSERT_TRUE(db->BulkLoad(txns, &loaded).ok());
  done = true;
  r1.join();
  r2.join();
  EXPECT_EQ(loaded, txns.size());
  EXPECT_GT(checks.load(), 0);
}

// Compact holds no lock the writers take: commits, erasures and grouped
// commits written as ingested tables go on while it rewrites the files, and
// each leaves what it would alone.
TEST(ConcurrencyTest, CommitsGoOnWhileTheDatabaseCompacts) {
  ScratchDir dir;
  Options options;
  options.sync = false;
  options.commit_ingest_bytes = 4 << 10;  // CommitAll's groups become table files
  options.commit_group_bytes = 16 << 10;
  std::unique_ptr<Database> db = std::move(Database::Open(dir.path(), options).value());
  std::atomic<bool> done{false};
  std::atomic<int> compactions{0};
  std::thread compactor([&] {
    while (!done.load() || compactions.load() == 0) {
      ASSERT_TRUE(db->Compact().ok());
      ++compactions;
    }
  });
  constexpr int kRounds = 60, kKeys = 20;
  for (int round = 0; round < kRounds; ++round) {
    // A round: every key set to the round in one commit, the odd keys
    // erased in the next, then a group of commits setting them again.
    Transaction set;
    for (int k = 0; k < kKeys; ++k) set.Assert({absl::StrCat("key", k), "p", "o"}, Value::Int64(round), {round, kPosInf});
    ASSERT_TRUE(db->Commit(set).ok());
    Transaction erase;
    for (int k = 1; k < kKeys; k += 2) erase.Erase({absl::StrCat("key", k), "p", "o"});
    ASSERT_TRUE(db->Commit(erase).ok());
    std::vector<Transaction> group(kKeys / 2);
    for (int k = 1; k < kKeys; k += 2) {
      group[k / 2].Assert({absl::StrCat("key", k), "p", "o"}, Value::Int64(-round), {kNegInf, kPosInf});
    }
    size_t committed = 0;
    ASSERT_TRUE(db->CommitAll(group, &committed).ok());
    ASSERT_EQ(committed, group.size());
  }
  done = true;
  compactor.join();
  EXPECT_GT(compactions.load(), 0);
  EXPECT_EQ(db->LastTransaction().id, kRounds * (2 + kKeys / 2u));
  for (int k = 0; k < kKeys; ++k) {
    const std::vector<HistoryRow> rows = db->History({absl::StrCat("key", k), "p", "o"}).value();
    if (k % 2 == 1) {  // erased each round, its history starts again: the last group's row
      ASSERT_EQ(rows.size(), 1u) << k;
      EXPECT_EQ(rows[0].value, Value::Int64(1 - kRounds)) << k;
      continue;
    }
    // Each round closed the row of the one before at its own start.
    ASSERT_EQ(rows.size(), static_cast<size_t>(2 * kRounds - 1)) << k;
    const std::vector<Row> now = db->Query({{absl::StrCat("key", k), "p", "o"}, ValidTimeClause::All(), {}}).value();
    ASSERT_EQ(now.size(), static_cast<size_t>(kRounds)) << k;
    for (int r = 0; r < kRounds; ++r) EXPECT_EQ(now[r].value, Value::Int64(r)) << k;
  }
}

// Erases among commits of other threads, in the same groups: every record
// committed before an erase loses the erased key's operations, whichever
// group it was written in.
TEST(ConcurrencyTest, AnEraseRemovesItsKeysFromWhatWasCommittedBeforeItInAnyGroup) {
  ScratchDir dir;
  Options options;
  options.sync = false;
  std::unique_ptr<Database> db = std::move(Database::Open(dir.path(), options).value());
  constexpr int kKeys = 4, kWrites = 400, kErases = 80;
  const auto key = [](int k) { return FactKey{absl::StrCat("key", k), "p", "o"}; };
  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) {
      Transaction txn;
      txn.Assert(key(i % kKeys), Value::Int64(i), {i, kPosInf});
      txn.Assert({absl::StrCat("other", i), "p", "o"}, Value::Int64(i), {0, kPosInf});
      ASSERT_TRUE(db->Commit(txn).ok());
    }
  });
  std::vector<uint64_t> last_erase(kKeys, 0);
  for (int e = 0; e < kErases; ++e) {
    Transaction erase;
    erase.Erase(key(e % kKeys));
    absl::StatusOr<TransactionInfo> info = db->Commit(erase);
    ASSERT_TRUE(info.ok()) << info.status();
    last_erase[e % kKeys] = info->id;
  }
  writer.join();
  // No record before a key's last erase names it; every write after it does.
  std::vector<int> writes_after(kKeys, 0);
  ASSERT_TRUE(db->ScanLog(1, [&](const TransactionInfo& info, const Transaction& txn) {
                 for (const Operation& op : txn.operations()) {
                   if (op.kind != Operation::Kind::kAssert || op.key.subject.rfind("key", 0) != 0) continue;
                   const int k = op.key.subject.back() - '0';
                   EXPECT_GT(info.id, last_erase[k]) << "transaction " << info.id << " still names " << op.key.subject;
                   ++writes_after[k];
                 }
                 return true;
               }).ok());
  // Each write after the erase starts later than the one before: a piece of the timeline each.
  for (int k = 0; k < kKeys; ++k) {
    const std::vector<Row> now = db->Query({{key(k).subject, "p", "o"}, ValidTimeClause::All(), {}}).value();
    EXPECT_EQ(now.size(), static_cast<size_t>(writes_after[k])) << k;
  }
}

// A bulk load into a new database leaves its tables at the bottom of their
// families with sequence number 0, so that RocksDB never rewrites them only
// to clear it once a later commit's snapshot passes theirs.
TEST(BulkLoadTest, TablesLandAtTheBottomWithSequenceNumberZero) {
  ScratchDir dir;
  {
    Options options;
    options.sync = false;
    std::unique_ptr<Database> db = std::move(Database::Open(dir.path(), options).value());
    std::vector<Transaction> txns(50);
    for (int i = 0; i < 50; ++i) {
      for (int k = 0; k < 20; ++k) {
        txns[i].Assert({absl::StrCat("s", k), "p", absl::StrCat("o", k % 3)}, Value::Int64(i), {Instant{i}, kPosInf});
      }
    }
    size_t loaded = 0;
    ASSERT_TRUE(db->BulkLoad(txns, &loaded).ok());
    ASSERT_EQ(loaded, txns.size());
  }
  RawRocks raw(dir.path(), /*read_only=*/true);
  std::vector<rocksdb::LiveFileMetaData> files;
  raw.db()->GetLiveFilesMetaData(&files);
  size_t bottom = 0;
  for (const rocksdb::LiveFileMetaData& f : files) {
    if (f.level != 6) continue;
    ++bottom;
    EXPECT_EQ(f.largest_seqno, 0u) << f.column_family_name << " " << f.name;
  }
  EXPECT_EQ(bottom, 6u);  // names, timelines, keys, txlog, txinfo, slices
}

}  // namespace
}  // namespace hindsight::testing

namespace hindsight::testing {
namespace {

// Keys with long histories: their oldest closed rows leave the record for
// column family `history`, by commit or by bulk load, and every answer is
// the same as with everything kept in the record.
// Keys whose live timelines grow long (a value for each day, edits in the
// past, retracts and asserts over everything, erases) are kept in chunks
// of two segments: committed one by one, in groups and bulk loaded, every
// answer matches the reference model, and chunks were written and removed.
TEST(LongLiveTimelineTest, ChunkedTimelinesMatchTheReferenceModel) {
  constexpr int kDays = 120;
  std::mt19937 rng(7);
  const auto uniform = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const FactKey keys[] = {{"hot", "price", "x"}, {"hot", "rate", "x"}, {"cold", "price", "x"}};
  std::vector<Transaction> txns;
  for (int t = 1; t <= 160; ++t) {
    Transaction txn;
    txn.SetTime(t * kDay);
    const int ops = uniform(1, 4);
    for (int o = 0; o < ops; ++o) {
      const FactKey& k = keys[uniform(0, 9) < 8 ? uniform(0, 1) : 2];
      const int day = t < 100 ? t : uniform(0, kDays);  // days in order, then anywhere
      const int kind = uniform(0, 99);
      if (kind < 80) {  // (equal neighbours coalesce)
        txn.Assert(k, Value::Int64(uniform(0, 9)), {day * kDay, (day + uniform(1, 3)) * kDay});
      } else if (kind < 95) {
        txn.Retract(k, {day * kDay, (day + uniform(1, 2)) * kDay});
      } else if (t <= 100) {  // what wipes many segments comes later
        txn.Assert(k, Value::Int64(-1), {day * kDay, (day + 1) * kDay});
      } else if (kind < 97) {
        txn.Assert(k, Value::String("all"), {uniform(0, 1) ? kNegInf : day * kDay, kPosInf});
      } else if (kind < 99) {
        txn.Retract(k, {kNegInf, day * kDay});
      } else {
        txn.Erase(k);
      }
    }
    txns.push_back(std::move(txn));
  }
  ReferenceModel model;  // after the transactions committed so far
  ScratchDir dir;
  const auto open = [&](const std::string& name) {
    Options options;
    options.sync = false;
    options.live_chunk_segments = 2;
    options.closed_bytes_in_record = 256;
    return std::move(Database::Open(dir.Sub(name), options).value());
  };
  std::vector<Pattern> patterns = {{}, {"hot", std::nullopt, std::nullopt}, {std::nullopt, std::nullopt, "x"},
                                   {std::nullopt, "price", std::nullopt}, {"hot", std::nullopt, "x"}};
  for (const FactKey& k : keys) patterns.push_back(Exact(k));
  std::vector<ValidTimeClause> valid = {ValidTimeClause::All(), ValidTimeClause::At(kNegInf),
                                        ValidTimeClause::During({40 * kDay, 45 * kDay})};
  for (int day = -1; day <= kDays + 4; day += 7) {
    valid.push_back(ValidTimeClause::At(day * kDay + 1));
    valid.push_back(ValidTimeClause::During({day * kDay, (day + 1) * kDay + day % 3}));
  }
  const auto text = [](const auto& rows) {
    std::string out;
    for (const auto& r : rows) {
      if constexpr (std::is_same_v<std::decay_t<decltype(r)>, HistoryRow>) {
        internal::AppendHistoryRow(r, &out);
      } else {
        internal::AppendRow(r, &out);
      }
    }
    return out;
  };
  // Every read of `db` `as_of` against the model.
  const auto check_reads = [&](const Database& db, TxTimeClause as_of) {
    for (const Pattern& p : patterns) {
      for (const ValidTimeClause& v : valid) {
        ASSERT_EQ(text(db.Query({p, v, as_of}).value()), text(model.Query({p, v, as_of})))
            << "after transaction " << model.transaction_count() << ", pattern " << p.subject.value_or("*") << " "
            << p.predicate.value_or("*") << " " << p.object.value_or("*");
      }
    }
  };
  std::unique_ptr<Database> one = open("one"), grouped = open("grouped"), bulk = open("bulk");
  size_t chunk_keys_seen = 0;
  for (size_t i = 0; i < txns.size(); ++i) {
    ASSERT_TRUE(one->Commit(txns[i]).ok()) << "transaction " << i + 1;
    model.Commit(txns[i], *txns[i].time());
    if ((i + 1) % 20 == 0) check_reads(*one, TxTimeClause::Latest());
    if (i == 60) {  // the long timelines are in chunks by now
      one.reset();
      RawRocks raw(dir.Sub("one"), /*read_only=*/true);
      std::unique_ptr<rocksdb::Iterator> it(raw.db()->NewIterator(rocksdb::ReadOptions(), raw.Family("timelines")));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        chunk_keys_seen += it->key().size() == internal::kLiveChunkKeyBytes;
      }
      it.reset();
      one = open("one");
    }
  }
  EXPECT_GE(chunk_keys_seen, 20u) << chunk_keys_seen;
  size_t committed = 0, loaded = 0;
  ASSERT_TRUE(grouped->CommitAll(txns, &committed).ok());
  ASSERT_TRUE(bulk->BulkLoad(txns, &loaded).ok());
  for (const Database* db : {one.get(), grouped.get(), bulk.get()}) {
    for (const Pattern& p : patterns) ASSERT_EQ(text(db->History(p).value()), text(model.History(p)));
    for (uint64_t id = 10; id <= txns.size(); id += 30) check_reads(*db, TxTimeClause::AsOfTx(id));
    check_reads(*db, TxTimeClause::Latest());
  }
  // Erasing the keys removes their chunks with their records.
  Transaction erase;
  for (const FactKey& k : keys) erase.Erase(k);
  ASSERT_TRUE(one->Commit(erase).ok());
  EXPECT_TRUE(one->History({}).value().empty());
  one.reset();
  RawRocks raw(dir.Sub("one"), /*read_only=*/true);
  std::unique_ptr<rocksdb::Iterator> it(raw.db()->NewIterator(rocksdb::ReadOptions(), raw.Family("timelines")));
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
}

// A live chunk that is gone is DataLoss naming its key, for a read that
// needs it and for a commit that reaches it; the commit writes nothing.
TEST(LongLiveTimelineTest, AMissingChunkIsDataLoss) {
  ScratchDir dir;
  Options options;
  options.sync = false;
  options.live_chunk_segments = 2;
  const FactKey key{"hot", "price", "x"};
  {
    std::unique_ptr<Database> db = std::move(Database::Open(dir.path(), options).value());
    for (int day = 0; day < 10; ++day) {
      Transaction txn;
      txn.Assert(key, Value::Int64(day), {day * kDay, (day + 1) * kDay});
      ASSERT_TRUE(db->Commit(txn).ok());
    }
  }
  {
    RawRocks raw(dir.path(), /*read_only=*/false);
    std::unique_ptr<rocksdb::Iterator> it(raw.db()->NewIterator(rocksdb::ReadOptions(), raw.Family("timelines")));
    it->SeekToFirst();
    for (; it->Valid() && it->key().size() != internal::kLiveChunkKeyBytes; it->Next()) {
    }
    ASSERT_TRUE(it->Valid());  // the first chunk, days 0 and 1
    ASSERT_TRUE(raw.db()->Delete(rocksdb::WriteOptions(), raw.Family("timelines"), it->key()).ok());
  }
  std::unique_ptr<Database> db = std::move(Database::Open(dir.path(), options).value());
  const absl::StatusOr<std::vector<Row>> late = db->Query({Exact(key), ValidTimeClause::At(9 * kDay), {}});
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_EQ(late->size(), 1u);
  const absl::StatusOr<std::vector<Row>> early = db->Query({Exact(key), ValidTimeClause::At(kDay), {}});
  EXPECT_EQ(early.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(early.status().message(), "hot, price, x")) << early.status();
  Transaction edit;
  edit.Assert(key, Value::Int64(-1), {kDay, 2 * kDay});
  const absl::StatusOr<TransactionInfo> committed = db->Commit(edit);
  EXPECT_EQ(committed.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(committed.status().message(), "hot, price, x")) << committed.status();
  EXPECT_EQ(db->History({}).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(db->LastTransaction().id, 10u);
}

TEST(LongHistoryTest, RowsMovedOutOfTheRecordAnswerTheSame) {
  constexpr Instant kDay = 86'400'000'000;
  std::vector<Transaction> txns;
  for (int i = 1; i <= 60; ++i) {
    Transaction txn;
    txn.SetTime(i * kDay);
    txn.Assert({"hot", "price", "x"}, Value::Int64(i), {i * kDay, kPosInf});
    txn.Assert({"hot", "name", "x"}, Value::String(std::string(i, 'n')), {kNegInf, kPosInf});
    if (i % 7 == 0) txn.Assert({"cold", "price", "x"}, Value::Int64(i), {0, kPosInf});
    if (i == 45) txn.Retract({"hot", "price", "x"}, {kNegInf, kPosInf});  // closes 44 rows at once
    txns.push_back(std::move(txn));
  }
  ScratchDir dir;
  const auto open = [&](const std::string& name, size_t closed_bytes_in_record) {
    Options options;
    options.sync = false;
    options.closed_bytes_in_record = closed_bytes_in_record;
    return std::move(Database::Open(dir.Sub(name), options).value());
  };
  std::unique_ptr<Database> kept = open("kept", size_t{1} << 30);
  std::unique_ptr<Database> moved = open("moved", 200);
  std::unique_ptr<Database> bulk = open("bulk", 200);
  for (const Transaction& txn : txns) {
    ASSERT_TRUE(kept->Commit(txn).ok());
    ASSERT_TRUE(moved->Commit(txn).ok());
  }
  size_t loaded = 0;
  ASSERT_TRUE(bulk->BulkLoad(txns, &loaded).ok());
  const auto dump = [](const Database& db, TxTimeClause as_of) {
    std::string out;
    const std::vector<Row> rows = db.Query({{}, ValidTimeClause::All(), as_of}).value();
    for (const Row& r : rows) {
      absl::StrAppend(&out, r.key.subject, r.key.predicate, FormatValue(r.value), r.valid.from, r.valid.to, "\n");
    }
    return out;
  };
  const auto history = [](const Database& db) {
    std::string out;
    const std::vector<HistoryRow> rows = db.History({}).value();
    for (const HistoryRow& r : rows) {
      absl::StrAppend(&out, r.key.subject, r.key.predicate, FormatValue(r.value), r.valid.from, r.tx.from, r.tx.to, "\n");
    }
    return out;
  };
  EXPECT_EQ(history(*moved), history(*kept));
  EXPECT_EQ(history(*bulk), history(*kept));
  for (uint64_t id = 1; id <= txns.size(); ++id) {
    const std::string expected = dump(*kept, TxTimeClause::AsOfTx(id));
    ASSERT_EQ(dump(*moved, TxTimeClause::AsOfTx(id)), expected) << "as of tx " << id;
    ASSERT_EQ(dump(*bulk, TxTimeClause::AsOfTx(id)), expected) << "as of tx " << id;
  }
  // `* P *` at v, answered from the slice index, whose open-ended buckets a
  // bulk load makes known to the same process.
  size_t slice_rows = 0;
  for (const char* predicate : {"price", "name"}) {
    for (const Instant v : {kNegInf, Instant{0}, 3 * kDay, 50 * kDay, 100 * kDay}) {
      const Query slice{{std::nullopt, predicate, std::nullopt}, ValidTimeClause::At(v), TxTimeClause::Latest()};
      const std::vector<Row> expected = kept->Query(slice).value();
      EXPECT_EQ(bulk->Query(slice).value(), expected) << predicate << " at " << v;
      slice_rows += expected.size();
    }
  }
  EXPECT_GE(slice_rows, 8u);
  // The rows did leave the records: count the entries of `history`, with the
  // databases closed so that no background compaction races the raw reader.
  kept.reset();
  moved.reset();
  bulk.reset();
  const auto history_entries = [&](const std::string& name) {
    RawRocks raw(dir.Sub(name), /*read_only=*/true);
    size_t count = 0;
    std::unique_ptr<rocksdb::Iterator> it(raw.db()->NewIterator(rocksdb::ReadOptions(), raw.Family("history")));
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++count;
    return count;
  };
  EXPECT_EQ(history_entries("kept"), 0u);
  EXPECT_GT(history_entries("moved"), 5u);
  EXPECT_GT(history_entries("bulk"), 5u);
  // Erasing a key removes the rows moved out of its record too.
  kept = open("kept", size_t{1} << 30);
  moved = open("moved", 200);
  Transaction erase;
  erase.Erase({"hot", "name", "x"});
  ASSERT_TRUE(moved->Commit(erase).ok());
  ASSERT_TRUE(kept->Commit(erase).ok());
  EXPECT_EQ(history(*moved), history(*kept));
  EXPECT_EQ(history(*moved).find("hotname"), std::string::npos);
}

// Reads as of a past time read the key's `history` chunks from the first
// with a row closed after it, and stop at a chunk after which no row begun
// by then is alive (key_codec.h, HistoryKey). Every transaction's view of
// keys corrected again and again, of a long live timeline and of rows
// alive for long, against the model, with the live timeline whole and in
// chunks (whose rows' txFrom a commit does not all read: no bound).
TEST(LongHistoryTest, ReadsAsOfEveryTransactionMatchTheReferenceModel) {
  std::mt19937 rng(11);
  const auto uniform = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const FactKey config{"app", "limit", "x"}, series{"hot", "price", "x"}, cold{"cold", "price", "x"};
  std::vector<Transaction> txns;
  for (int t = 1; t <= 150; ++t) {
    Transaction txn;
    txn.SetTime(t * kDay);
    if (uniform(0, 3) > 0) txn.Assert(config, Value::Int64(uniform(0, 5)), {kNegInf, kPosInf});
    if (uniform(0, 1) == 0) txn.Assert(series, Value::Int64(uniform(0, 5)), {t * kDay, kPosInf});
    if (uniform(0, 5) == 0) txn.Retract(series, {uniform(0, t) * kDay, uniform(t, 150) * kDay});
    if (t % 37 == 0) txn.Assert(cold, Value::Int64(t), {uniform(0, 150) * kDay, kPosInf});
    if (t == 120) txn.Retract(config, {kNegInf, kPosInf});
    if (!txn.operations().empty()) txns.push_back(std::move(txn));
  }
  ReferenceModel model;
  for (const Transaction& txn : txns) model.Commit(txn, *txn.time());
  const std::vector<Pattern> patterns = {{}, Exact(config), Exact(series), Exact(cold)};
  std::vector<ValidTimeClause> valid = {ValidTimeClause::All()};
  for (int day = 0; day <= 150; day += 17) valid.push_back(ValidTimeClause::At(day * kDay));
  const auto text = [](const std::vector<Row>& rows) {
    std::string out;
    for (const Row& r : rows) internal::AppendRow(r, &out);
    return out;
  };
  ScratchDir dir;
  for (const size_t chunk_segments : {size_t{128}, size_t{2}}) {
    const auto open = [&](const std::string& name) {
      Options options;
      options.sync = false;
      options.closed_bytes_in_record = 128;
      options.live_chunk_segments = chunk_segments;
      return std::move(Database::Open(dir.Sub(absl::StrCat(name, chunk_segments)), options).value());
    };
    std::unique_ptr<Database> one = open("one"), grouped = open("grouped"), bulk = open("bulk");
    for (const Transaction& txn : txns) ASSERT_TRUE(one->Commit(txn).ok());
    size_t done = 0;
    ASSERT_TRUE(grouped->CommitAll(txns, &done).ok());
    ASSERT_TRUE(bulk->BulkLoad(txns, &done).ok());
    for (const Database* db : {one.get(), grouped.get(), bulk.get()}) {
      for (uint64_t id = 1; id <= txns.size(); ++id) {
        const Instant time = *txns[id - 1].time();
        for (const TxTimeClause as_of : {TxTimeClause::AsOfTx(id), TxTimeClause::AsOf(time - 1)}) {
          for (const Pattern& p : patterns) {
            for (const ValidTimeClause& v : valid) {
              ASSERT_EQ(text(db->Query({p, v, as_of}).value()), text(model.Query({p, v, as_of})))
                  << "chunks of " << chunk_segments << ", as of tx " << id << ", pattern "
                  << p.subject.value_or("*");
            }
          }
        }
      }
    }
  }
}

// A key corrected at every transaction: a read as of an early time reads
// the chunk that holds it and no later one, as a damaged later chunk shows.
TEST(LongHistoryTest, AReadAsOfAnEarlyTimeReadsNoLaterChunk) {
  ScratchDir dir;
  Options options;
  options.sync = false;
  options.closed_bytes_in_record = 128;
  const FactKey key{"app", "limit", "x"};
  {
    std::unique_ptr<Database> db = std::move(Database::Open(dir.path(), options).value());
    for (int t = 1; t <= 100; ++t) {
      Transaction txn;
      txn.SetTime(t * kDay);
      txn.Assert(key, Value::Int64(t), {kNegInf, kPosInf});
      ASSERT_TRUE(db->Commit(txn).ok());
    }
  }
  {
    RawRocks raw(dir.path(), /*read_only=*/false);
    std::unique_ptr<rocksdb::Iterator> it(raw.db()->NewIterator(rocksdb::ReadOptions(), raw.Family("history")));
    size_t chunks = 0;
    std::string last;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++chunks;
      last = it->key().ToString();
    }
    it.reset();
    ASSERT_GE(chunks, 10u);
    ASSERT_EQ(last.size(), internal::kHistoryKeyBytes);
    ASSERT_TRUE(raw.db()->Put(rocksdb::WriteOptions(), raw.Family("history"), last, "damaged").ok());
  }
  std::unique_ptr<Database> db = std::move(Database::Open(dir.path(), options).value());
  const absl::StatusOr<std::vector<Row>> rows = db->Query({Exact(key), ValidTimeClause::At(0), TxTimeClause::AsOfTx(5)});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(FormatValue((*rows)[0].value), "5");
  EXPECT_EQ(db->History(Exact(key)).status().code(), absl::StatusCode::kDataLoss);
}

// ScanHistoryChanged reads a window's log records while they hold few
// operations (4,096 here: the database has few keys) and scans the
// pattern's keys past that: both give the model's answer.
TEST(HistoryChangedTest, ReadFromTheLogOrByAScanAlike) {
  std::mt19937 rng(5);
  const auto uniform = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const auto key = [&](int i) { return FactKey{absl::StrCat("e", i), absl::StrCat("p", i % 3), absl::StrCat("o", i % 7)}; };
  std::vector<Transaction> txns;
  size_t operations = 0;
  for (int t = 1; t <= 1500; ++t) {
    Transaction txn;
    txn.SetTime(t * kDay);
    for (int o = uniform(1, 6); o > 0; --o) {
      const FactKey k = key(uniform(0, 149));
      const int day = uniform(0, 50);
      if (const int kind = uniform(0, 99); kind < 75) {
        txn.Assert(k, Value::Int64(uniform(0, 3)), {day * kDay, (day + uniform(1, 20)) * kDay});
      } else if (kind < 99 || t < 1400) {
        txn.Retract(k, {day * kDay, (day + uniform(1, 20)) * kDay});
      } else {  // (an erase takes its key's operations out of the log)
        txn.Erase(k);
      }
    }
    if (t == 1) txn.Assert({"cold", "p1", "o1"}, Value::Int64(0), {0, kPosInf});  // unchanged since
    operations += txn.operations().size();
    txns.push_back(std::move(txn));
  }
  ASSERT_GT(operations * 99 / 100, 4096u);
  ReferenceModel model;
  for (const Transaction& txn : txns) model.Commit(txn, *txn.time());
  ScratchDir dir;
  Options options;
  options.sync = false;
  std::unique_ptr<Database> db = std::move(Database::Open(dir.path(), options).value());
  size_t committed = 0;
  ASSERT_TRUE(db->CommitAll(txns, &committed).ok());
  const std::vector<std::pair<Instant, Instant>> windows = {
      {kNegInf, kPosInf}, {kDay, kPosInf}, {10 * kDay, 1500 * kDay},  // scans
      {0, kDay}, {kDay, 3 * kDay}, {599 * kDay, 600 * kDay}, {700 * kDay, 1100 * kDay},
      {1499 * kDay, kPosInf}, {1500 * kDay, kPosInf}, {5 * kDay, 5 * kDay}, {9 * kDay, 3 * kDay}};
  const std::vector<Pattern> patterns = {{}, {std::nullopt, "p1", std::nullopt}, {"e7", std::nullopt, std::nullopt}};
  const auto text = [](const std::vector<HistoryRow>& rows) {
    std::string out;
    for (const HistoryRow& r : rows) internal::AppendHistoryRow(r, &out);
    return out;
  };
  for (const auto& [after, through] : windows) {
    for (const Pattern& p : patterns) {
      std::vector<HistoryRow> got;
      ASSERT_TRUE(db->ScanHistoryChanged(p, after, through, [&got](HistoryRow& r) {
                      got.push_back(r);
                      return true;
                    }).ok());
      ASSERT_EQ(text(got), text(model.HistoryChanged(p, after, through)))
          << "changed in (" << after << ", " << through << "], subject " << p.subject.value_or("*");
    }
  }
}

}  // namespace
}  // namespace hindsight::testing
