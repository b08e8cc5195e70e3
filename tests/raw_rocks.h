// A database's RocksDB files opened directly, with every column family:
// how tests look at, or damage, what the engine stored.
#ifndef HINDSIGHT_TESTS_RAW_ROCKS_H_
#define HINDSIGHT_TESTS_RAW_ROCKS_H_

#include <rocksdb/db.h>

#include <string>
#include <vector>

namespace hindsight::testing {

class RawRocks {
 public:
  // Opens the database at `path` (read-only, or to write: nothing else may
  // have it open); a failure is a test failure.
  RawRocks(const std::string& path, bool read_only);
  ~RawRocks();
  RawRocks(const RawRocks&) = delete;
  RawRocks& operator=(const RawRocks&) = delete;

  rocksdb::DB* db() const { return db_; }  // null if it did not open
  // The names of its column families.
  const std::vector<std::string>& families() const { return names_; }
  // The column family `name` ("timelines", "keys", ...), null if none.
  rocksdb::ColumnFamilyHandle* Family(const std::string& name) const;
  // Rewrites the meta record as a database of format `version` has it
  // (opened to write), as a test of an upgrade needs.
  void SetFormatVersion(unsigned version);

 private:
  std::vector<std::string> names_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::DB* db_ = nullptr;
};

}  // namespace hindsight::testing

#endif  // HINDSIGHT_TESTS_RAW_ROCKS_H_
