// TransactionsByTime: the transaction at a time, first by searching the
// log, then (once the lookups are many) from every time read at once, and
// for transactions committed after that read.
#include "query/transactions_by_time.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "hindsight/db.h"
#include "test_util.h"

namespace hindsight::testing {
namespace {

constexpr Instant kSecond = 1'000'000;

absl::Status CommitAt(Database* db, int i) {
  Transaction txn;
  txn.SetTime(i * 10 * kSecond);
  txn.SetSource(absl::StrCat("source ", i % 3));
  txn.Assert({absl::StrCat("k", i), "p", "o"}, Value::Int64(i), {0, kPosInf});
  return db->Commit(txn).status();
}

TEST(TransactionsByTimeTest, EveryTimeNamesItsTransactionBeforeAndAfterReadingThemAll) {
  ScratchDir dir;
  Options options;
  options.sync = false;
  std::unique_ptr<Database> db = std::move(Database::Open(dir.path(), options).value());
  for (int i = 1; i <= 600; ++i) ASSERT_TRUE(CommitAt(db.get(), i).ok());
  internal::TransactionsByTime by_time(*db);
  const auto expect_found = [&](int i) {
    const absl::StatusOr<internal::TransactionsByTime::Committed> at = by_time.At(i * 10 * kSecond);
    ASSERT_TRUE(at.ok()) << i << ": " << at.status();
    EXPECT_EQ(at->id, static_cast<uint64_t>(i));
    EXPECT_EQ(*at->source, absl::StrCat("source ", i % 3));
  };
  // The first lookups search; past 600 / 256 of them, all times are read.
  for (const int i : {600, 1, 300}) expect_found(i);
  for (int i = 1; i <= 600; ++i) expect_found(i);
  for (const Instant t : {Instant{0}, 10 * kSecond - 1, 10 * kSecond + 1, 6000 * kSecond + 1, kPosInf}) {
    EXPECT_TRUE(absl::IsNotFound(by_time.At(t).status())) << t;
  }
  // Committed after the read: found by searching again.
  for (int i = 601; i <= 620; ++i) ASSERT_TRUE(CommitAt(db.get(), i).ok());
  for (int i = 620; i >= 1; i -= 7) expect_found(i);
  EXPECT_TRUE(absl::IsNotFound(by_time.At(6005 * kSecond).status()));
}

}  // namespace
}  // namespace hindsight::testing
