#include "storage/store_reader.h"

#include <memory>

#include <rocksdb/db.h>

#include "storage/column_families.h"
#include "storage/rocks_status.h"
#include "util/status_macros.h"

namespace hindsight::internal {

namespace {

rocksdb::ReadOptions ReadOptions(bool fill_cache) {
  rocksdb::ReadOptions options;
  options.fill_cache = fill_cache;
  return options;
}

}  // namespace

absl::StatusOr<bool> RocksReader::Get(int family, std::string_view key, std::string* value) {
  const rocksdb::Status s =
      db_->Get(ReadOptions(fill_cache_), handles_[family], rocksdb::Slice(key.data(), key.size()), value);
  if (s.IsNotFound()) return false;
  HS_RETURN_IF_ERROR(FromRocks(s, kColumnFamilyNames[family]));
  return true;
}

absl::Status RocksReader::Scan(int family, std::string_view prefix, EntryVisitor visit) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ReadOptions(fill_cache_), handles_[family]));
  const rocksdb::Slice start(prefix.data(), prefix.size());
  for (it->Seek(start); it->Valid() && it->key().starts_with(start); it->Next()) {
    if (!visit(std::string_view(it->key().data(), it->key().size()),
               std::string_view(it->value().data(), it->value().size()))) {
      break;
    }
  }
  return FromRocks(it->status(), kColumnFamilyNames[family]);
}

}  // namespace hindsight::internal
