// Database::Check: a database built any way is sound; each kind of damage
// is found and named.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "hindsight/db.h"
#include "keys/key_codec.h"
#include "random_transaction.h"
#include "raw_rocks.h"
#include "storage/column_families.h"
#include "storage/records.h"
#include "test_util.h"

namespace hindsight::testing {
namespace {

enum class Writer { kCommit, kCommitAll, kBulkLoad };

// Small records, so that random histories spill older rows and keep live
// timelines in chunks.
Options SmallRecords() {
  Options options;
  options.sync = false;
  options.closed_bytes_in_record = 256;
  options.live_chunk_segments = 2;
  return options;
}

// `n` random transactions (erases among them) written into `dir` by `writer`.
void Build(const std::string& dir, Writer writer, uint32_t seed, int n) {
  std::mt19937 rng(seed);
  std::vector<Transaction> txns;
  for (int i = 0; i < n; ++i) {
    Transaction as_keys;
    txns.push_back(RandomTransaction(rng, Instant{i + 1} * kDay, &as_keys));
  }
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(dir, SmallRecords());
  ASSERT_TRUE(db.ok()) << db.status();
  size_t done = 0;
  switch (writer) {
    case Writer::kCommit:
      for (const Transaction& txn : txns) ASSERT_TRUE((*db)->Commit(txn).ok());
      break;
    case Writer::kCommitAll:
      ASSERT_TRUE((*db)->CommitAll(txns, &done).ok());
      break;
    case Writer::kBulkLoad:
      ASSERT_TRUE((*db)->BulkLoad(txns, &done).ok());
      break;
  }
}

// A step of a check, as its progress told it.
struct StepSeen {
  std::string step;
  std::string unit;
  uint64_t done = 0;  // at its last call
  bool counted_up = true;  // started at 0, never went back
};

absl::StatusOr<CheckReport> CheckOf(const std::string& dir, std::vector<StepSeen>* steps = nullptr) {
  Options options = SmallRecords();
  options.create_if_missing = false;
  options.read_only = true;
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(dir, options);
  if (!db.ok()) return db.status();
  return (*db)->Check([steps](const CheckProgress& p) {
    if (steps == nullptr) return;
    if (steps->empty() || steps->back().step != p.step) {
      steps->push_back({std::string(p.step), std::string(p.unit), p.done, p.done == 0});
      return;
    }
    steps->back().counted_up &= p.done >= steps->back().done;
    steps->back().done = p.done;
  });
}

// The count a step ended with, by its unit.
uint64_t CountOf(const std::vector<StepSeen>& steps, const std::string& unit) {
  for (const StepSeen& s : steps) {
    if (s.unit == unit) return s.done;
  }
  return ~uint64_t{0};
}

TEST(CheckTest, ADatabaseWrittenAnyWayIsSound) {
  CheckReport seen;  // that the databases have every part a check reads
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    for (const Writer writer : {Writer::kCommit, Writer::kCommitAll, Writer::kBulkLoad}) {
      ScratchDir dir;
      const int n = 40;
      Build(dir.path(), writer, seed, n);
      std::vector<StepSeen> steps;
      absl::StatusOr<CheckReport> report = CheckOf(dir.path(), &steps);
      ASSERT_TRUE(report.ok()) << "seed " << seed << ", writer " << static_cast<int>(writer) << ": "
                               << report.status();
      EXPECT_EQ(report->transactions, static_cast<uint64_t>(n));
      EXPECT_GT(report->keys, 0u);
      EXPECT_GT(report->table_files, 0u);
      EXPECT_EQ(steps.size(), 6u);
      // Each step's progress counts up from 0 to what it read.
      for (const StepSeen& step : steps) EXPECT_TRUE(step.counted_up) << step.step;
      EXPECT_EQ(CountOf(steps, "table files"), report->table_files);
      EXPECT_EQ(CountOf(steps, "transactions"), report->transactions);
      EXPECT_EQ(CountOf(steps, "keys"), report->keys);
      EXPECT_EQ(CountOf(steps, "chunks"), report->older_rows);
      EXPECT_EQ(CountOf(steps, "buckets"), report->slice_buckets);
      EXPECT_GE(CountOf(steps, "entries"), 4 * report->keys);
      seen.live_chunks += report->live_chunks;
      seen.older_rows += report->older_rows;
      seen.live_segments += report->live_segments;
      seen.slice_buckets += report->slice_buckets;
    }
  }
  EXPECT_GT(seen.live_chunks, 0u);
  EXPECT_GT(seen.older_rows, 0u);
  EXPECT_GT(seen.live_segments, 0u);
  EXPECT_GT(seen.slice_buckets, 0u);
}

TEST(CheckTest, ChecksBesideCommitsAndErasesFindNothingWrong) {
  // Each check reads one snapshot; the commits after it, erases of keys
  // and their names among them, change nothing it reads.
  ScratchDir dir;
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(dir.path(), SmallRecords());
  ASSERT_TRUE(db.ok()) << db.status();
  std::atomic<bool> done = false;
  std::thread writer([&] {
    std::mt19937 rng(3);
    for (int i = 0; i < 2000; ++i) {
      Transaction as_keys;
      EXPECT_TRUE((*db)->Commit(RandomTransaction(rng, Instant{i + 1} * kDay, &as_keys)).ok());
    }
    done = true;
  });
  int checks = 0;
  while (!done || checks == 0) {
    const absl::StatusOr<CheckReport> report = (*db)->Check(nullptr);
    ASSERT_TRUE(report.ok()) << report.status() << " (check " << checks << ")";
    ++checks;
  }
  writer.join();
  EXPECT_GT(checks, 1);
}

// A sound database, then one change made to its RocksDB files directly.
class DamageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Build(dir_.path(), Writer::kCommit, 7, 60);
    ASSERT_TRUE(CheckOf(dir_.path()).ok());
  }
  // Check's error after `damage`, which gets the raw database.
  std::string CheckAfter(const std::function<void(RawRocks&)>& damage) {
    {
      RawRocks raw(dir_.path(), /*read_only=*/false);
      damage(raw);
    }
    absl::StatusOr<CheckReport> report = CheckOf(dir_.path());
    EXPECT_TRUE(absl::IsDataLoss(report.status())) << report.status();
    return std::string(report.status().message());
  }
  // The first entry of column family `family` whose key passes `want`.
  static std::pair<std::string, std::string> First(RawRocks& raw, const std::string& family,
                                                   const std::function<bool(std::string_view)>& want) {
    std::unique_ptr<rocksdb::Iterator> it(raw.db()->NewIterator(rocksdb::ReadOptions(), raw.Family(family)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (want(std::string_view(it->key().data(), it->key().size()))) {
        return {it->key().ToString(), it->value().ToString()};
      }
    }
    ADD_FAILURE() << "no such entry in " << family;
    return {};
  }
  static void Delete(RawRocks& raw, const std::string& family, const std::string& key) {
    ASSERT_TRUE(raw.db()->Delete(rocksdb::WriteOptions(), raw.Family(family), key).ok());
  }
  static void Put(RawRocks& raw, const std::string& family, const std::string& key, const std::string& value) {
    ASSERT_TRUE(raw.db()->Put(rocksdb::WriteOptions(), raw.Family(family), key, value).ok());
  }
  static bool Tagged(std::string_view key, char tag) { return !key.empty() && key[0] == tag; }

  ScratchDir dir_;
};

