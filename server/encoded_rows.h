// An answer's rows as protocol messages (DataRow, or CopyData for COPY),
// encoded when its statement ran and sent later, some at a time (an
// Execute with a row limit pages through them): in memory, and past a
// budget in an unnamed temporary file (server/temp_file.h), so that a big
// answer kept for later costs the server its budget of memory, not its
// size.
#ifndef HINDSIGHT_SERVER_ENCODED_ROWS_H_
#define HINDSIGHT_SERVER_ENCODED_ROWS_H_

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace hindsight::server {

class EncodedRows {
 public:
  // Where the next row's message is appended; call EndRow after it.
  std::string* buffer() { return &bytes_; }
  void EndRow() { ends_.push_back(spilled_ + bytes_.size()); }

  size_t size() const { return ends_.size(); }
  // Bytes of rows held in memory.
  size_t buffered_bytes() const { return bytes_.size(); }
  // Memory held, the rows' and their index's (8 bytes a row).
  size_t memory_bytes() const { return bytes_.capacity() + ends_.capacity() * sizeof(uint64_t); }
  // The bytes of rows [first, last).
  uint64_t BytesOf(size_t first, size_t last) const {
    return ends_[last - 1] - (first == 0 ? 0 : ends_[first - 1]);
  }

  // Appends the messages of rows [first, last) to `out`. Fails (58030)
  // only if the temporary file cannot be read.
  absl::Status AppendTo(size_t first, size_t last, std::string* out);
  // Appends every row to `out` and starts empty. REQUIRES: nothing moved
  // to the file (SpillPast).
  void MoveTo(std::string* out);
  // Once more than `memory_bytes` are held in memory, moves them to the
  // temporary file. False if the file cannot be made or written: the rows
  // then stay in memory.
  bool SpillPast(size_t memory_bytes);

 private:
  std::string bytes_;         // the rows after those in the file
  std::vector<uint64_t> ends_;  // where each row ends, counted from the first
  // The first spilled_ bytes, once they grew past the budget (made then:
  // a stream costs more to set up than a small answer to encode).
  std::unique_ptr<std::fstream> file_;
  uint64_t spilled_ = 0;
  uint64_t file_position_ = 0;  // of the file's stream, which reads and writes share
};

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_ENCODED_ROWS_H_
