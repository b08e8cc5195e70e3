// Writes transactions as blocks of the operations file (docs/formats.md),
// the form OpsReader reads back: what `hindsight log --ops` prints, a
// database's whole log as a file that `hindsight import` turns into the
// same database.
#ifndef HINDSIGHT_FORMAT_OPS_WRITER_H_
#define HINDSIGHT_FORMAT_OPS_WRITER_H_

#include <string>
#include <string_view>

#include "hindsight/time.h"
#include "hindsight/transaction.h"

namespace hindsight::internal {

// Appends to `out` a `tx` line with `time` and `source`, then a line per
// operation of `txn`, in order: names, values and instants in their
// canonical text, an erase by digest as an `erase-digest` line. OpsReader
// reads back `txn` with that time and source.
void AppendOpsBlock(Instant time, std::string_view source, const Transaction& txn, std::string* out);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_FORMAT_OPS_WRITER_H_
