#include "storage/append_merge.h"

#include <string>

namespace hindsight::internal {
namespace {

class AppendMergeOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/, const rocksdb::Slice* existing, const rocksdb::Slice& operand,
             std::string* merged, rocksdb::Logger* /*logger*/) const override {
    merged->clear();
    if (existing != nullptr) {
      merged->reserve(existing->size() + operand.size());
      merged->append(existing->data(), existing->size());
    }
    merged->append(operand.data(), operand.size());
    return true;
  }
  const char* Name() const override { return "hindsight.Append"; }
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> NewAppendMergeOperator() {
  return std::make_shared<AppendMergeOperator>();
}

}  // namespace hindsight::internal
