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
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    changed_.SignalAll();
  }
  thread_.join();
}

void OpsReadAhead::Run() {
  int64_t before = reader_->bytes_read();
  for (;;) {
    Read read{reader_->Next(), reader_->bytes_read(), 0};
    read.bytes = read.bytes_read - before;
    before = read.bytes_read;
    const bool last = read.last();
    absl::MutexLock lock(&mu_);
    reader_waits_ = true;
    while (!stopping_ && (ahead_.size() >= max_blocks_ || ahead_bytes_ >= max_bytes_)) changed_.Wait(&mu_);
    reader_waits_ = false;
    if (stopping_) return;
    ahead_bytes_ += read.bytes;
    ahead_.push_back(std::move(read));
    if (caller_waits_) changed_.SignalAll();
    if (last) return;
  }
}

absl::StatusOr<std::optional<OpsBlock>> OpsReadAhead::Next() {
  if (last_) return last_->block;
  if (taken_.empty()) {
    absl::MutexLock lock(&mu_);
    caller_waits_ = true;
    while (ahead_.empty()) changed_.Wait(&mu_);
    caller_waits_ = false;
    taken_.swap(ahead_);
    ahead_bytes_ = 0;
    if (reader_waits_) changed_.SignalAll();
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
