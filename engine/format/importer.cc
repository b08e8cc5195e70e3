#include "format/importer.h"

#include "absl/strings/str_cat.h"
#include "format/ops_reader.h"

namespace hindsight::internal {

namespace {

absl::Status BulkImport(Database* db, OpsReader* reader, const std::string& file_name, ImportCounts* counts,
                        const std::function<void(const ImportCounts&)>& progress) {
  std::vector<Transaction> txns;
  std::vector<int> tx_lines;
  absl::Status read_error;
  ImportCounts read;
  while (true) {
    absl::StatusOr<std::optional<OpsBlock>> block = reader->Next();
    if (!block.ok()) {
      read_error = block.status();
      break;
    }
    if (!block->has_value()) break;
    tx_lines.push_back((*block)->tx_line);
    txns.push_back(std::move((*block)->txn));
    read.bytes_read = reader->bytes_read();
    if (progress && txns.size() % 64 == 0) progress(read);
  }
  if (txns.empty()) {
    return read_error.ok() ? absl::InvalidArgumentError(absl::StrCat(file_name, ": no transactions (empty file?)"))
                           : read_error;
  }
  size_t loaded = 0;
  const absl::Status load = db->BulkLoad(txns, &loaded);
  counts->transactions = loaded;
  for (size_t i = 0; i < loaded; ++i) counts->operations += txns[i].operations().size();
  counts->bytes_read = reader->bytes_read();
  if (!load.ok()) {
    if (!absl::IsInvalidArgument(load) || loaded >= txns.size()) return load;
    // "transaction N: reason" -> the line of transaction N's tx line.
    std::string message(load.message());
    const size_t colon = message.find(": ");
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ":", tx_lines[loaded], ": ", colon == std::string::npos ? message : message.substr(colon + 2)));
  }
  return read_error;
}

}  // namespace

absl::Status ImportOps(Database* db, std::istream* in, const std::string& file_name, ImportCounts* counts,
                       const std::function<void(const ImportCounts&)>& progress, bool bulk) {
  *counts = ImportCounts{};
  OpsReader reader(in, file_name);
  if (bulk) return BulkImport(db, &reader, file_name, counts, progress);
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
