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

class SliceMergeOperator final : public rocksdb::MergeOperator {
 public:
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    std::vector<SliceRecordEntry> entries;
    if (in.existing_value != nullptr && !DecodeSliceBucket(View(*in.existing_value), std::nullopt, &entries).ok()) {
      return false;
    }
    std::vector<bool> kept(entries.size(), true);
    absl::flat_hash_map<SliceEntryId, size_t> position;  // of each kept entry
    position.reserve(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) position[IdOf(entries[i])] = i;
    std::vector<SliceEntryId> removed;
    std::vector<SliceRecordEntry> added;
    for (const rocksdb::Slice& operand : in.operand_list) {
      removed.clear();
      added.clear();
      if (!DecodeSliceBucketChange(View(operand), &removed, &added).ok()) return false;
      for (const SliceEntryId& id : removed) {
        const auto it = position.find(id);
        if (it == position.end()) continue;
        kept[it->second] = false;
        position.erase(it);
      }
      for (SliceRecordEntry& e : added) {
        const auto [it, inserted] = position.try_emplace(IdOf(e), entries.size());
        if (!inserted) {  // replaces the entry of the same id
          kept[it->second] = false;
          it->second = entries.size();
        }
        entries.push_back(std::move(e));
        kept.push_back(true);
      }
    }
    std::vector<SliceRecordEntry> result;
    result.reserve(position.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      if (kept[i]) result.push_back(std::move(entries[i]));
    }
    out->new_value = EncodeSliceBucket(std::move(result));
    return true;
  }

  // Operands combine into one change: every removal first (removing an
  // entry a later operand removes is the same as never adding it), then the
  // additions that survive, the last of each id winning. Flushes and
  // compactions that cannot reach a bucket's value combine its operands
  // this way, so a read merges at most a few of them.
  bool PartialMergeMulti(const rocksdb::Slice& /*key*/, const std::deque<rocksdb::Slice>& operands,
                         std::string* merged, rocksdb::Logger* /*logger*/) const override {
    absl::flat_hash_set<SliceEntryId> removed_ids;
    std::vector<SliceEntryId> removed;
    absl::flat_hash_map<SliceEntryId, SliceRecordEntry> added;
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
    std::vector<SliceRecordEntry> added_list;
    added_list.reserve(added.size());
    for (auto& [id, e] : added) added_list.push_back(std::move(e));
    *merged = EncodeSliceBucketChange(removed, added_list);
    return true;
  }

  const char* Name() const override { return "hindsight.SliceMerge"; }

 private:
  static SliceEntryId IdOf(const SliceRecordEntry& e) { return {e.subject, e.object, e.segment.valid.from}; }
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> NewSliceMergeOperator() { return std::make_shared<SliceMergeOperator>(); }

}  // namespace hindsight::internal
