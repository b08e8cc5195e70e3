#include "format/importer.h"

#include "absl/strings/str_cat.h"
#include "format/ops_reader.h"

namespace hindsight::internal {

absl::Status ImportOps(Database* db, std::istream* in, const std::string& file_name, ImportCounts* counts,
                       const std::function<void(const ImportCounts&)>& progress) {
  *counts = ImportCounts{};
  OpsReader reader(in, file_name);
  bool saw_transaction = false;
  while (true) {
    absl::StatusOr<std::optional<OpsBlock>> block = reader.Next();
    if (!block.ok()) return block.status();
    if (!block->has_value()) break;
    saw_transaction = true;
    const OpsBlock& b = **block;
    absl::StatusOr<TransactionInfo> info = db->Commit(b.txn);
    if (!info.ok()) {
      return absl::Status(info.status().code(),
                          absl::StrCat(file_name, ":", b.tx_line, ": ", info.status().message()));
    }
    ++counts->transactions;
    counts->operations += b.txn.operations().size();
    counts->bytes_read = reader.bytes_read();
    if (progress) progress(*counts);
  }
  if (!saw_transaction) return absl::InvalidArgumentError(absl::StrCat(file_name, ": no transactions (empty file?)"));
  return absl::OkStatus();
}

}  // namespace hindsight::internal
