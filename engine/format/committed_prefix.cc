#include "format/committed_prefix.h"

#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "query/transactions_by_time.h"

namespace hindsight::internal {
namespace {

std::string DigestOf(const Operation& op) { return op.key_digest.empty() ? KeyDigest(op.key) : op.key_digest; }

bool SameOperation(const Operation& file, const Operation& logged) {
  if (file.kind != logged.kind) return false;
  if (file.kind == Operation::Kind::kErase) return DigestOf(file) == DigestOf(logged);
  return file.key == logged.key && file.valid == logged.valid &&
         (file.kind == Operation::Kind::kRetract || FormatValue(file.value) == FormatValue(logged.value));
}

// An operation of a block the log lacks: its key must be erased later.
struct Missing {
  std::string digest;
  int line;
  uint64_t tx;
};

// Why `block` is not the logged transaction (`info`, `logged`); "" when it
// is. The operations the log lacks go to `*missing`.
std::string Difference(const OpsBlock& block, const TransactionInfo& info, const Transaction& logged,
                       std::vector<Missing>* missing) {
  if (block.txn.time() && *block.txn.time() != info.time) {
    return absl::StrCat("its time is not that of transaction ", info.id, " (", FormatInstant(info.time), ")");
  }
  if (block.txn.source() != info.source) {
    return absl::StrCat("its source is not that of transaction ", info.id, " ('", info.source, "')");
  }
  const std::vector<Operation>& ops = block.txn.operations();
  const std::vector<Operation>& kept = logged.operations();
  size_t j = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (j < kept.size() && SameOperation(ops[i], kept[j])) {
      ++j;
    } else {
      missing->push_back({DigestOf(ops[i]), block.op_lines[i], info.id});  // erased since, or a difference
    }
  }
  if (j != kept.size()) return absl::StrCat("its operations are not those of transaction ", info.id);
  return "";
}

absl::Status Diverged(const std::string& file_name, int line, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(
      file_name, ":", line, ": the database already has transactions from this file's time on, but ", why,
      ": it holds another history than this file; nothing was imported"));
}

}  // namespace

absl::StatusOr<CommittedPrefix> SkipCommittedBlocks(const Database& db, OpsReader* reader,
                                                    const std::string& file_name) {
  CommittedPrefix prefix;
  absl::StatusOr<std::optional<OpsBlock>> first = reader->Next();
  if (!first.ok()) return first.status();
  prefix.next = std::move(*first);
  const TransactionInfo last = db.LastTransaction();
  if (!prefix.next || !prefix.next->txn.time() || *prefix.next->txn.time() > last.time || last.id == 0) {
    return prefix;
  }
  TransactionsByTime by_time(db);
  absl::StatusOr<TransactionsByTime::Committed> start = by_time.At(*prefix.next->txn.time());
  if (absl::IsNotFound(start.status())) {
    return Diverged(file_name, prefix.next->tx_line,
                    absl::StrCat("none at this block's time ", FormatInstant(*prefix.next->txn.time())));
  }
  if (!start.ok()) return start.status();
  prefix.first_id = start->id;
  // Walk the log from there, a block for each transaction.
  std::vector<Missing> missing;
  absl::flat_hash_set<std::string> erased;
  absl::Status status;
  absl::Status scan = db.ScanLog(start->id, [&](const TransactionInfo& info, const Transaction& logged) {
    for (const Operation& op : logged.operations()) {
      if (op.kind == Operation::Kind::kErase) erased.insert(DigestOf(op));
    }
    if (!prefix.next) return true;  // the file ends: the rest of the log is newer
    if (const std::string why = Difference(*prefix.next, info, logged, &missing); !why.empty()) {
      status = Diverged(file_name, prefix.next->tx_line, why);
      return false;
    }
    ++prefix.blocks;
    absl::StatusOr<std::optional<OpsBlock>> next = reader->Next();
    if (!next.ok()) {
      status = next.status();
      return false;
    }
    prefix.next = std::move(*next);
    return true;
  });
  if (!scan.ok()) return scan;
  if (!status.ok()) return status;
  for (const Missing& m : missing) {
    if (!erased.contains(m.digest)) {
      return Diverged(file_name, m.line,
                      absl::StrCat("transaction ", m.tx, " lacks this operation, and its key was not erased since"));
    }
  }
  return prefix;
}

}  // namespace hindsight::internal
