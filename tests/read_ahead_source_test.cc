// ReadAheadSource: a source's transactions come out in their order, then
// its end or error; once started, the timeline records of their keys are
// read ahead on a thread, within its bound, handed out once, and dropped by
// Invalidate.
#include "storage/read_ahead_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "storage/column_families.h"
#include "random_transaction.h"

namespace hindsight::internal {
namespace {

using testing::kDay;

// Stored values in memory; counts the reads of each key.
class MapReader final : public StoreReader {
 public:
  void Set(int family, const std::string& key, const std::string& value) {
    absl::MutexLock lock(&mu_);
    values_[{family, key}] = value;
  }
  int reads(int family, const std::string& key) {
    absl::MutexLock lock(&mu_);
    return reads_[{family, key}];
  }
  absl::StatusOr<bool> Get(int family, std::string_view key, std::string* value) override {
    absl::MutexLock lock(&mu_);
    const std::pair<int, std::string> k{family, std::string(key)};
    ++reads_[k];
    const auto it = values_.find(k);
    if (it == values_.end()) return false;
    *value = it->second;
    return true;
  }
  absl::Status Scan(int, std::string_view, EntryVisitor) override { return absl::OkStatus(); }

 private:
  absl::Mutex mu_;
  std::map<std::pair<int, std::string>, std::string> values_;
  std::map<std::pair<int, std::string>, int> reads_;
};

// Transaction `i` asserts key (s, p, o<i>).
Transaction Txn(int i) {
  Transaction t;
  t.Assert({"s", "p", absl::StrCat("o", i)}, Value::Int64(i), {0, kDay});
  t.SetTime(i * kDay);
  return t;
}

class ReadAheadSourceTest : public ::testing::Test {
 protected:
  // The names of keys (s, p, o0..o<n-1>) interned; key i stored with value
  // "record <i>".
  void Store(int n) {
    bool added;
    const NameId s = names_.Intern("s", &added), p = names_.Intern("p", &added);
    for (int i = 0; i < n; ++i) {
      const NameId o = names_.Intern(absl::StrCat("o", i), &added);
      keys_.push_back(LiveKey({s, p, o}));
      base_.Set(kTimelinesCf, keys_.back(), absl::StrCat("record ", i));
    }
  }
  // A source of transactions 0..n-1, then `end` (OK: the end).
  Database::TransactionSource Source(int n, absl::Status end = absl::OkStatus()) {
    for (int i = 0; i < n; ++i) txns_.push_back(Txn(i));
    return [this, n, end]() -> absl::StatusOr<const Transaction*> {
      ++calls_;
      if (next_ < n) return &txns_[next_++];
      if (!end.ok()) return end;
      return nullptr;
    };
  }

