#include "storage/key_change.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace hindsight::internal {

KeyChange ApplyOperations(const std::vector<StoredSegment>& before, const std::vector<const Operation*>& ops,
                          Instant time) {
  Timeline current;
  current.reserve(before.size());
  for (const StoredSegment& s : before) current.push_back(s.segment);
  std::vector<PortionEdit> edits;
  edits.reserve(ops.size());
  for (const Operation* op : ops) {
    edits.push_back({op->valid, op->kind == Operation::Kind::kAssert ? &op->value : nullptr});
  }
  Timeline after = ApplyEdits(std::move(current), edits);
  // Both timelines are canonical, so a segment is identified by from, to
  // and value; walk them in order of from.
  KeyChange change;
  size_t i = 0, j = 0;
  while (i < before.size() || j < after.size()) {
    if (j == after.size() || (i < before.size() && before[i].segment.valid.from < after[j].valid.from)) {
      change.removed.push_back(before[i++]);
    } else if (i == before.size() || after[j].valid.from < before[i].segment.valid.from) {
      change.added.push_back(after[j]);
      change.live.push_back({std::move(after[j++]), time});
    } else if (before[i].segment == after[j]) {
      change.live.push_back(before[i++]);
      ++j;
    } else {
      change.removed.push_back(before[i++]);
      change.added.push_back(after[j]);
      change.live.push_back({std::move(after[j++]), time});
    }
  }
  return change;
}

absl::Status ValidateOperation(const Operation& op, size_t index) {
  const auto fail = [index](const char* what, const absl::Status& s) {
    return absl::InvalidArgumentError(absl::StrCat("operation ", index + 1, ": ", what, s.message()));
  };
  if (!op.key_digest.empty()) {
    if (op.kind != Operation::Kind::kErase || op.key_digest.size() != 32 || !op.key.subject.empty() ||
        !op.key.predicate.empty() || !op.key.object.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("operation ", index + 1, ": a key digest is 32 bytes and only names an erased key"));
    }
    return absl::OkStatus();
  }
  if (absl::Status s = ValidateName(op.key.subject); !s.ok()) return fail("subject: ", s);
  if (absl::Status s = ValidateName(op.key.predicate); !s.ok()) return fail("predicate: ", s);
  if (absl::Status s = ValidateName(op.key.object); !s.ok()) return fail("object: ", s);
  if (op.kind == Operation::Kind::kErase) return absl::OkStatus();
  if (!(op.valid.from < op.valid.to)) {
    return absl::InvalidArgumentError(absl::StrCat("operation ", index + 1, ": from ", FormatInstant(op.valid.from),
                                                   " is not before to ", FormatInstant(op.valid.to)));
  }
  if (op.kind == Operation::Kind::kRetract && !op.value.is_none()) {
    return absl::InvalidArgumentError(absl::StrCat("operation ", index + 1, ": a retract carries no value"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Instant> TransactionTime(const Transaction& txn, Instant previous, Instant now) {
  if (!txn.time().has_value()) return std::max(now, previous + 1);
  const Instant time = *txn.time();
  if (time == kNegInf || time == kPosInf) return absl::InvalidArgumentError("the transaction time must be finite");
  if (time <= previous) {
    return absl::InvalidArgumentError(absl::StrCat("transaction time ", FormatInstant(time),
                                                   " is not after the previous transaction's ",
                                                   FormatInstant(previous)));
  }
  return time;
}

TransactionRecord RecordToLog(uint64_t id, Instant time, const Transaction& txn, const std::vector<bool>& dropped) {
  TransactionRecord record{id, time, txn.source(), {}};
  record.operations.reserve(txn.operations().size());
  for (size_t i = 0; i < txn.operations().size(); ++i) {
    if (dropped[i]) continue;
    Operation op = txn.operations()[i];
    if (op.kind == Operation::Kind::kErase && op.key_digest.empty()) {
      op.key_digest = KeyDigest(op.key);
      op.key = FactKey{};
    }
    record.operations.push_back(std::move(op));
  }
  return record;
}

ErasedKeys::ErasedKeys(const std::vector<FactKey>& named, const std::vector<std::string>& digests_only)
    : digests_(digests_only.begin(), digests_only.end()), digests_only_(!digests_only.empty()) {
  for (const FactKey& k : named) {
    keys_.emplace(k.subject, k.predicate, k.object);
    digests_.insert(KeyDigest(k));
  }
}

bool ErasedKeys::Names(std::string_view subject, std::string_view predicate, std::string_view object,
                       std::string_view digest) const {
  if (!digest.empty()) return digests_.contains(absl::string_view(digest.data(), digest.size()));
  if (keys_.contains(std::make_tuple(subject, predicate, object))) return true;
  return digests_only_ &&
         digests_.contains(KeyDigest({std::string(subject), std::string(predicate), std::string(object)}));
}

}  // namespace hindsight::internal
