#include "raw_rocks.h"

#include "gtest/gtest.h"
#include "storage/records.h"
#include "storage/slice_merge.h"
#include "storage/timeline_merge.h"

namespace hindsight::testing {

RawRocks::RawRocks(const std::string& path, bool read_only) {
  rocksdb::DBOptions options;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(options, path, &names_).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const std::string& n : names_) {
    cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    if (n == "timelines") cfs.back().options.merge_operator = internal::NewTimelineMergeOperator();
    if (n == "slices") cfs.back().options.merge_operator = internal::NewSliceMergeOperator();
  }
  const rocksdb::Status s = read_only ? rocksdb::DB::OpenForReadOnly(options, path, cfs, &handles_, &db_)
                                      : rocksdb::DB::Open(options, path, cfs, &handles_, &db_);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

RawRocks::~RawRocks() {
  if (db_ == nullptr) return;
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  delete db_;
}

rocksdb::ColumnFamilyHandle* RawRocks::Family(const std::string& name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return handles_[i];
  }
  return nullptr;
}

void RawRocks::SetFormatVersion(unsigned version) {
  std::string bytes;
  ASSERT_TRUE(db_->Get(rocksdb::ReadOptions(), Family("default"), "meta", &bytes).ok());
  internal::MetaRecord meta = internal::DecodeMeta(bytes).value();
  meta.format_version = version;
  ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), Family("default"), "meta", internal::EncodeMeta(meta)).ok());
}

}  // namespace hindsight::testing
