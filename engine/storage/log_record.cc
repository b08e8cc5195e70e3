// LogRecord <-> the transaction log's Cap'n Proto message (records.h).
#include "hindsight/log_record.h"

#include "storage/records.h"
#include "util/status_macros.h"

namespace hindsight {

std::string EncodeLogRecord(const LogRecord& record) {
  return internal::EncodeTransaction(
      {record.info.id, record.info.time, record.info.source, record.txn.operations()});
}

absl::StatusOr<LogRecord> DecodeLogRecord(std::string_view bytes) {
  HS_ASSIGN_OR_RETURN(internal::TransactionRecord decoded, internal::DecodeTransaction(bytes));
  LogRecord record;
  record.info = {decoded.id, decoded.time, decoded.source, decoded.operations.size()};
  record.txn.SetTime(decoded.time);
  record.txn.SetSource(std::move(decoded.source));
  for (Operation& op : decoded.operations) {
    switch (op.kind) {
      case Operation::Kind::kAssert: record.txn.Assert(std::move(op.key), std::move(op.value), op.valid); break;
      case Operation::Kind::kRetract: record.txn.Retract(std::move(op.key), op.valid); break;
      case Operation::Kind::kErase:
        if (op.key_digest.empty()) {
          record.txn.Erase(std::move(op.key));
        } else {
          record.txn.EraseByDigest(std::move(op.key_digest));
        }
        break;
    }
  }
  return record;
}

}  // namespace hindsight
