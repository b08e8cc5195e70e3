#include "storage/slice_merge.h"

#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
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

  const char* Name() const override { return "hindsight.SliceMerge"; }

 private:
  static SliceEntryId IdOf(const SliceRecordEntry& e) { return {e.subject, e.object, e.segment.valid.from}; }
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> NewSliceMergeOperator() { return std::make_shared<SliceMergeOperator>(); }

}  // namespace hindsight::internal
