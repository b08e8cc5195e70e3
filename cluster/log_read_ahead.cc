#include "cluster/log_read_ahead.h"

#include <string>
#include <utility>

namespace hindsight::cluster {

LogReadAhead::LogReadAhead(std::unique_ptr<LogReader> reader, size_t max_bytes)
    : reader_(std::move(reader)), max_bytes_(max_bytes), thread_([this] { Run(); }) {}

LogReadAhead::~LogReadAhead() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

absl::StatusOr<DecodedEntry> LogReadAhead::Read() {
  absl::StatusOr<LogEntry> entry = reader_->Next(kPoll);
  if (!entry.ok()) return entry.status();
  const size_t bytes = entry->record.size();
  absl::StatusOr<LogRecord> record = DecodeLogRecord(entry->record);
  entry->record = std::string();
  return DecodedEntry{*std::move(entry), bytes, std::move(record)};
}

void LogReadAhead::Run() {
  for (;;) {
    absl::StatusOr<DecodedEntry> decoded = Read();
    const bool failed = !decoded.ok() && !absl::IsDeadlineExceeded(decoded.status());
    std::unique_lock lock(mu_);
    if (decoded.ok() || failed) {
      ahead_bytes_ += decoded.ok() ? decoded->bytes : 0;
      ahead_.push_back(std::move(decoded));
      // Handed over one by one only to a caller that waits: the wake-up
      // costs more than the entry.
      if (caller_waits_) changed_.notify_all();
    }
    if (failed) return;
    reader_waits_ = true;
    changed_.wait(lock, [&] { return stopping_ || ahead_bytes_ < max_bytes_; });
    reader_waits_ = false;
    if (stopping_) return;
  }
}

absl::StatusOr<DecodedEntry> LogReadAhead::Next(absl::Duration timeout) {
  if (taken_.empty()) {
    std::unique_lock lock(mu_);
    const auto ready = [&] { return !ahead_.empty(); };
    if (!ready() && timeout > absl::ZeroDuration()) {
      caller_waits_ = true;
      changed_.wait_for(lock, absl::ToChronoNanoseconds(timeout), ready);
      caller_waits_ = false;
    }
    if (!ready()) return absl::DeadlineExceededError("no new entry");
    taken_.swap(ahead_);
    ahead_bytes_ = 0;
    if (reader_waits_) changed_.notify_all();
  }
  absl::StatusOr<DecodedEntry> next = std::move(taken_.front());
  taken_.pop_front();
  if (!next.ok()) taken_.push_front(absl::UnavailableError("the log's reader stopped after an error"));
  return next;
}

}  // namespace hindsight::cluster
