#include "storage/slice_merge.h"

#include <deque>
#include <string_view>
#include <vector>

#include "storage/records.h"
#include "storage/rocks_slice.h"
#include "storage/slice_index.h"

namespace hindsight::internal {
namespace {

// The operands as one change; false if one is damaged.
template <typename Operands>
bool Combine(const Operands& operands, SliceBucketChange* change) {
  for (const rocksdb::Slice& operand : operands) {
    if (!change->AddEncoded(View(operand)).ok()) return false;
  }
  return true;
}

class SliceMergeOperator final : public rocksdb::MergeOperator {
 public:
  // The bucket's entries that the combined change neither removes nor
  // replaces, then its additions.
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    SliceBucketChange change;
    if (!Combine(in.operand_list, &change)) return false;
    std::vector<SliceRecordEntry> entries;
    if (in.existing_value != nullptr && !DecodeSliceBucket(View(*in.existing_value), &entries).ok()) {
      return false;
    }
    change.ApplyTo(&entries);
    out->new_value = EncodeSliceBucket(std::move(entries));
    return true;
  }

  // Flushes and compactions that cannot reach a bucket's value combine its
  // operands, so a read merges at most a few of them.
  bool PartialMergeMulti(const rocksdb::Slice& /*key*/, const std::deque<rocksdb::Slice>& operands,
                         std::string* merged, rocksdb::Logger* /*logger*/) const override {
    SliceBucketChange change;
    if (!Combine(operands, &change)) return false;
    *merged = change.Encode();
    return true;
  }

  const char* Name() const override { return "hindsight.SliceMerge"; }
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> NewSliceMergeOperator() { return std::make_shared<SliceMergeOperator>(); }

}  // namespace hindsight::internal
