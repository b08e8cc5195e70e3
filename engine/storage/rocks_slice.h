// RocksDB's byte ranges as the engine's: a Slice read as a string_view.
#ifndef HINDSIGHT_STORAGE_ROCKS_SLICE_H_
#define HINDSIGHT_STORAGE_ROCKS_SLICE_H_

#include <rocksdb/slice.h>

#include <string_view>

namespace hindsight::internal {

// The bytes of `s`, valid as long as `s`'s are.
inline std::string_view View(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_ROCKS_SLICE_H_
