// A committed transaction as the transaction log keeps it: self-contained
// and replayable. Committing `txn` (its time and source set) as transaction
// `info.id` of a database whose transactions 1..id-1 are the same rebuilds
// the same state, byte for byte. What `hindsight log` prints and what a
// cluster's stream carries (docs/cluster.md).
#ifndef HINDSIGHT_LOG_RECORD_H_
#define HINDSIGHT_LOG_RECORD_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "hindsight/transaction.h"

namespace hindsight {

struct LogRecord {
  TransactionInfo info;  // info.operation_count == txn.operations().size()
  Transaction txn;       // time and source set; erases name keys by digest
};

// The record's bytes (a Cap'n Proto message, docs/storage.md), exactly as
// the database's log stores it.
std::string EncodeLogRecord(const LogRecord& record);

// The record in `bytes`. DataLoss if they are not one.
absl::StatusOr<LogRecord> DecodeLogRecord(std::string_view bytes);

}  // namespace hindsight

#endif  // HINDSIGHT_LOG_RECORD_H_
