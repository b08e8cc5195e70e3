#include "storage/timeline_merge.h"

#include <string>
#include <string_view>

#include "storage/records.h"
#include "storage/rocks_slice.h"

namespace hindsight::internal {
namespace {

// Appends the closed messages of `record` (everything after its first
// message) to `out`; false if `record` is damaged.
bool AppendClosedPart(std::string_view record, std::string* out) {
  const absl::StatusOr<size_t> live = FirstMessageBytes(record);
  if (!live.ok()) return false;
  out->append(record.substr(*live));
  return true;
}

// Sets `out` to the first message of `record`; false if damaged.
bool AssignLivePart(std::string_view record, std::string* out) {
  const absl::StatusOr<size_t> live = FirstMessageBytes(record);
  if (!live.ok()) return false;
  out->assign(record.substr(0, *live));
  return true;
}

class TimelineMergeOperator final : public rocksdb::MergeOperator {
 public:
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    std::string& merged = out->new_value;
    if (!AssignLivePart(View(in.operand_list.back()), &merged)) return false;
    if (in.existing_value != nullptr && !AppendClosedPart(View(*in.existing_value), &merged)) return false;
    for (const rocksdb::Slice& operand : in.operand_list) {
      if (!AppendClosedPart(View(operand), &merged)) return false;
    }
    return true;
  }

  bool PartialMerge(const rocksdb::Slice& /*key*/, const rocksdb::Slice& left, const rocksdb::Slice& right,
                    std::string* merged, rocksdb::Logger* /*logger*/) const override {
    return AssignLivePart(View(right), merged) && AppendClosedPart(View(left), merged) &&
           AppendClosedPart(View(right), merged);
  }

  const char* Name() const override { return "hindsight.TimelineMerge"; }
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> NewTimelineMergeOperator() {
  return std::make_shared<TimelineMergeOperator>();
}

bool MergeTimelineInPlace(std::string* record, std::string_view operand) {
  const absl::StatusOr<size_t> old_live = FirstMessageBytes(*record);
  const absl::StatusOr<size_t> new_live = FirstMessageBytes(operand);
  if (!old_live.ok() || !new_live.ok()) return false;
  record->replace(0, *old_live, operand.substr(0, *new_live));
  record->append(operand.substr(*new_live));
  return true;
}

}  // namespace hindsight::internal
