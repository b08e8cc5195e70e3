// The writes of transactions planned but not yet written, in memory over
// the database they will go to: CommitAll and BulkLoad plan each
// transaction against it (it reads as the database will once they are
// written), apply its write batch to it, and write many transactions at
// once, as one write batch or as sorted table files to ingest.
#ifndef HINDSIGHT_STORAGE_PENDING_WRITES_H_
#define HINDSIGHT_STORAGE_PENDING_WRITES_H_

#include <array>
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/merge_operator.h>

#include "absl/container/btree_map.h"
#include "storage/column_families.h"
#include "storage/store_reader.h"

namespace rocksdb {
class WriteBatch;
}  // namespace rocksdb

namespace hindsight::internal {

// Thread-compatible.
class PendingWrites final : public StoreReader {
 public:
  // Reads what it does not hold from `base`; merges with the column
  // families' operators (`merge[family]`, null where none); `handles`
  // (indexed by column family) name the families of batches. All outlive it.
  PendingWrites(StoreReader* base, std::array<const rocksdb::MergeOperator*, kColumnFamilyCount> merge,
                const std::vector<rocksdb::ColumnFamilyHandle*>& handles);

  absl::StatusOr<bool> Get(int family, std::string_view key, std::string* value) override;
  absl::Status Scan(int family, std::string_view prefix, EntryVisitor visit) override;

  // Applies the puts, merges, deletes and range deletions of `batch`, as
  // writing it to the database would.
  absl::Status Apply(const rocksdb::WriteBatch& batch);

  // Roughly the memory held, in bytes.
  size_t bytes() const { return bytes_; }
  bool empty() const { return bytes_ == 0; }

  // The changes, as one write batch (handles indexed by column family).
  // Values merged over a value it never read stay merge operands.
  void WriteTo(rocksdb::WriteBatch* batch) const;

  // What to write into a sorted table file of one column family.
  enum class EntryKind { kPut, kDelete, kDeleteRange };
  using TableVisitor = absl::FunctionRef<absl::Status(EntryKind, std::string_view key, std::string_view value)>;
  // Visits the changes to `family` in key order as whole values, reading
  // from the base what a merge needs (range deletions first; for them
  // `value` is the end key).
  absl::Status VisitTable(int family, TableVisitor visit);

  // Forgets everything, once it is written.
  void Clear();

 private:
  class BatchApplier;
  struct Entry {
    enum State : uint8_t {
      kCachedValue,   // the base's value, read
      kCachedAbsent,  // the base has none, read
      kValue,         // written
      kDeleted,       // deleted
      kOperands,      // merge operands over the base's value, not read
    };
    State state = kCachedAbsent;
    std::string value;
    std::vector<std::string> operands;
    bool written() const { return state != kCachedValue && state != kCachedAbsent; }
    bool present() const { return state == kCachedValue || state == kValue; }
  };
  using Table = absl::btree_map<std::string, Entry, std::less<>>;

  void Put(int family, std::string_view key, std::string_view value);
  void Delete(int family, std::string_view key);
  absl::Status Merge(int family, std::string_view key, std::string_view operand);
  void DeleteRange(int family, std::string_view begin, std::string_view end);
  // Makes `entry` hold a whole value or nothing, reading the base if it
  // must. `base_value` when the caller has read it (nullptr: absent).
  absl::Status Resolve(int family, std::string_view key, Entry* entry);
  absl::Status ResolveWith(int family, std::string_view key, const std::string* base_value, Entry* entry);
  bool InDeletedRange(int family, std::string_view key) const;
  Entry& Slot(int family, std::string_view key);
  void Account(const Entry& entry, int sign);

  StoreReader* base_;
  const std::vector<rocksdb::ColumnFamilyHandle*>& handles_;
  std::array<const rocksdb::MergeOperator*, kColumnFamilyCount> merge_;
  std::array<Table, kColumnFamilyCount> tables_;
  std::array<std::vector<std::pair<std::string, std::string>>, kColumnFamilyCount> deleted_ranges_;
  size_t bytes_ = 0;
};

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_PENDING_WRITES_H_