TEST_F(DamageTest, AMissingIndexEntryNamesTheKeyAndTheEntry) {
  const std::string error = CheckAfter([](RawRocks& raw) {
    Delete(raw, "keys", First(raw, "keys", [](std::string_view k) { return Tagged(k, 'S'); }).first);
  });
  EXPECT_TRUE(absl::StrContains(error, "its subject index entry is missing (column family keys, key (")) << error;
}

TEST_F(DamageTest, AnIndexCopyThatDiffersFromTheRecordIsFound) {
  const std::string error = CheckAfter([](RawRocks& raw) {
    const auto [key, value] = First(raw, "keys", [](std::string_view k) { return Tagged(k, 'O'); });
    Put(raw, "keys", key, value + "x");
  });
  EXPECT_TRUE(absl::StrContains(error, "its object index entry differs from the key's record")) << error;
}

TEST_F(DamageTest, AnIndexEntryOfAKeyThatIsGoneIsFound) {
  const std::string error = CheckAfter([](RawRocks& raw) {
    Put(raw, "keys", internal::PredicateIndexKey({1000000, 1000001, 1000002}), "");
  });
  EXPECT_TRUE(absl::StrContains(error, "entries tagged 'P'")) << error;
  EXPECT_TRUE(absl::StrContains(error, "1 left from keys that are gone")) << error;
}