  NameDictionary names_;
  MapReader base_;
  std::vector<std::string> keys_;
  std::deque<Transaction> txns_;
  int next_ = 0;
  std::atomic<int> calls_{0};
};

TEST_F(ReadAheadSourceTest, TransactionsComeInOrderThenTheEnd) {
  const Database::TransactionSource source = Source(50);
  ReadAheadSource ahead(source, &base_, &names_);
  ahead.Start();
  for (int i = 0; i < 50; ++i) {
    const absl::StatusOr<const Transaction*> t = ahead.Next();
    ASSERT_TRUE(t.ok() && *t != nullptr) << i;
    EXPECT_EQ((*t)->operations()[0].key.object, absl::StrCat("o", i));
    EXPECT_EQ((*t)->time(), i * kDay);
  }
  for (int again = 0; again < 2; ++again) {
    const absl::StatusOr<const Transaction*> end = ahead.Next();
    ASSERT_TRUE(end.ok());
    EXPECT_EQ(*end, nullptr);
  }
}

TEST_F(ReadAheadSourceTest, TheSourcesErrorComesAfterItsTransactions) {
  const Database::TransactionSource source = Source(3, absl::DataLossError("bad line"));
  ReadAheadSource ahead(source, &base_, &names_);
  ahead.Start();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(ahead.Next().ok());
  for (int again = 0; again < 2; ++again) EXPECT_EQ(ahead.Next().status(), absl::DataLossError("bad line"));
}

TEST_F(ReadAheadSourceTest, ARecordReadAheadIsHandedOutOnce) {
  Store(3);
  const Database::TransactionSource source = Source(3);
  ReadAheadSource ahead(source, &base_, &names_);
  ahead.Start();
  ASSERT_TRUE(ahead.Next().ok());  // its keys were read before it came out
  EXPECT_EQ(base_.reads(kTimelinesCf, keys_[0]), 1);
  std::string value;
  ASSERT_TRUE(ahead.Get(kTimelinesCf, keys_[0], &value).value());
  EXPECT_EQ(value, "record 0");
  EXPECT_EQ(base_.reads(kTimelinesCf, keys_[0]), 1);  // from what was read ahead
  ASSERT_TRUE(ahead.Get(kTimelinesCf, keys_[0], &value).value());
  EXPECT_EQ(base_.reads(kTimelinesCf, keys_[0]), 2);  // from the base
  // Other families are the base's.
  EXPECT_FALSE(ahead.Get(kKeysCf, keys_[0], &value).value());
  EXPECT_EQ(base_.reads(kKeysCf, keys_[0]), 1);
}

TEST_F(ReadAheadSourceTest, AKeyWithNewNamesIsNotRead) {
  const Database::TransactionSource source = Source(1);
  ReadAheadSource ahead(source, &base_, &names_);
  ahead.Start();
  ASSERT_TRUE(ahead.Next().ok());
  bool added;
  const NameId s = names_.Intern("s", &added), p = names_.Intern("p", &added), o = names_.Intern("o0", &added);
  std::string value;
  EXPECT_FALSE(ahead.Get(kTimelinesCf, LiveKey({s, p, o}), &value).value());
  EXPECT_EQ(base_.reads(kTimelinesCf, LiveKey({s, p, o})), 1);  // only the planner's own read
}

TEST_F(ReadAheadSourceTest, InvalidateDropsWhatWasRead) {
  Store(2);
  const Database::TransactionSource source = Source(2);
  ReadAheadSource ahead(source, &base_, &names_, /*max_operations=*/1);
  ahead.Start();
  ASSERT_TRUE(ahead.Next().ok());
  base_.Set(kTimelinesCf, keys_[0], "rewritten");
  ahead.Invalidate();
  std::string value;
  ASSERT_TRUE(ahead.Get(kTimelinesCf, keys_[0], &value).value());
  EXPECT_EQ(value, "rewritten");
}

TEST_F(ReadAheadSourceTest, UntilStartedTheCallerCallsTheSourceAndReadsTheBase) {
  Store(4);
  const Database::TransactionSource source = Source(4);
  ReadAheadSource ahead(source, &base_, &names_);
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(calls_.load(), 0);
  ASSERT_EQ(ahead.Next().value()->operations()[0].key.object, "o0");
  EXPECT_EQ(calls_.load(), 1);
  std::string value;
  ASSERT_TRUE(ahead.Get(kTimelinesCf, keys_[0], &value).value());
  EXPECT_EQ(base_.reads(kTimelinesCf, keys_[0]), 1);
  ahead.Start();
  for (int i = 1; i < 4; ++i) ASSERT_EQ(ahead.Next().value()->operations()[0].key.object, absl::StrCat("o", i));
  EXPECT_EQ(ahead.Next().value(), nullptr);
  EXPECT_EQ(base_.reads(kTimelinesCf, keys_[3]), 1);  // read ahead
  ASSERT_TRUE(ahead.Get(kTimelinesCf, keys_[3], &value).value());
  EXPECT_EQ(base_.reads(kTimelinesCf, keys_[3]), 1);
}

TEST_F(ReadAheadSourceTest, NotStartedPastTheSourcesEnd) {
  const Database::TransactionSource source = Source(1);
  ReadAheadSource ahead(source, &base_, &names_);
  ASSERT_NE(ahead.Next().value(), nullptr);
  EXPECT_EQ(ahead.Next().value(), nullptr);
  ahead.Start();
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(calls_.load(), 2);
}

TEST_F(ReadAheadSourceTest, ReadsAheadOnlyUpToItsBound) {
  const Database::TransactionSource source = Source(1000);
  ReadAheadSource ahead(source, &base_, &names_, /*max_operations=*/3);
  ahead.Start();
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_LE(calls_.load(), 5);  // three waiting, one held while it waits for room, one more
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(ahead.Next().ok());
  EXPECT_EQ(ahead.Next().value(), nullptr);
  EXPECT_EQ(calls_.load(), 1001);
}

}  // namespace
}  // namespace hindsight::internal
