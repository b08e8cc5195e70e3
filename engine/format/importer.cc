#include "format/importer.h"

#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "format/committed_prefix.h"
#include "format/ops_read_ahead.h"
#include "format/ops_reader.h"

namespace hindsight::internal {
namespace {

// The blocks of the file, as a transaction source: `first` (already read),
// then the reader's. Remembers each block's `tx` line and operation count.
class BlockSource {
 public:
  BlockSource(OpsReadAhead* reader, std::optional<OpsBlock> first, ImportCounts counts,
              const std::function<void(const ImportCounts&)>& progress, const std::atomic<bool>* cancel)
      : reader_(reader), first_(std::move(first)), read_(counts), progress_(progress), cancel_(cancel) {}

  absl::StatusOr<const Transaction*> Next() {
    if (cancel_ != nullptr && cancel_->load(std::memory_order_relaxed)) return absl::CancelledError("cancelled");
    std::optional<OpsBlock> b;
    if (first_) {
      b = std::move(first_);
      first_.reset();
    } else if (!done_) {
      absl::StatusOr<std::optional<OpsBlock>> next = reader_->Next();
      if (!next.ok()) return next.status();
      b = std::move(*next);
    }
    if (!b) {
      done_ = true;
      return nullptr;
    }
    block_ = std::move(*b);
    tx_lines_.push_back(block_.tx_line);
    operations_.push_back(static_cast<uint32_t>(block_.txn.operations().size()));
    ++read_.transactions;
    read_.operations += operations_.back();
    read_.bytes_read = reader_->bytes_read();
    if (progress_) progress_(read_);
    return &block_.txn;
  }

  // Every block, for an atomic import; nullptr for none, the reader's error.
  absl::StatusOr<std::vector<Transaction>> All() {
    std::vector<Transaction> all;
    for (;;) {
      absl::StatusOr<const Transaction*> t = Next();
      if (!t.ok()) return t.status();
      if (*t == nullptr) return all;
      all.push_back(**t);
    }
  }

  const std::vector<int>& tx_lines() const { return tx_lines_; }
  uint64_t OperationsOfFirst(size_t n) const {
    uint64_t ops = 0;
    for (size_t i = 0; i < n; ++i) ops += operations_[i];
    return ops;
  }

 private:
  OpsReadAhead* reader_;
  std::optional<OpsBlock> first_;
  OpsBlock block_;
  bool done_ = false;
  std::vector<int> tx_lines_;         // of each block handed over
  std::vector<uint32_t> operations_;  // in each
  ImportCounts read_;
  const std::function<void(const ImportCounts&)>& progress_;
  const std::atomic<bool>* cancel_;
};

// `status`, "transaction N: reason" about the N-th block handed over, as
// "FILE:LINE: reason".
absl::Status AtBlockLine(const absl::Status& status, const std::vector<int>& tx_lines, const std::string& file_name) {
  absl::string_view reason = status.message();
  size_t n = 0;
  if (absl::ConsumePrefix(&reason, "transaction ")) {
    const size_t colon = reason.find(": ");
    if (colon == absl::string_view::npos || !absl::SimpleAtoi(reason.substr(0, colon), &n)) n = 0;
    if (n > 0) reason.remove_prefix(colon + 2);
  }
  if (n == 0 || n > tx_lines.size()) return status;
  return absl::InvalidArgumentError(absl::StrCat(file_name, ":", tx_lines[n - 1], ": ", reason));
}

// Validates every block before writing any, then commits them together.
absl::Status CommitAtomically(Database* db, BlockSource* blocks, size_t* written) {
  *written = 0;
  absl::StatusOr<std::vector<Transaction>> all = blocks->All();
  if (!all.ok()) return all.status();
  std::vector<const Transaction*> txns;
  for (const Transaction& t : *all) txns.push_back(&t);
  const std::vector<absl::StatusOr<LogRecord>> planned = db->PrepareCommits(txns);
  for (size_t i = 0; i < planned.size(); ++i) {
    if (!planned[i].ok()) {
      return absl::InvalidArgumentError(absl::StrCat("transaction ", i + 1, ": ", planned[i].status().message()));
    }
  }
  size_t i = 0;
  return db->CommitAll([&]() -> absl::StatusOr<const Transaction*> { return i < txns.size() ? txns[i++] : nullptr; },
                       written);
}

}  // namespace

absl::Status ImportOps(Database* db, std::istream* in, const std::string& file_name, ImportCounts* counts,
                       const std::function<void(const ImportCounts&)>& progress, const ImportOptions& options) {
  *counts = ImportCounts{};
  if (options.atomic && options.mode == ImportMode::kBulk) {
    return absl::InvalidArgumentError("an atomic import commits; it cannot bulk load");
  }
  OpsReader reader(in, file_name);
  absl::StatusOr<CommittedPrefix> prefix = SkipCommittedBlocks(*db, &reader, file_name);
  if (!prefix.ok()) return prefix.status();
  counts->skipped = prefix->blocks;
  counts->skipped_from = prefix->first_id;
  const bool any_block = prefix->blocks > 0 || prefix->next.has_value();
  OpsReadAhead ahead(&reader);  // the file parsed while the blocks before are written
  BlockSource blocks(&ahead, std::move(prefix->next), *counts, progress, options.cancel);
  const bool bulk = !options.atomic && (options.mode == ImportMode::kBulk ||
                                        (options.mode == ImportMode::kAuto && db->LastTransaction().id == 0));
  const Database::TransactionSource next = [&] { return blocks.Next(); };
  size_t written = 0;
  const absl::Status status = options.atomic ? CommitAtomically(db, &blocks, &written)
                              : bulk         ? db->BulkLoad(next, Database::SourceCalls::kAhead, &written)
                                             : db->CommitAll(next, Database::SourceCalls::kAhead, &written);
  counts->transactions = written;
  counts->operations = blocks.OperationsOfFirst(written);
  counts->bytes_read = ahead.bytes_read();
  if (!any_block && status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(file_name, ": no transactions (empty file?)"));
  }
  if (!absl::IsInvalidArgument(status)) return status;
  return AtBlockLine(status, blocks.tx_lines(), file_name);
}

}  // namespace hindsight::internal