TEST_F(DamageTest, AMissingOrMismatchedSummaryIsNamed) {
  std::string error = CheckAfter([](RawRocks& raw) { Delete(raw, "txinfo", internal::TxKey(5)); });
  EXPECT_TRUE(absl::StrContains(error, "transaction 5: has no summary")) << error;
  error = CheckAfter([](RawRocks& raw) {
    Put(raw, "txinfo", internal::TxKey(5), First(raw, "txinfo", [](std::string_view k) {
      return k == internal::TxKey(6);
    }).second);
  });
  EXPECT_TRUE(absl::StrContains(error, "transaction 5: its summary (column family txinfo) differs")) << error;
}

TEST_F(DamageTest, AMentionOfARecordThatDoesNotNameItsKeyIsFound) {
  const std::string digest = KeyDigest({"no", "such", "key"});
  std::string error = CheckAfter([&](RawRocks& raw) { Put(raw, "keys", internal::MentionKey(digest, 5), ""); });
  EXPECT_TRUE(absl::StrContains(error, "whose log record holds no operation on its key")) << error;
  error = CheckAfter([&](RawRocks& raw) {
    Delete(raw, "keys", internal::MentionKey(digest, 5));
    Put(raw, "keys", internal::MentionKey(digest, 1000), "");
  });
  EXPECT_TRUE(absl::StrContains(error, "names a transaction the log does not have")) << error;
}

TEST_F(DamageTest, AnOperationAnEraseWouldNotFindIsNamed) {
  // Without its mention, an erase of the key would leave the operation's
  // names in the log.
  uint64_t id = 0;
  const std::string error = CheckAfter([&id](RawRocks& raw) {
    const std::string mention = First(raw, "keys", [](std::string_view k) { return Tagged(k, 'M'); }).first;
    id = internal::MentionId(mention);
    Delete(raw, "keys", mention);
  });
  EXPECT_TRUE(absl::StrContains(error, absl::StrCat("transaction ", id, ": its operation on the key "))) << error;
  EXPECT_TRUE(absl::StrContains(error, "is neither at a row of the key nor in a mention")) << error;
}

TEST_F(DamageTest, ATransactionMissingFromTheLogIsNamed) {
  const std::string error = CheckAfter([](RawRocks& raw) { Delete(raw, "txlog", internal::TxKey(9)); });
  EXPECT_TRUE(absl::StrContains(error, "transaction 9: missing from the log")) << error;
}

TEST_F(DamageTest, ASliceBucketThatDiffersFromTheKeysIsFound) {
  std::string error = CheckAfter([](RawRocks& raw) {
    Delete(raw, "slices", First(raw, "slices", [](std::string_view) { return true; }).first);
  });
  EXPECT_TRUE(absl::StrContains(error, "(column family slices) is missing: the keys have")) << error;
}

TEST_F(DamageTest, ARecordWhoseNameIsGoneIsFound) {
  const std::string error = CheckAfter([](RawRocks& raw) {
    Delete(raw, "names", First(raw, "names", [](std::string_view) { return true; }).first);
  });
  EXPECT_TRUE(absl::StrContains(error, "which is no name (column family names)")) << error;
}

TEST_F(DamageTest, ATableFileWhoseBytesChangedFailsItsChecksums) {
  {
    RawRocks raw(dir_.path(), /*read_only=*/false);
    ASSERT_TRUE(raw.db()->CompactRange(rocksdb::CompactRangeOptions(), raw.Family("timelines"), nullptr, nullptr).ok());
  }
  std::string largest;
  uintmax_t size = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir_.path())) {
    if (f.path().extension() == ".sst" && f.file_size() > size) {
      size = f.file_size();
      largest = f.path().string();
    }
  }
  ASSERT_GT(size, 1000u);
  {
    std::fstream file(largest, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(size / 4));
    char byte = 0;
    file.read(&byte, 1);
    file.seekp(static_cast<std::streamoff>(size / 4));
    byte = static_cast<char>(byte ^ 0x40);
    file.write(&byte, 1);
  }
  absl::StatusOr<CheckReport> report = CheckOf(dir_.path());
  EXPECT_TRUE(absl::IsDataLoss(report.status())) << report.status();
  EXPECT_TRUE(absl::StrContains(report.status().message(), "a table file fails its checksums")) << report.status();
}

}  // namespace
}  // namespace hindsight::testing
