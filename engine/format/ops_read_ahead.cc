#include "format/ops_read_ahead.h"

#include <utility>

namespace hindsight::internal {

OpsReadAhead::OpsReadAhead(OpsReader* reader, size_t max_blocks, int64_t max_bytes)
    : reader_(reader),
      max_blocks_(max_blocks),
      max_bytes_(max_bytes),
      bytes_read_(reader->bytes_read()),
      thread_([this] { Run(); }) {}

OpsReadAhead::~OpsReadAhead() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void OpsReadAhead::Run() {
  int64_t before = reader_->bytes_read();
  for (;;) {
    Read read{reader_->Next(), reader_->bytes_read(), 0};
    read.bytes = read.bytes_read - before;
    before = read.bytes_read;
    const bool last = read.last();
    std::unique_lock lock(mu_);
    reader_waits_ = true;
    changed_.wait(lock, [&] { return stopping_ || (ahead_.size() < max_blocks_ && ahead_bytes_ < max_bytes_); });
    reader_waits_ = false;
    if (stopping_) return;
    ahead_bytes_ += read.bytes;
    ahead_.push_back(std::move(read));
    if (caller_waits_) changed_.notify_all();
    if (last) return;
  }
}

absl::StatusOr<std::optional<OpsBlock>> OpsReadAhead::Next() {
  if (last_) return last_->block;
  if (taken_.empty()) {
    std::unique_lock lock(mu_);
    caller_waits_ = true;
    changed_.wait(lock, [&] { return !ahead_.empty(); });
    caller_waits_ = false;
    taken_.swap(ahead_);
    ahead_bytes_ = 0;
    if (reader_waits_) changed_.notify_all();
  }
  Read read = std::move(taken_.front());
  taken_.pop_front();
  bytes_read_ = read.bytes_read;
  if (read.last()) {
    last_ = std::move(read);
    return last_->block;
  }
  return std::move(read.block);
}

}  // namespace hindsight::internal
