#include "cluster/log_read_ahead.h"

#include <algorithm>
#include <string>
#include <utility>

namespace hindsight::cluster {

LogReadAhead::LogReadAhead(std::unique_ptr<LogReader> reader, uint64_t ahead_from, size_t max_bytes)
    : reader_(std::move(reader)), ahead_from_(ahead_from), max_bytes_(max_bytes), thread_([this] { Run(); }) {}

LogReadAhead::~LogReadAhead() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

absl::StatusOr<DecodedEntry> LogReadAhead::Read(absl::Duration timeout) {
  absl::StatusOr<LogEntry> entry = reader_->Next(timeout);
  if (!entry.ok()) return entry.status();
  const size_t bytes = entry->record.size();
  absl::StatusOr<LogRecord> record = DecodeLogRecord(entry->record);
  entry->record = std::string();
  return DecodedEntry{*std::move(entry), bytes, std::move(record)};
}

void LogReadAhead::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    changed_.wait(lock, [&] { return stopping_ || (reading_ahead_ && ahead_bytes_ < max_bytes_); });
    if (stopping_) return;
    lock.unlock();
    absl::StatusOr<DecodedEntry> decoded = Read(kPoll);
    lock.lock();
    const bool quiet = absl::IsDeadlineExceeded(decoded.status());
    const bool failed = !decoded.ok() && !quiet;
    // Caught up (or the log went quiet): Next reads again, from here.
    if (quiet || failed || decoded->entry.later == 0) reading_ahead_ = false;
    if (!quiet) {
      ahead_bytes_ += decoded.ok() ? decoded->bytes : 0;
      ahead_.push_back(std::move(decoded));
    }
    // Handed over one by one only to a caller that waits: the wake-up
    // costs more than the entry.
    if (caller_waits_) changed_.notify_all();
    if (failed) return;
  }
}

absl::StatusOr<DecodedEntry> LogReadAhead::Next(absl::Duration timeout) {
  if (taken_.empty()) {
    const absl::Time deadline = absl::Now() + timeout;
    std::unique_lock lock(mu_);
    const auto ready = [&] { return !ahead_.empty() || !reading_ahead_; };
    if (!ready()) {
      caller_waits_ = true;
      changed_.wait_for(lock, absl::ToChronoNanoseconds(timeout), ready);
      caller_waits_ = false;
    }
    if (ahead_.empty()) {
      if (reading_ahead_) return absl::DeadlineExceededError("no new entry");
      lock.unlock();
      // The thread is not reading: read here, for what is left of the wait.
      absl::StatusOr<DecodedEntry> decoded = Read(std::max(deadline - absl::Now(), absl::ZeroDuration()));
      if (decoded.ok() && decoded->entry.later >= ahead_from_) {
        lock.lock();
        reading_ahead_ = true;
        changed_.notify_all();
      }
      if (!decoded.ok() && !absl::IsDeadlineExceeded(decoded.status())) {
        taken_.push_back(absl::UnavailableError("the log's reader stopped after an error"));
      }
      return decoded;
    }
    taken_.swap(ahead_);
    const bool was_full = ahead_bytes_ >= max_bytes_;
    ahead_bytes_ = 0;
    if (was_full) changed_.notify_all();
  }
  absl::StatusOr<DecodedEntry> next = std::move(taken_.front());
  taken_.pop_front();
  if (!next.ok()) taken_.push_front(absl::UnavailableError("the log's reader stopped after an error"));
  return next;
}

}  // namespace hindsight::cluster
