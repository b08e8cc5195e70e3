#include "storage/pending_writes.h"

#include <algorithm>
#include <deque>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "absl/strings/str_cat.h"
#include "util/status_macros.h"

namespace hindsight::internal {
namespace {

constexpr size_t kEntryOverhead = 96;      // a tree slot, its strings, the vector
constexpr size_t kOperandsToCombine = 16;  // pending operands of one key combined into one

rocksdb::Slice SliceOf(std::string_view s) { return {s.data(), s.size()}; }
std::string_view ViewOf(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

}  // namespace

// Replays a write batch into PendingWrites, naming families by handle id.
class PendingWrites::BatchApplier final : public rocksdb::WriteBatch::Handler {
 public:
  explicit BatchApplier(PendingWrites* pending) : pending_(pending) {}

  rocksdb::Status PutCF(uint32_t id, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    const int family = FamilyOf(id);
    if (family >= 0) pending_->Put(family, ViewOf(key), ViewOf(value));
    return status_;
  }
  rocksdb::Status DeleteCF(uint32_t id, const rocksdb::Slice& key) override {
    const int family = FamilyOf(id);
    if (family >= 0) pending_->Delete(family, ViewOf(key));
    return status_;
  }
  rocksdb::Status MergeCF(uint32_t id, const rocksdb::Slice& key, const rocksdb::Slice& operand) override {
    const int family = FamilyOf(id);
    if (family >= 0 && error_.ok()) error_ = pending_->Merge(family, ViewOf(key), ViewOf(operand));
    if (!error_.ok()) status_ = rocksdb::Status::Aborted();
    return status_;
  }
  rocksdb::Status DeleteRangeCF(uint32_t id, const rocksdb::Slice& begin, const rocksdb::Slice& end) override {
    const int family = FamilyOf(id);
    if (family >= 0) pending_->DeleteRange(family, ViewOf(begin), ViewOf(end));
    return status_;
  }

  absl::Status error() const { return error_; }

 private:
  int FamilyOf(uint32_t id) {
    for (int family = 0; family < kColumnFamilyCount; ++family) {
      if (pending_->handles_[family]->GetID() == id) return family;
    }
    error_ = absl::InternalError(absl::StrCat("a write batch names unknown column family ", id));
    status_ = rocksdb::Status::Aborted();
    return -1;
  }

