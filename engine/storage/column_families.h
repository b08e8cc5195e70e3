// The column families of a Hindsight database, in handle order.
#ifndef HINDSIGHT_STORAGE_COLUMN_FAMILIES_H_
#define HINDSIGHT_STORAGE_COLUMN_FAMILIES_H_

namespace hindsight::internal {

// Never renumber: the index is the position in DbImpl::handles_.
enum ColumnFamily : int {
  kMetaCf = 0,  // RocksDB's "default"
  kNamesCf,
  kTimelinesCf,
  kKeysCf,
  kTxLogCf,
  kTxInfoCf,
  kSlicesCf,
  kHistoryCf,
  kColumnFamilyCount,
};

inline constexpr const char* kColumnFamilyNames[kColumnFamilyCount] = {
    "default", "names", "timelines", "keys", "txlog", "txinfo", "slices", "history"};

inline constexpr char kMetaKey[] = "meta";
// 3: slice buckets hold values as columns; 4: open-ended slice buckets
// span 2^48 µs, not 2^46; 5: the digest index (key_codec.h); 6: slice
// buckets split into chunks by name id (slice_index.h); 7: long live
// timelines kept in chunks (live_chunks.h); 8: the mention index
// (key_codec.h), and no key filters in the infos.
inline constexpr unsigned kFormatVersion = 8;
// The oldest format an open brings up to date in place (format_upgrade.cc).
inline constexpr unsigned kOldestUpgradableFormat = 2;

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_COLUMN_FAMILIES_H_
