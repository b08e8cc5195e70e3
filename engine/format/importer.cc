#include "format/importer.h"

#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "format/ops_reader.h"

namespace hindsight::internal {

absl::Status ImportOps(Database* db, std::istream* in, const std::string& file_name, ImportCounts* counts,
                       const std::function<void(const ImportCounts&)>& progress, ImportMode mode) {
  *counts = ImportCounts{};
  OpsReader reader(in, file_name);
  std::optional<OpsBlock> block;
  std::vector<int> tx_lines;         // of each block handed over
  std::vector<uint32_t> operations;  // in each
  absl::Status read_error;
  ImportCounts read;
  const Database::TransactionSource next = [&]() -> absl::StatusOr<const Transaction*> {
    absl::StatusOr<std::optional<OpsBlock>> b = reader.Next();
    if (!b.ok()) {
      read_error = b.status();
      return read_error;
    }
    if (!b->has_value()) return nullptr;
    block = std::move(**b);
    tx_lines.push_back(block->tx_line);
    operations.push_back(static_cast<uint32_t>(block->txn.operations().size()));
    ++read.transactions;
    read.operations += operations.back();
    read.bytes_read = reader.bytes_read();
    if (progress) progress(read);
    return &block->txn;
  };
  const bool bulk = mode == ImportMode::kBulk || (mode == ImportMode::kAuto && db->LastTransaction().id == 0);
  size_t written = 0;
  const absl::Status status = bulk ? db->BulkLoad(next, &written) : db->CommitAll(next, &written);
  counts->transactions = written;
  for (size_t i = 0; i < written; ++i) counts->operations += operations[i];
  counts->bytes_read = reader.bytes_read();
  if (!read_error.ok()) return read_error;
  if (tx_lines.empty() && status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(file_name, ": no transactions (empty file?)"));
  }
  if (!absl::IsInvalidArgument(status)) return status;
  // The last block handed over was rejected, as "transaction N: reason".
  const std::string prefix = absl::StrCat("transaction ", tx_lines.size(), ": ");
  absl::string_view reason = status.message();
  if (absl::StartsWith(reason, prefix)) reason.remove_prefix(prefix.size());
  return absl::InvalidArgumentError(absl::StrCat(file_name, ":", tx_lines.back(), ": ", reason));
}

}  // namespace hindsight::internal
