// Column family "slices": a time index of the live segments of each
// predicate, so that "every segment of predicate P that contains instant v"
// (the pattern `* P *` at v) reads only segments near v, a few hundred of
// them per stored value rather than one per RocksDB entry.
//
// Segments are filed in buckets; one value per bucket lists its segments
// (a SliceBucket message, records.h). A segment [from, to) of key (s, P, o)
// goes to the bucket
//   from = -inf            P, 0x00, to >> 46
//   to = +inf, from finite P, 0x02, from >> 46
//   from, to finite        P, 0x01, level, from >> level
// where level = ceil(log2(to - from)). A finite segment lies inside its
// bucket and the next one, so at each level only the buckets of v and of
// the one before can hold segments containing v. Open-ended segments are
// bucketed by their finite bound in steps of 2^46 µs (about 2.2 years):
// every bucket after v's (from -inf) or before it (to +inf) holds only
// hits. Commits change buckets through merge operands (slice_merge.h).
#ifndef HINDSIGHT_STORAGE_SLICE_INDEX_H_
#define HINDSIGHT_STORAGE_SLICE_INDEX_H_

#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/slice.h>
#include <rocksdb/status.h>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "hindsight/time.h"
#include "keys/key_codec.h"
#include "storage/records.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
struct ReadOptions;
class WriteBatch;
}  // namespace rocksdb

namespace hindsight::internal {

// The key of the bucket that files live segment `valid` of predicate `p`.
std::string SliceBucketKey(NameId p, Interval valid);

// Where the segments of a predicate containing v may be: key ranges
// [begin, end) of open-ended buckets to scan, and finite buckets to get
// (two per level, in key order). Some of their segments may not contain v,
// so filter each.
struct SliceRange {
  std::string begin;
  std::string end;
};
struct SliceLookup {
  std::vector<SliceRange> ranges;    // at most 2
  std::vector<std::string> buckets;  // 128, or none when v is -inf
};
// Nothing when v is +inf (no segment contains it). Overwrites `*lookup`,
// reusing its memory.
void SliceLookupAt(NameId p, Instant v, SliceLookup* lookup);

// The memory VisitSliceBucketsAt works in: a caller that keeps it between
// calls saves their allocations.
struct SliceReadBuffers {
  SliceLookup lookup;
  std::vector<rocksdb::Slice> keys;
  std::vector<rocksdb::PinnableSlice> values;
  std::vector<rocksdb::Status> statuses;
};

// Reads every bucket of SliceLookupAt(p, v) from column family "slices"
// (`slices`) at `options`, calling visit(bucket value) for each that
// exists, and returns visit's first error or RocksDB's. Cost: a seek per
// open-ended range and one batched MultiGet of the finite buckets, where
// a bloom filter rules out most absent ones. Holds no block of the cache
// when it returns.
absl::Status VisitSliceBucketsAt(rocksdb::DB* db, const rocksdb::ReadOptions& options,
                                 rocksdb::ColumnFamilyHandle* slices, NameId p, Instant v,
                                 absl::FunctionRef<absl::Status(std::string_view)> visit, SliceReadBuffers* buffers);

// The changes one commit makes to the slice index, gathered per bucket and
// written as one merge operand per bucket.
class SliceIndexChanges {
 public:
  // Live segment `segment` of key `ids` leaves the index, or enters it.
  void Remove(const KeyIds& ids, Interval valid);
  void Add(const KeyIds& ids, const Segment& segment);
  // One Merge per changed bucket into `batch`.
  void WriteTo(rocksdb::ColumnFamilyHandle* slices, rocksdb::WriteBatch* batch) const;

 private:
  struct BucketChange {
    std::vector<SliceEntryId> removed;
    std::vector<SliceRecordEntry> added;
  };
  absl::flat_hash_map<std::string, BucketChange> buckets_;
};

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_SLICE_INDEX_H_
