// The rows a cursor holds (server/cursor.h), in a compact form of their
// own: in memory up to a budget, then, all of them, in an unnamed
// temporary file (server/temp_file.h), as PostgreSQL keeps a cursor's rows
// in a tuplestore that spills past work_mem. So a cursor over a large
// answer costs the server its budget of memory and the file's disk, not
// the answer's size in memory.
#ifndef HINDSIGHT_SERVER_CURSOR_ROWS_H_
#define HINDSIGHT_SERVER_CURSOR_ROWS_H_

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "query/session.h"

namespace hindsight::server {

class CursorRows {
 public:
  static constexpr size_t kDefaultMemoryBytes = 8 << 20;

  explicit CursorRows(size_t memory_bytes = kDefaultMemoryBytes) : memory_bytes_(memory_bytes) {}

  // Adds `row` after the others. Fails (58030) only if the temporary file
  // cannot be made or written, and then holds the rows before it.
  absl::Status Append(const std::vector<internal::Cell>& row);

  size_t size() const { return rows_; }
  // Memory held: the rows until they spill, then 8 bytes every
  // kRowsPerMark rows.
  size_t memory_bytes() const { return bytes_.capacity() + marks_.capacity() * sizeof(uint64_t); }
  // Whether the rows went to a temporary file.
  bool spilled() const { return file_.is_open(); }

  // Row `i` (< size()). Costs a decode; from the file, the next row in
  // order is a sequential read, any other a seek to the nearest of every
  // kRowsPerMark-th row's position and a read forward from there.
  absl::StatusOr<std::vector<internal::Cell>> Get(size_t i);

 private:
  static constexpr size_t kRowsPerMark = 64;

  // Moves the rows held in memory to the temporary file.
  absl::Status Spill();
  // Reads the row at byte `offset` into `row_`; returns the next row's offset.
  absl::StatusOr<uint64_t> ReadAt(uint64_t offset);

  size_t memory_bytes_;
  std::string bytes_;            // every row, until they spill
  std::fstream file_;            // every row, once they have spilled
  uint64_t end_ = 0;             // bytes of rows, wherever they are
  uint64_t file_position_ = 0;   // of the file's stream, which reads and writes share
  std::vector<uint64_t> marks_;  // where row k * kRowsPerMark starts
  size_t rows_ = 0;
  std::string row_;              // the encoded row last read
  size_t next_row_ = 0;          // the row after it, and where it starts
  uint64_t next_offset_ = 0;
};

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_CURSOR_ROWS_H_
