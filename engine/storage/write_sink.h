// Where changes are put: a RocksDB write batch (BatchSink), or the pending
// writes of a group (pending_writes.h), which WritePlan (commit_planner.h)
// puts a plan's changes into.
// Families are numbered as in column_families.h.
#ifndef HINDSIGHT_STORAGE_WRITE_SINK_H_
#define HINDSIGHT_STORAGE_WRITE_SINK_H_

#include <string_view>
#include <vector>

#include <rocksdb/write_batch.h>

#include "keys/key_codec.h"
#include "storage/column_families.h"

namespace hindsight::internal {

class WriteSink {
 public:
  virtual ~WriteSink() = default;
  virtual void Put(int family, std::string_view key, std::string_view value) = 0;
  virtual void Merge(int family, std::string_view key, std::string_view operand) = 0;
  virtual void Delete(int family, std::string_view key) = 0;
  // Deletes the keys in [begin, end). Only in a family that is read by
  // scans alone (history): point reads may be answered by the row cache
  // (Options::row_cache_bytes), which does not see range deletions
  // (RocksDB issue 4122).
  virtual void DeleteRange(int family, std::string_view begin, std::string_view end) = 0;
};

// Appends to a RocksDB write batch; `handles` indexed by family. Both
// outlive it.
class BatchSink final : public WriteSink {
 public:
  BatchSink(const std::vector<rocksdb::ColumnFamilyHandle*>& handles, rocksdb::WriteBatch* batch)
      : handles_(handles), batch_(batch) {}
  void Put(int family, std::string_view key, std::string_view value) override {
    batch_->Put(handles_[family], Of(key), Of(value));
  }
  void Merge(int family, std::string_view key, std::string_view operand) override {
    batch_->Merge(handles_[family], Of(key), Of(operand));
  }
  void Delete(int family, std::string_view key) override { batch_->Delete(handles_[family], Of(key)); }
  void DeleteRange(int family, std::string_view begin, std::string_view end) override {
    batch_->DeleteRange(handles_[family], Of(begin), Of(end));
  }

 private:
  static rocksdb::Slice Of(std::string_view s) { return {s.data(), s.size()}; }
  const std::vector<rocksdb::ColumnFamilyHandle*>& handles_;
  rocksdb::WriteBatch* batch_;
};

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_WRITE_SINK_H_
