// LogReadAhead: a log reader's entries come out in their order, decoded,
// within the bound on what is read ahead; a reader's error ends them.
#include "cluster/log_read_ahead.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "hindsight/log_record.h"
#include "random_transaction.h"

namespace hindsight::cluster {
namespace {

using testing::kDay;

std::string Record(uint64_t id) {
  LogRecord r;
  r.txn.Assert({"s", "p", absl::StrCat("o", id)}, Value::Int64(static_cast<int64_t>(id)), {0, kDay});
  r.txn.SetTime(static_cast<Instant>(id) * kDay);
  r.info = {id, static_cast<Instant>(id) * kDay, "", 1};
  return EncodeLogRecord(r);
}

// Entries 1..`count` (entry `damaged` with bytes that are no record), then
// nothing for `quiet` calls (each waiting up to 10 ms), then Unavailable.
class ScriptedReader final : public LogReader {
 public:
  ScriptedReader(uint64_t count, uint64_t damaged, int quiet, std::atomic<uint64_t>* read)
      : count_(count), damaged_(damaged), quiet_(quiet), read_(read) {}
  absl::StatusOr<LogEntry> Next(absl::Duration timeout) override {
    if (next_ <= count_) {
      const uint64_t id = next_++;
      ++*read_;
      return LogEntry{id, id == damaged_ ? std::string("no record") : Record(id), absl::StrCat("a", id),
                      absl::StrCat("a", id - 1), count_ - id};
    }
    if (quiet_-- > 0) {
      absl::SleepFor(std::min(timeout, absl::Milliseconds(10)));
      return absl::DeadlineExceededError("no new entry");
    }
    return absl::UnavailableError("the servers went away");
  }

 private:
  const uint64_t count_, damaged_;
  int quiet_;
  std::atomic<uint64_t>* const read_;
  uint64_t next_ = 1;
};

TEST(LogReadAheadTest, EntriesComeDecodedInOrderThenTheReadersError) {
  std::atomic<uint64_t> read{0};
  LogReadAhead ahead(std::make_unique<ScriptedReader>(50, 7, 3, &read));
  for (uint64_t id = 1; id <= 50; ++id) {
    absl::StatusOr<DecodedEntry> e = ahead.Next(absl::Seconds(10));
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_EQ(e->entry.id, id);
    EXPECT_EQ(e->entry.attempt_id, absl::StrCat("a", id));
    EXPECT_EQ(e->entry.later, 50 - id);
    if (id == 7) {
      EXPECT_FALSE(e->record.ok());
      EXPECT_EQ(e->bytes, 9u);
      continue;
    }
    ASSERT_TRUE(e->record.ok()) << e->record.status();
    EXPECT_EQ(e->bytes, Record(id).size());
    EXPECT_EQ(e->record->info.id, id);
    EXPECT_EQ(e->record->txn.operations().at(0).key.object, absl::StrCat("o", id));
  }
  // The reader's quiet calls are no error; its failure is, and stays.
  absl::StatusOr<DecodedEntry> end = ahead.Next(absl::Seconds(10));
  EXPECT_TRUE(absl::IsUnavailable(end.status())) << end.status();
  EXPECT_TRUE(absl::IsUnavailable(ahead.Next(absl::ZeroDuration()).status()));
  EXPECT_TRUE(absl::IsUnavailable(ahead.Next(absl::Seconds(1)).status()));
}

TEST(LogReadAheadTest, WaitsOnlyAsLongAsAsked) {
  std::atomic<uint64_t> read{0};
  LogReadAhead ahead(std::make_unique<ScriptedReader>(0, 0, 1000000, &read));
  EXPECT_TRUE(absl::IsDeadlineExceeded(ahead.Next(absl::ZeroDuration()).status()));
  const absl::Time start = absl::Now();
  EXPECT_TRUE(absl::IsDeadlineExceeded(ahead.Next(absl::Milliseconds(50)).status()));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
}

TEST(LogReadAheadTest, ReadsAheadOnlyUpToItsBound) {
  std::atomic<uint64_t> read{0};
  const size_t record = Record(1).size();
  // Room for about three records read and not handed out.
  LogReadAhead ahead(std::make_unique<ScriptedReader>(1000, 0, 1000000, &read), 3 * record);
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_LE(read.load(), 4u);
  for (uint64_t id = 1; id <= 1000; ++id) ASSERT_EQ(ahead.Next(absl::Seconds(10)).value().entry.id, id);
  EXPECT_EQ(read.load(), 1000u);
}

}  // namespace
}  // namespace hindsight::cluster
