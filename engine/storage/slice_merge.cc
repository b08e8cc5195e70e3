#include "storage/slice_merge.h"

#include <deque>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "storage/records.h"

namespace hindsight::internal {
namespace {

std::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

SliceEntryId IdOf(const SliceRecordEntry& e) { return {e.subject, e.object, e.segment.valid.from}; }

// Consecutive operands as one change: every removal first (removing an
// entry that a later operand removes is the same as never adding it), then
// the additions that survive, the last of each id winning. Applying it
// equals applying the operands in order.
struct CombinedChange {
  absl::flat_hash_set<SliceEntryId> removed_ids;
  std::vector<SliceEntryId> removed;  // in first-removed order
  absl::flat_hash_map<SliceEntryId, SliceRecordEntry> added;

  // False if an operand is damaged.
  template <typename Operands>
  bool Add(const Operands& operands) {
    std::vector<SliceEntryId> operand_removed;
    std::vector<SliceRecordEntry> operand_added;
    for (const rocksdb::Slice& operand : operands) {
      operand_removed.clear();
      operand_added.clear();
      if (!DecodeSliceBucketChange(View(operand), &operand_removed, &operand_added).ok()) return false;
      for (const SliceEntryId& id : operand_removed) {
        if (removed_ids.insert(id).second) removed.push_back(id);
        added.erase(id);
      }
      for (SliceRecordEntry& e : operand_added) added.insert_or_assign(IdOf(e), std::move(e));
    }
    return true;
  }

  std::vector<SliceRecordEntry> TakeAdded() {
    std::vector<SliceRecordEntry> list;
    list.reserve(added.size());
    for (auto& [id, e] : added) list.push_back(std::move(e));
    return list;
  }
};

class SliceMergeOperator final : public rocksdb::MergeOperator {
 public:
  // The bucket's entries that the combined change neither removes nor
  // replaces, then its additions.
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    CombinedChange change;
    if (!change.Add(in.operand_list)) return false;
    std::vector<SliceRecordEntry> entries;
    if (in.existing_value != nullptr && !DecodeSliceBucket(View(*in.existing_value), &entries).ok()) {
      return false;
    }
    std::erase_if(entries, [&](const SliceRecordEntry& e) {
      const SliceEntryId id = IdOf(e);
      return change.removed_ids.contains(id) || change.added.contains(id);
    });
    for (SliceRecordEntry& e : change.TakeAdded()) entries.push_back(std::move(e));
    out->new_value = EncodeSliceBucket(std::move(entries));
    return true;
  }

  // Flushes and compactions that cannot reach a bucket's value combine its
  // operands, so a read merges at most a few of them.
  bool PartialMergeMulti(const rocksdb::Slice& /*key*/, const std::deque<rocksdb::Slice>& operands,
                         std::string* merged, rocksdb::Logger* /*logger*/) const override {
    CombinedChange change;
    if (!change.Add(operands)) return false;
    *merged = EncodeSliceBucketChange(change.removed, change.TakeAdded());
    return true;
  }

  const char* Name() const override { return "hindsight.SliceMerge"; }
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> NewSliceMergeOperator() { return std::make_shared<SliceMergeOperator>(); }

}  // namespace hindsight::internal
