// LogReadAhead: a log reader's entries come out in their order, decoded,
// read ahead on a thread, within its bound, only while the log is far
// ahead; a reader's error ends them.
#include "cluster/log_read_ahead.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
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

// Entries 1..`count` (entry `damaged` with bytes that are no record), each
// saying how many follow it (none when `keeps_up`: each is the last when it
// is read), then nothing for `quiet` calls (each waiting as asked, up to a
// second), then Unavailable. Counts the calls that returned an entry, and
// the calls made from another thread than the one that made it.
class ScriptedReader final : public LogReader {
 public:
  struct Options {
    uint64_t count = 0;
    uint64_t damaged = 0;
    int quiet = 0;
    bool keeps_up = false;
    uint64_t more = 0;  // entries the log claims beyond `count`
  };
  ScriptedReader(const Options& options, std::atomic<uint64_t>* read, std::atomic<uint64_t>* elsewhere)
      : options_(options), read_(read), elsewhere_(elsewhere) {}
  absl::StatusOr<LogEntry> Next(absl::Duration timeout) override {
    if (std::this_thread::get_id() != creator_) ++*elsewhere_;
    if (next_ <= options_.count) {
      const uint64_t id = next_++;
      ++*read_;
      return LogEntry{id, id == options_.damaged ? std::string("no record") : Record(id), absl::StrCat("a", id),
                      absl::StrCat("a", id - 1), options_.keeps_up ? 0 : options_.count + options_.more - id};
    }
    if (options_.quiet-- > 0) {
      absl::SleepFor(std::min(timeout, absl::Seconds(1)));
      return absl::DeadlineExceededError("no new entry");
    }
    return absl::UnavailableError("the servers went away");
  }

 private:
  Options options_;
  std::atomic<uint64_t>* const read_;
  std::atomic<uint64_t>* const elsewhere_;
  const std::thread::id creator_ = std::this_thread::get_id();
  uint64_t next_ = 1;
};

TEST(LogReadAheadTest, EntriesComeDecodedInOrderThenTheReadersError) {
  for (const uint64_t ahead_from : {uint64_t{1}, uint64_t{1000}}) {  // read ahead, and not
    SCOPED_TRACE(ahead_from);
    std::atomic<uint64_t> read{0}, elsewhere{0};
    LogReadAhead ahead(std::make_unique<ScriptedReader>(ScriptedReader::Options{50, 7, 3}, &read, &elsewhere),
                       ahead_from);
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
    absl::StatusOr<DecodedEntry> end = ahead.Next(absl::Milliseconds(1));
    for (int quiet = 0; quiet < 3 && absl::IsDeadlineExceeded(end.status()); ++quiet) {
      end = ahead.Next(absl::Milliseconds(1));
    }
    EXPECT_TRUE(absl::IsUnavailable(end.status())) << end.status();
    EXPECT_TRUE(absl::IsUnavailable(ahead.Next(absl::ZeroDuration()).status()));
    EXPECT_TRUE(absl::IsUnavailable(ahead.Next(absl::Seconds(1)).status()));
    EXPECT_EQ(elsewhere.load() > 0, ahead_from == 1);
  }
}

TEST(LogReadAheadTest, AReaderThatFailsWhileReadingAheadEndsTheEntries) {
  std::atomic<uint64_t> read{0}, elsewhere{0};
  ScriptedReader::Options options{20, 0, 0};
  options.more = 30;  // the connection fails while the log holds more
  LogReadAhead ahead(std::make_unique<ScriptedReader>(options, &read, &elsewhere), 1);
  for (uint64_t id = 1; id <= 20; ++id) ASSERT_EQ(ahead.Next(absl::Seconds(10)).value().entry.id, id);
  EXPECT_TRUE(absl::IsUnavailable(ahead.Next(absl::Seconds(10)).status()));
  EXPECT_TRUE(absl::IsUnavailable(ahead.Next(absl::Seconds(1)).status()));
  EXPECT_GT(elsewhere.load(), 0u);
}

TEST(LogReadAheadTest, WaitsOnlyAsLongAsAsked) {
  std::atomic<uint64_t> read{0}, elsewhere{0};
  LogReadAhead ahead(std::make_unique<ScriptedReader>(ScriptedReader::Options{0, 0, 1000000}, &read, &elsewhere));
  EXPECT_TRUE(absl::IsDeadlineExceeded(ahead.Next(absl::ZeroDuration()).status()));
  const absl::Time start = absl::Now();
  EXPECT_TRUE(absl::IsDeadlineExceeded(ahead.Next(absl::Milliseconds(50)).status()));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
}

TEST(LogReadAheadTest, ALogThatGoesQuietWhileReadAheadIsWaitedForOnlyAsLongAsAsked) {
  std::atomic<uint64_t> read{0}, elsewhere{0};
  ScriptedReader::Options options{10, 0, 1000000};
  options.more = 100;  // the log claims more than it delivers
  LogReadAhead ahead(std::make_unique<ScriptedReader>(options, &read, &elsewhere), 1);
  for (uint64_t id = 1; id <= 10; ++id) ASSERT_EQ(ahead.Next(absl::Seconds(10)).value().entry.id, id);
  // The thread's wait for the next entry ends, and Next waits for the
  // rest of its second itself.
  const absl::Time start = absl::Now();
  EXPECT_TRUE(absl::IsDeadlineExceeded(ahead.Next(absl::Seconds(1)).status()));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(900));
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(1600));
}

TEST(LogReadAheadTest, ReadsAheadOnlyUpToItsBound) {
  std::atomic<uint64_t> read{0}, elsewhere{0};
  const size_t record = Record(1).size();
  // Room for about three records read and not handed out.
  LogReadAhead ahead(std::make_unique<ScriptedReader>(ScriptedReader::Options{1000, 0, 1000000}, &read, &elsewhere),
                     64, 3 * record);
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_LE(read.load(), 4u);
  for (uint64_t id = 1; id <= 1000; ++id) ASSERT_EQ(ahead.Next(absl::Seconds(10)).value().entry.id, id);
  EXPECT_EQ(read.load(), 1000u);
  EXPECT_GT(elsewhere.load(), 900u);  // read ahead on the thread
}

TEST(LogReadAheadTest, AReaderThatKeepsUpReadsItself) {
  std::atomic<uint64_t> read{0}, elsewhere{0};
  ScriptedReader::Options options{100, 0, 1000000};
  options.keeps_up = true;
  LogReadAhead ahead(std::make_unique<ScriptedReader>(options, &read, &elsewhere));
  for (uint64_t id = 1; id <= 100; ++id) ASSERT_EQ(ahead.Next(absl::Seconds(10)).value().entry.id, id);
  EXPECT_EQ(elsewhere.load(), 0u);
}

}  // namespace
}  // namespace hindsight::cluster
