// Reads the operations file (docs/formats.md: workload/README.md section 2,
// and erasures by key digest) one transaction block at a time, validating
// every line.
#ifndef HINDSIGHT_FORMAT_OPS_READER_H_
#define HINDSIGHT_FORMAT_OPS_READER_H_

#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hindsight/transaction.h"

namespace hindsight::internal {

// One `tx` block: the transaction and where its lines were.
struct OpsBlock {
  Transaction txn;
  int tx_line = 0;             // 1-based line of the `tx` line
  std::vector<int> op_lines;   // line of each operation, in order
};

class OpsReader {
 public:
  // `in` must outlive the reader; `file_name` prefixes error messages.
  OpsReader(std::istream* in, std::string file_name);

  // The next block, or nullopt at the end of the input. A malformed line is
  // InvalidArgument "FILE:LINE: reason"; the reader must not be used after.
  absl::StatusOr<std::optional<OpsBlock>> Next();

  // Bytes consumed so far (for progress reports).
  int64_t bytes_read() const { return bytes_read_; }

 private:
  // Reads the next non-blank, non-comment line into `line`; false at EOF.
  bool ReadLine(std::string* line, int* line_number);
  absl::Status Error(int line, std::string_view reason) const;

  std::istream* in_;
  std::string file_name_;
  int line_number_ = 0;
  int64_t bytes_read_ = 0;
  std::optional<std::pair<std::string, int>> pending_tx_;  // a read-ahead `tx` line
  bool started_ = false;
};

}  // namespace hindsight::internal

#endif  // HINDSIGHT_FORMAT_OPS_READER_H_
