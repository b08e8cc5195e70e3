// What planning a commit reads of the stored state, behind one narrow
// interface: the database itself (RocksReader), or the database with the
// writes of transactions planned but not yet written on top
// (PendingWrites, storage/pending_writes.h).
#ifndef HINDSIGHT_STORAGE_STORE_READER_H_
#define HINDSIGHT_STORAGE_STORE_READER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
}  // namespace rocksdb

namespace hindsight::internal {

// Receives an entry of a scan; returning false stops it.
using EntryVisitor = absl::FunctionRef<bool(std::string_view key, std::string_view value)>;

class StoreReader {
 public:
  virtual ~StoreReader() = default;
  // The value of `key` in column family `family` (column_families.h):
  // true with *value set, or false when there is none.
  virtual absl::StatusOr<bool> Get(int family, std::string_view key, std::string* value) = 0;
  // A hint that Get(family, key) comes soon, so that a reader may start
  // fetching what it needs into the CPU's caches. By default nothing.
  virtual void Prefetch(int /*family*/, std::string_view /*key*/) {}
  // Visits every entry of `family` whose key starts with `prefix`, in key
  // order, until `visit` returns false.
  virtual absl::Status Scan(int family, std::string_view prefix, EntryVisitor visit) = 0;
};

// Reads the latest state of a RocksDB database (no snapshot: the caller
// holds the write lock, so nothing changes under it).
class RocksReader final : public StoreReader {
 public:
  // What reads do with the blocks they read: kKeep puts them in the block
  // cache, for reads likely to come back (a commit's: the next read of the
  // key); kDrop does not, for a load that reads each key once and would
  // only fill the cache with memory it never uses again.
  enum class BlockCache { kKeep, kDrop };
  // `handles` are indexed by column family; both outlive this.
  RocksReader(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
              BlockCache blocks = BlockCache::kKeep)
      : db_(db), handles_(handles), fill_cache_(blocks == BlockCache::kKeep) {}
  absl::StatusOr<bool> Get(int family, std::string_view key, std::string* value) override;
  absl::Status Scan(int family, std::string_view prefix, EntryVisitor visit) override;

 private:
  rocksdb::DB* db_;
  const std::vector<rocksdb::ColumnFamilyHandle*>& handles_;
  bool fill_cache_;
};

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_STORE_READER_H_
