#include "server/encoded_rows.h"

#include <algorithm>

#include "server/sql_error.h"
#include "server/temp_file.h"

namespace hindsight::server {

absl::Status EncodedRows::AppendTo(size_t first, size_t last, std::string* out) {
  if (first >= last) return absl::OkStatus();
  const uint64_t from = first == 0 ? 0 : ends_[first - 1];
  const uint64_t to = ends_[last - 1];
  if (from < spilled_) {
    const uint64_t n = std::min(to, spilled_) - from;
    if (file_position_ != from) file_->seekg(static_cast<std::streamoff>(from));
    file_position_ = from;
    const size_t at = out->size();
    out->resize(at + n);
    if (!file_->read(out->data() + at, static_cast<std::streamsize>(n))) {
      out->resize(at);
      file_->clear();
      file_position_ = UINT64_MAX;  // unknown: seek before the next use
      return SqlError(absl::StatusCode::kInternal, "58030",
                      "cannot read an answer's rows back from its temporary file");
    }
    file_position_ += n;
  }
  if (to > spilled_) {
    const uint64_t start = std::max(from, spilled_) - spilled_;
    out->append(bytes_, start, to - spilled_ - start);
  }
  return absl::OkStatus();
}

void EncodedRows::MoveTo(std::string* out) {
  out->append(bytes_);
  bytes_.clear();
  ends_.clear();
}

bool EncodedRows::SpillPast(size_t memory_bytes) {
  if (bytes_.size() <= memory_bytes) return true;
  if (file_ == nullptr) {
    auto file = std::make_unique<std::fstream>();
    if (!OpenUnnamedTempFile("hold an answer's rows", file.get()).ok()) return false;
    file_ = std::move(file);
  }
  if (file_position_ != spilled_) file_->seekp(static_cast<std::streamoff>(spilled_));
  file_position_ = spilled_;
  if (!file_->write(bytes_.data(), static_cast<std::streamsize>(bytes_.size()))) {
    file_->clear();
    file_position_ = UINT64_MAX;
    return false;
  }
  spilled_ += bytes_.size();
  file_position_ = spilled_;
  bytes_.clear();
  return true;
}

}  // namespace hindsight::server
