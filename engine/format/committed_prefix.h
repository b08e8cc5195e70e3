// Resuming an import: which leading blocks of an operations file a database
// already holds, checked against its log rather than assumed.
//
// The file's first block is looked up by its transaction time (times rise
// strictly, so a time names at most one transaction); from there each
// block must equal the next logged transaction: time, source and
// operations in order. An erase takes the erased key's earlier operations
// out of the log, so an assert or retract the log lacks is accepted when
// that key is erased in a later transaction of the log (an erase too, when
// its key is erased again).
#ifndef HINDSIGHT_FORMAT_COMMITTED_PREFIX_H_
#define HINDSIGHT_FORMAT_COMMITTED_PREFIX_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "format/ops_reader.h"
#include "hindsight/db.h"

namespace hindsight::internal {

struct CommittedPrefix {
  uint64_t blocks = 0;              // leading blocks already committed
  uint64_t first_id = 0;            // the transaction the first of them is (0: none)
  std::optional<OpsBlock> next;     // the first block not committed, if the file has one
};

// Reads blocks from `reader` while the database already holds them. When
// the first block has no transaction time, or a time after the database's
// last transaction, nothing is skipped. InvalidArgument "FILE:LINE: ..."
// when the database has diverged from the file (a block whose time is
// taken by another transaction, or that differs from the transaction at
// its place), and the reader's own errors. Cost: a binary search of the
// log, then one log record read per block skipped.
absl::StatusOr<CommittedPrefix> SkipCommittedBlocks(const Database& db, OpsReader* reader,
                                                    const std::string& file_name);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_FORMAT_COMMITTED_PREFIX_H_
