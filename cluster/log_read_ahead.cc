#include "cluster/log_read_ahead.h"

#include <algorithm>
#include <string>
#include <utility>

namespace hindsight::cluster {

LogReadAhead::LogReadAhead(std::unique_ptr<LogReader> reader, uint64_t ahead_from, size_t max_bytes)
    : reader_(std::move(reader)), ahead_from_(ahead_from), max_bytes_(max_bytes), thread_([this] { Run(); }) {}

LogReadAhead::~LogReadAhead() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    changed_.SignalAll();
  }
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
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      while (!stopping_ && !(reading_ahead_ && ahead_bytes_ < max_bytes_)) changed_.Wait(&mu_);
      if (stopping_) return;
    }
    absl::StatusOr<DecodedEntry> decoded = Read(kPoll);
    absl::MutexLock lock(&mu_);
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
    if (caller_waits_) changed_.SignalAll();
    if (failed) return;
  }
}

absl::StatusOr<DecodedEntry> LogReadAhead::Next(absl::Duration timeout) {
  if (taken_.empty()) {
    const absl::Time deadline = absl::Now() + timeout;
    {
      absl::MutexLock lock(&mu_);
      if (ahead_.empty() && reading_ahead_) {
        caller_waits_ = true;
        while (ahead_.empty() && reading_ahead_) {
          if (changed_.WaitWithDeadline(&mu_, deadline)) break;  // timed out
        }
        caller_waits_ = false;
      }
      if (!ahead_.empty()) {
        taken_.swap(ahead_);
        const bool was_full = ahead_bytes_ >= max_bytes_;
        ahead_bytes_ = 0;
        if (was_full) changed_.SignalAll();
      } else if (reading_ahead_) {
        return absl::DeadlineExceededError("no new entry");
      }
    }
    if (taken_.empty()) {
      // The thread is not reading: read here, for what is left of the wait.
      absl::StatusOr<DecodedEntry> decoded = Read(std::max(deadline - absl::Now(), absl::ZeroDuration()));
      if (decoded.ok() && decoded->entry.later >= ahead_from_) {
        absl::MutexLock lock(&mu_);
        reading_ahead_ = true;
        changed_.SignalAll();
      }
      if (!decoded.ok() && !absl::IsDeadlineExceeded(decoded.status())) {
        taken_.push_back(absl::UnavailableError("the log's reader stopped after an error"));
      }
      return decoded;
    }
  }
  absl::StatusOr<DecodedEntry> next = std::move(taken_.front());
  taken_.pop_front();
  if (!next.ok()) taken_.push_front(absl::UnavailableError("the log's reader stopped after an error"));
  return next;
}

}  // namespace hindsight::cluster