  PendingWrites* pending_;
  absl::Status error_;
  rocksdb::Status status_;
};

PendingWrites::PendingWrites(StoreReader* base, std::array<const rocksdb::MergeOperator*, kColumnFamilyCount> merge,
                             const std::vector<rocksdb::ColumnFamilyHandle*>& handles)
    : base_(base), handles_(handles), merge_(merge) {}

absl::Status PendingWrites::Apply(const rocksdb::WriteBatch& batch) {
  BatchApplier applier(this);
  const rocksdb::Status s = batch.Iterate(&applier);
  HS_RETURN_IF_ERROR(applier.error());
  if (!s.ok()) return absl::InternalError(absl::StrCat("cannot replay a write batch: ", s.ToString()));
  return absl::OkStatus();
}

void PendingWrites::Account(const Entry& entry, int sign) {
  size_t size = entry.value.capacity();
  for (const std::string& operand : entry.operands) size += operand.size();
  bytes_ += sign > 0 ? size : -size;
}

PendingWrites::Entry& PendingWrites::Slot(int family, std::string_view key) {
  Table& table = tables_[family];
  auto it = table.find(key);
  if (it == table.end()) {
    it = table.emplace(std::string(key), Entry{}).first;
    bytes_ += key.size() + kEntryOverhead;
  }
  return it->second;
}

void PendingWrites::Put(int family, std::string_view key, std::string_view value) {
  Entry& entry = Slot(family, key);
  Account(entry, -1);
  entry.state = Entry::kValue;
  entry.value.assign(value);
  entry.operands.clear();
  Account(entry, +1);
}

void PendingWrites::Delete(int family, std::string_view key) {
  Entry& entry = Slot(family, key);
  Account(entry, -1);
  entry.state = Entry::kDeleted;
  entry.value = std::string();
  entry.operands.clear();
}

absl::Status PendingWrites::Merge(int family, std::string_view key, std::string_view operand) {
  const rocksdb::MergeOperator* merge = merge_[family];
  if (merge == nullptr) return absl::InternalError(absl::StrCat("no merge operator for ", kColumnFamilyNames[family]));
  const bool known = tables_[family].contains(key) || InDeletedRange(family, key);
  Entry& entry = Slot(family, key);
  if (!known) entry.state = Entry::kOperands;
  Account(entry, -1);
  entry.operands.emplace_back(operand);
  if (entry.state != Entry::kOperands) {
    HS_RETURN_IF_ERROR(ResolveWith(family, key, entry.present() ? &entry.value : nullptr, &entry));
  } else if (entry.operands.size() >= kOperandsToCombine) {
    const std::deque<rocksdb::Slice> operands(entry.operands.begin(), entry.operands.end());
    std::string combined;
    if (!merge->PartialMergeMulti(SliceOf(key), operands, &combined, nullptr)) {
      return absl::DataLossError(absl::StrCat("cannot combine merge operands in ", kColumnFamilyNames[family]));
    }
    entry.operands.assign(1, std::move(combined));
  }
  Account(entry, +1);
  return absl::OkStatus();
}

void PendingWrites::DeleteRange(int family, std::string_view begin, std::string_view end) {
  Table& table = tables_[family];
  for (auto it = table.lower_bound(begin); it != table.end() && it->first < end;) {
    Account(it->second, -1);
    bytes_ -= it->first.size() + kEntryOverhead;
    it = table.erase(it);
  }
  deleted_ranges_[family].emplace_back(begin, end);
  bytes_ += begin.size() + end.size() + kEntryOverhead;
}

bool PendingWrites::InDeletedRange(int family, std::string_view key) const {
  for (const auto& [begin, end] : deleted_ranges_[family]) {
    if (begin <= key && key < end) return true;
  }
  return false;
}

absl::Status PendingWrites::ResolveWith(int family, std::string_view key, const std::string* base_value,
                                        Entry* entry) {
  std::vector<rocksdb::Slice> operands(entry->operands.begin(), entry->operands.end());
  const rocksdb::Slice existing = base_value != nullptr ? SliceOf(*base_value) : rocksdb::Slice();
  const rocksdb::MergeOperator::MergeOperationInput in(SliceOf(key), base_value != nullptr ? &existing : nullptr,
                                                       operands, nullptr);
  std::string merged;
  rocksdb::Slice existing_operand(nullptr, 0);  // set when the result is one of the inputs
  rocksdb::MergeOperator::MergeOperationOutput out(merged, existing_operand);
  if (!merge_[family]->FullMergeV2(in, &out)) {
    return absl::DataLossError(absl::StrCat("cannot merge a record of ", kColumnFamilyNames[family]));
  }
  if (existing_operand.data() != nullptr) merged.assign(existing_operand.data(), existing_operand.size());
  entry->state = Entry::kValue;
  entry->value = std::move(merged);
  entry->operands.clear();
  return absl::OkStatus();
}

absl::Status PendingWrites::Resolve(int family, std::string_view key, Entry* entry) {
  if (entry->state != Entry::kOperands) return absl::OkStatus();
  Account(*entry, -1);
  std::string base_value;
  bool found = false;
  if (!InDeletedRange(family, key)) {
    HS_ASSIGN_OR_RETURN(found, base_->Get(family, key, &base_value));
  }
  HS_RETURN_IF_ERROR(ResolveWith(family, key, found ? &base_value : nullptr, entry));
  Account(*entry, +1);
  return absl::OkStatus();
}

absl::StatusOr<bool> PendingWrites::Get(int family, std::string_view key, std::string* value) {
  Table& table = tables_[family];
  auto it = table.find(key);
  if (it == table.end()) {
    if (InDeletedRange(family, key)) return false;
    std::string base_value;
    HS_ASSIGN_OR_RETURN(const bool found, base_->Get(family, key, &base_value));
    Entry& entry = Slot(family, key);  // remembered: the next read of it costs no base read
    entry.state = found ? Entry::kCachedValue : Entry::kCachedAbsent;
    entry.value = std::move(base_value);
    Account(entry, +1);
    if (found) *value = entry.value;
    return found;
  }
  HS_RETURN_IF_ERROR(Resolve(family, key, &it->second));
  if (!it->second.present()) return false;
  *value = it->second.value;
  return true;
}

absl::Status PendingWrites::Scan(int family, std::string_view prefix, EntryVisitor visit) {
  Table& table = tables_[family];
  auto it = table.lower_bound(prefix);
  const auto pending = [&] { return it != table.end() && std::string_view(it->first).starts_with(prefix); };
  absl::Status error;
  bool stopped = false;
  // Visits the pending entries with keys before `bound` (all if null),
  // which the base does not hold.
  const auto visit_pending_before = [&](const std::string_view* bound) {
    for (; !stopped && pending() && (bound == nullptr || it->first < *bound); ++it) {
      Entry& entry = it->second;
      if (entry.state == Entry::kOperands) {
        Account(entry, -1);
        error = ResolveWith(family, it->first, nullptr, &entry);
        if (!error.ok()) return false;
        Account(entry, +1);
      }
      if (entry.present() && !visit(it->first, entry.value)) stopped = true;
    }
    return error.ok() && !stopped;
  };
  HS_RETURN_IF_ERROR(base_->Scan(family, prefix, [&](std::string_view key, std::string_view value) {
    if (!visit_pending_before(&key)) return false;
    if (pending() && it->first == key) {
      Entry& entry = it->second;
      ++it;
      if (entry.state == Entry::kOperands) {
        const std::string base_value(value);
        Account(entry, -1);
        error = ResolveWith(family, key, &base_value, &entry);
        if (!error.ok()) return false;
        Account(entry, +1);
      }
      stopped = entry.present() && !visit(key, entry.value);
      return !stopped;
    }
    if (InDeletedRange(family, key)) return true;
    stopped = !visit(key, value);
    return !stopped;
  }));
  HS_RETURN_IF_ERROR(error);
  if (!stopped) visit_pending_before(nullptr);
  return error;
}

void PendingWrites::WriteTo(rocksdb::WriteBatch* batch) const {
  for (int family = 0; family < kColumnFamilyCount; ++family) {
    rocksdb::ColumnFamilyHandle* cf = handles_[family];
    for (const auto& [begin, end] : deleted_ranges_[family]) batch->DeleteRange(cf, begin, end);
    for (const auto& [key, entry] : tables_[family]) {
      switch (entry.state) {
        case Entry::kValue:
          batch->Put(cf, key, entry.value);
          break;
        case Entry::kDeleted:
          batch->Delete(cf, key);
          break;
        case Entry::kOperands:
          for (const std::string& operand : entry.operands) batch->Merge(cf, key, operand);
          break;
        case Entry::kCachedValue:
        case Entry::kCachedAbsent:
          break;
      }
    }
  }
}

absl::Status PendingWrites::VisitTable(int family, TableVisitor visit) {
  std::vector<std::pair<std::string, std::string>> ranges = deleted_ranges_[family];
  std::sort(ranges.begin(), ranges.end());
  for (const auto& [begin, end] : ranges) HS_RETURN_IF_ERROR(visit(EntryKind::kDeleteRange, begin, end));
  for (auto& [key, entry] : tables_[family]) {
    HS_RETURN_IF_ERROR(Resolve(family, key, &entry));
    if (entry.state == Entry::kValue) HS_RETURN_IF_ERROR(visit(EntryKind::kPut, key, entry.value));
    if (entry.state == Entry::kDeleted) HS_RETURN_IF_ERROR(visit(EntryKind::kDelete, key, {}));
  }
  return absl::OkStatus();
}

void PendingWrites::Clear() {
  for (Table& table : tables_) table.clear();
  for (auto& ranges : deleted_ranges_) ranges.clear();
  bytes_ = 0;
}

}  // namespace hindsight::internal
