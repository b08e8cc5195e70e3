#include "storage/pending_writes.h"

#include <algorithm>
#include <deque>

#include "absl/strings/str_cat.h"
#include "storage/records.h"
#include "storage/timeline_merge.h"
#include "util/status_macros.h"

namespace hindsight::internal {
namespace {

constexpr size_t kEntryOverhead = 128;     // hash and tree slots, the entry's strings and vector
constexpr size_t kOperandsToCombine = 16;  // pending operands of one key combined into one...

rocksdb::Slice SliceOf(std::string_view s) { return {s.data(), s.size()}; }
absl::string_view AbslView(std::string_view s) { return {s.data(), s.size()}; }  // Debian's is not std's

// ... once those after the first (the combination of all before) take as
// many bytes as it: a key merged n times costs O(n) bytes of combining, not
// O(n^2), however large its combined operand grows.
bool WorthCombining(const std::vector<std::string>& operands) {
  if (operands.size() < kOperandsToCombine) return false;
  size_t later = 0;
  for (size_t i = 1; i < operands.size(); ++i) later += operands[i].size();
  return later >= operands.front().size();
}

}  // namespace

PendingWrites::PendingWrites(StoreReader* base, std::array<const rocksdb::MergeOperator*, kColumnFamilyCount> merge)
    : base_(base), merge_(merge) {}

void PendingWrites::Account(const Entry& entry, int sign) {
  size_t size = entry.value.capacity();
  for (const std::string& operand : entry.operands) size += operand.capacity();
  bytes_ += sign > 0 ? size : -size;
}

PendingWrites::KeyToOrder::KeyToOrder(std::string_view key, Entry* entry) : head{0, 0}, key(key), entry(entry) {
  for (size_t i = 0; i < 16; ++i) {
    const uint64_t byte = i < key.size() ? static_cast<uint8_t>(key[i]) : 0;
    head[i / 8] |= byte << (8 * (7 - i % 8));
  }
}

bool PendingWrites::KeyToOrder::operator<(const KeyToOrder& other) const {
  if (head[0] != other.head[0]) return head[0] < other.head[0];
  if (head[1] != other.head[1]) return head[1] < other.head[1];
  return key < other.key;
}

absl::btree_map<std::string_view, PendingWrites::Entry*>& PendingWrites::Ordered(int family) {
  Family& f = families_[family];
  std::sort(f.unordered.begin(), f.unordered.end());
  // In key order, each after the one before: into an empty tree (a group's
  // first ordered read) every insertion appends, without a search.
  auto hint = f.order.end();
  for (const KeyToOrder& k : f.unordered) hint = std::next(f.order.emplace_hint(hint, k.key, k.entry));
  f.unordered.clear();
  return f.order;
}

PendingWrites::Entry* PendingWrites::Find(int family, std::string_view key) {
  auto& entries = families_[family].entries;
  const auto it = entries.find(AbslView(key));
  return it == entries.end() ? nullptr : &it->second;
}

void PendingWrites::Prefetch(int family, std::string_view key) {
  families_[family].entries.prefetch(AbslView(key));
}

PendingWrites::Entry& PendingWrites::Slot(int family, std::string_view key, bool* added) {
  Family& f = families_[family];
  const auto [it, inserted] = f.entries.try_emplace(AbslView(key));
  if (added != nullptr) *added = inserted;
  if (inserted) {
    f.unordered.emplace_back(it->first, &it->second);
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
  entry.operands = {};
}

void PendingWrites::Merge(int family, std::string_view key, std::string_view operand) {
  if (!status_.ok()) return;
  if (merge_[family] == nullptr) {
    status_ = absl::InternalError(absl::StrCat("no merge operator for ", kColumnFamilyNames[family]));
    return;
  }
  bool added = false;
  Entry& entry = Slot(family, key, &added);
  if (added && !InDeletedRange(family, key)) entry.state = Entry::kOperands;  // over a base not read
  Account(entry, -1);
  if (family == kTimelinesCf && entry.present()) {  // the common case, without a new record
    if (MergeTimelineInPlace(&entry.value, operand)) {
      entry.state = Entry::kValue;
    } else {
      status_ = absl::DataLossError(absl::StrCat("cannot merge a record of ", kColumnFamilyNames[family]));
    }
  } else if (entry.state != Entry::kOperands) {  // merged over the value now
    std::string merged;
    status_ = FullMerge(family, key, entry.present() ? &entry.value : nullptr, {SliceOf(operand)}, &merged);
    if (status_.ok()) {
      entry.state = Entry::kValue;
      entry.value = std::move(merged);
    }
  } else {
    entry.operands.emplace_back(operand);
    if (WorthCombining(entry.operands)) status_ = CombineOperands(family, key, &entry);
  }
  Account(entry, +1);
}

void PendingWrites::ChangeSliceBuckets(SliceIndexEdits edits) { slice_changes_.Add(std::move(edits)); }

void PendingWrites::RefreshIndexCopies(const KeyIds& ids, std::string_view live) {
  Entry* record = Find(kTimelinesCf, LiveKey(ids));
  // None only after a failed merge (status()), which fails the whole group.
  if (record == nullptr || record->index_copies_due) return;
  record->index_copies_due = true;
  due_index_copies_.push_back(ids);
  due_bytes_ += 2 * (live.size() + kKeyIdsBytes + 1 + kEntryOverhead);
}

void PendingWrites::SettleIndexCopies() {
  for (const KeyIds& ids : due_index_copies_) {
    Entry& record = *Find(kTimelinesCf, LiveKey(ids));
    record.index_copies_due = false;
    // The live timeline is the first message of the record, or of its last
    // merge operand (merging keeps the newest live timeline).
    const std::string* newest = record.state == Entry::kOperands ? &record.operands.back()
                                : record.present()                ? &record.value
                                                                  : nullptr;
    if (newest == nullptr) continue;  // erased since: its entries are deleted
    const absl::StatusOr<size_t> live_bytes = FirstMessageBytes(*newest);
    if (!live_bytes.ok()) {
      status_ = absl::DataLossError(absl::StrCat("damaged timeline record: ", live_bytes.status().message()));
      continue;
    }
    std::string_view live(newest->data(), *live_bytes);
    if (record.state == Entry::kOperands) live = settled_lives_.emplace_back(live);
    settled_copies_.push_back({ObjectIndexKey(ids), live});
    settled_copies_.push_back({SubjectIndexKey(ids), live});
  }
  due_index_copies_.clear();
  std::sort(settled_copies_.begin(), settled_copies_.end(),
            [](const IndexCopy& a, const IndexCopy& b) { return a.key < b.key; });
}

absl::Status PendingWrites::CombineOperands(int family, std::string_view key, Entry* entry) {
  const std::deque<rocksdb::Slice> operands(entry->operands.begin(), entry->operands.end());
  std::string combined;
  if (!merge_[family]->PartialMergeMulti(SliceOf(key), operands, &combined, nullptr)) {
    return absl::DataLossError(absl::StrCat("cannot combine merge operands in ", kColumnFamilyNames[family]));
  }
  entry->operands.assign(1, std::move(combined));
  return absl::OkStatus();
}

void PendingWrites::DeleteRange(int family, std::string_view begin, std::string_view end) {
  Family& f = families_[family];
  auto& order = Ordered(family);
  for (auto it = order.lower_bound(begin); it != order.end() && it->first < end;) {
    const std::string_view key = it->first;
    Account(*it->second, -1);
    bytes_ -= key.size() + kEntryOverhead;
    it = order.erase(it);
    f.entries.erase(AbslView(key));
  }
  f.deleted_ranges.emplace_back(begin, end);
  bytes_ += begin.size() + end.size() + kEntryOverhead;
}

bool PendingWrites::InDeletedRange(int family, std::string_view key) const {
  for (const auto& [begin, end] : families_[family].deleted_ranges) {
    if (begin <= key && key < end) return true;
  }
  return false;
}

absl::Status PendingWrites::FullMerge(int family, std::string_view key, const std::string* base_value,
                                      const std::vector<rocksdb::Slice>& operands, std::string* merged) const {
  const rocksdb::Slice existing = base_value != nullptr ? SliceOf(*base_value) : rocksdb::Slice();
  const rocksdb::MergeOperator::MergeOperationInput in(SliceOf(key), base_value != nullptr ? &existing : nullptr,
                                                       operands, nullptr);
  rocksdb::Slice existing_operand(nullptr, 0);  // set when the result is one of the inputs
  rocksdb::MergeOperator::MergeOperationOutput out(*merged, existing_operand);
  if (!merge_[family]->FullMergeV2(in, &out)) {
    return absl::DataLossError(absl::StrCat("cannot merge a record of ", kColumnFamilyNames[family]));
  }
  if (existing_operand.data() != nullptr) merged->assign(existing_operand.data(), existing_operand.size());
  return absl::OkStatus();
}

absl::Status PendingWrites::ResolveWith(int family, std::string_view key, const std::string* base_value,
                                        Entry* entry) const {
  std::string merged;
  HS_RETURN_IF_ERROR(
      FullMerge(family, key, base_value, std::vector<rocksdb::Slice>(entry->operands.begin(), entry->operands.end()),
                &merged));
  entry->state = Entry::kValue;
  entry->value = std::move(merged);
  entry->operands.clear();
  return absl::OkStatus();
}

absl::Status PendingWrites::MergeOverBase(int family, std::string_view key, Entry* entry) const {
  std::string base_value;
  bool found = false;
  if (!InDeletedRange(family, key)) {
    HS_ASSIGN_OR_RETURN(found, base_->Get(family, key, &base_value));
  }
  return ResolveWith(family, key, found ? &base_value : nullptr, entry);
}

absl::Status PendingWrites::Resolve(int family, std::string_view key, Entry* entry) {
  if (entry->state != Entry::kOperands) return absl::OkStatus();
  Account(*entry, -1);
  HS_RETURN_IF_ERROR(MergeOverBase(family, key, entry));
  Account(*entry, +1);
  return absl::OkStatus();
}

absl::StatusOr<bool> PendingWrites::Get(int family, std::string_view key, std::string* value) {
  Entry* entry = Find(family, key);
  if (entry == nullptr) {
    if (InDeletedRange(family, key)) return false;
    std::string base_value;
    HS_ASSIGN_OR_RETURN(const bool found, base_->Get(family, key, &base_value));
    entry = &Slot(family, key);  // remembered: the next read of it costs no base read
    entry->state = found ? Entry::kCachedValue : Entry::kCachedAbsent;
    entry->value = std::move(base_value);
    Account(*entry, +1);
  }
  HS_RETURN_IF_ERROR(Resolve(family, key, entry));
  if (!entry->present()) return false;
  *value = entry->value;
  return true;
}

absl::Status PendingWrites::Scan(int family, std::string_view prefix, EntryVisitor visit) {
  const auto& order = Ordered(family);
  auto it = order.lower_bound(prefix);
  const auto pending = [&] { return it != order.end() && it->first.starts_with(prefix); };
  absl::Status error;
  bool stopped = false;
  // Visits the entry at `it`, which the base holds as `base_value` (nullptr:
  // not at all), and moves past it.
  const auto visit_entry = [&](const std::string* base_value) {
    const std::string_view key = it->first;
    Entry& entry = *it->second;
    ++it;
    if (entry.state == Entry::kOperands) {
      Account(entry, -1);
      error = ResolveWith(family, key, base_value, &entry);
      if (!error.ok()) return false;
      Account(entry, +1);
    }
    stopped = entry.present() && !visit(key, entry.value);
    return !stopped;
  };
  HS_RETURN_IF_ERROR(base_->Scan(family, prefix, [&](std::string_view key, std::string_view value) {
    while (pending() && it->first < key) {
      if (!visit_entry(nullptr)) return false;
    }
    if (pending() && it->first == key) {
      const std::string base_value(value);
      return visit_entry(&base_value);
    }
    if (InDeletedRange(family, key)) return true;
    stopped = !visit(key, value);
    return !stopped;
  }));
  HS_RETURN_IF_ERROR(error);
  while (!stopped && pending()) {
    if (!visit_entry(nullptr)) break;
  }
  return error;
}

absl::Status PendingWrites::WriteTo(WriteSink* sink, bool whole_buckets) {
  SettleIndexCopies();
  HS_RETURN_IF_ERROR(status_);
  if (whole_buckets) {
    HS_RETURN_IF_ERROR(VisitSliceBuckets([sink](EntryKind, std::string_view key, std::string_view bucket) {
      sink->Put(kSlicesCf, key, bucket);
      return absl::OkStatus();
    }));
  } else {
    for (const auto& [key, change] : slice_changes_.Combined()) sink->Merge(kSlicesCf, key, change.Encode());
  }
  for (int family = 0; family < kColumnFamilyCount; ++family) {
    const Family& f = families_[family];
    for (const auto& [begin, end] : f.deleted_ranges) sink->DeleteRange(family, begin, end);
    for (const auto& [key, entry_in] : Ordered(family)) {  // in order: the memtable inserts faster
      const Entry& entry = *entry_in;
      switch (entry.state) {
        case Entry::kValue:
          sink->Put(family, key, entry.value);
          break;
        case Entry::kDeleted:
          sink->Delete(family, key);
          break;
        case Entry::kOperands:
          for (const std::string& operand : entry.operands) sink->Merge(family, key, operand);
          break;
        case Entry::kCachedValue:
        case Entry::kCachedAbsent:
          break;
      }
    }
  }
  // After the entries they replace: in a write batch the later write wins.
  for (const IndexCopy& copy : settled_copies_) sink->Put(kKeysCf, copy.key, copy.live);
  return absl::OkStatus();
}

absl::Status PendingWrites::VisitSliceBuckets(TableVisitor visit) {
  SliceIndexChanges& changes = slice_changes_.Combined();
  std::vector<std::string_view> keys;
  keys.reserve(changes.size());
  for (const auto& [key, change] : changes) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  std::string bucket;
  std::vector<SliceRecordEntry> entries;
  for (const std::string_view key : keys) {
    entries.clear();
    HS_ASSIGN_OR_RETURN(const bool found, base_->Get(kSlicesCf, key, &bucket));
    if (found) HS_RETURN_IF_ERROR(DecodeSliceBucket(bucket, &entries));
    changes.find(AbslView(key))->second.ApplyTo(&entries);
    HS_RETURN_IF_ERROR(visit(EntryKind::kPut, key, EncodeSliceBucket(std::move(entries))));
  }
  return absl::OkStatus();
}

absl::Status PendingWrites::VisitTable(int family, TableVisitor visit) {
  if (family == kSlicesCf) return VisitSliceBuckets(visit);
  if (family == kKeysCf) {
    SettleIndexCopies();
    HS_RETURN_IF_ERROR(status_);
  }
  Family& f = families_[family];
  std::vector<std::pair<std::string, std::string>> ranges = f.deleted_ranges;
  std::sort(ranges.begin(), ranges.end());
  for (const auto& [begin, end] : ranges) HS_RETURN_IF_ERROR(visit(EntryKind::kDeleteRange, begin, end));
  // The index copies, merged into the entries in key order; a copy
  // replaces an entry of the same key.
  auto copy = settled_copies_.cbegin();
  const auto copies_end = family == kKeysCf ? settled_copies_.cend() : copy;
  const auto visit_copies_before = [&](std::string_view key) -> absl::Status {
    for (; copy != copies_end && copy->key < key; ++copy) {
      HS_RETURN_IF_ERROR(visit(EntryKind::kPut, copy->key, copy->live));
    }
    return absl::OkStatus();
  };
  for (const auto& [key, entry_in] : Ordered(family)) {
    HS_RETURN_IF_ERROR(visit_copies_before(key));
    if (copy != copies_end && copy->key == key) continue;  // written next, in its place
    Entry& entry = *entry_in;
    if (entry.state == Entry::kOperands) {  // (not accounted: all is cleared next)
      HS_RETURN_IF_ERROR(MergeOverBase(family, key, &entry));
    }
    if (entry.state == Entry::kValue) HS_RETURN_IF_ERROR(visit(EntryKind::kPut, key, entry.value));
    if (entry.state == Entry::kDeleted) HS_RETURN_IF_ERROR(visit(EntryKind::kDelete, key, {}));
  }
  for (; copy != copies_end; ++copy) HS_RETURN_IF_ERROR(visit(EntryKind::kPut, copy->key, copy->live));
  return absl::OkStatus();
}

void PendingWrites::Clear() {
  slice_changes_.Clear();
  due_index_copies_.clear();
  settled_copies_.clear();
  settled_lives_.clear();
  due_bytes_ = 0;
  for (Family& f : families_) {
    f.order.clear();
    f.unordered.clear();
    f.entries.clear();
    f.deleted_ranges.clear();
  }
  bytes_ = 0;
}

}  // namespace hindsight::internal
