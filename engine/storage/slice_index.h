// Column family "slices": a time index of the live segments of each
// predicate, so that "every segment of predicate P that contains instant v"
// (the pattern `* P *` at v) reads only segments near v, a few hundred of
// them per stored value rather than one per RocksDB entry.
//
// Segments are filed in buckets; one value per bucket lists its segments
// (a SliceBucket message, records.h). A segment [from, to) of key (s, P, o)
// goes to the bucket
//   from = -inf            P, 0x00, to >> 48
//   to = +inf, from finite P, 0x02, from >> 48
//   from, to finite        P, 0x01, level, from >> level
// where level = ceil(log2(to - from)). A finite segment lies inside its
// bucket and the next one, so at each level only the buckets of v and of
// the one before can hold segments containing v. Open-ended segments are
// bucketed by their finite bound in steps of 2^48 µs (about 8.9 years):
// every bucket after v's (from -inf) or before it (to +inf) holds only
// hits. Each bucket is split into chunks by the key's name ids
// (SliceChunkOf: the larger of subject and object, in steps of 2^16), so
// that a predicate with millions of live segments, all open-ended and
// begun within the same years, does not keep them in one value that every
// commit's merge rewrites: a chunk's number follows the predicate in the
// key (after 0x03), except chunk 0's, whose keys are as above. A database
// with fewer than 65,536 names has only chunk 0. Which buckets exist is
// kept in memory (SliceCatalog), so a read asks only for buckets that may
// exist, all by key. Commits change buckets through merge operands
// (slice_merge.h), each a SliceBucketChange.
#ifndef HINDSIGHT_STORAGE_SLICE_INDEX_H_
#define HINDSIGHT_STORAGE_SLICE_INDEX_H_

#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/slice.h>
#include <rocksdb/status.h>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
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

// The chunk that files the live segments of key (subject, P, object).
inline constexpr int kSliceChunkShift = 16;
uint32_t SliceChunkOf(NameId subject, NameId object);

// The key of the bucket that files live segment `valid` of predicate `p`
// in chunk `chunk`.
std::string SliceBucketKey(NameId p, uint32_t chunk, Interval valid);
// The same for live segment `valid` of key `ids`, in its chunk.
std::string SliceBucketKey(const KeyIds& ids, Interval valid);

// Which buckets may exist, per predicate and chunk: the open-ended
// buckets, and the levels of the finite ones. A superset of those in column family
// "slices", kept in memory so that a read asks for no bucket of a level no
// segment has and finds the open-ended ones by key, all in one MultiGet.
// Buckets are noted before a write that may create them becomes visible,
// and never forgotten (one emptied later costs a failed lookup).
//
// Thread-safety: every method may run concurrently with the others.
class SliceCatalog {
 public:
  // Replaces what was noted by what `slices` holds. Cost: a seek per
  // predicate and level in use, a step per open-ended bucket.
  absl::Status Load(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* slices);

  // Notes the bucket of live segment `valid` of predicate `p` in chunk
  // `chunk` (SliceBucketKey).
  void Note(NameId p, uint32_t chunk, Interval valid);

  // One chunk's buckets.
  struct InUse {
    absl::btree_set<int64_t> open_start;  // bucket numbers
    absl::btree_set<int64_t> open_end;
    uint64_t levels = 0;  // bit L: level L has buckets
  };

 private:
  friend void SliceLookupAt(NameId p, Instant v, const SliceCatalog& catalog, std::vector<std::string>* keys);

  using Chunks = absl::btree_map<uint32_t, InUse>;  // in key order
  mutable absl::Mutex mu_;
  absl::flat_hash_map<NameId, Chunks> by_predicate_ ABSL_GUARDED_BY(mu_);
};

// Overwrites `*keys` with the keys, in order, of the buckets that may hold
// segments of predicate `p` containing `v`: in each chunk in use, the
// noted open-ended buckets that can (every one of them past v's holds only
// such segments) and two finite buckets per level in use. Some of their segments may not
// contain v, so filter each. Nothing when v is +inf (no segment contains
// it).
void SliceLookupAt(NameId p, Instant v, const SliceCatalog& catalog, std::vector<std::string>* keys);

// The memory VisitSliceBucketsAt works in: a caller that keeps it between
// calls saves their allocations.
struct SliceReadBuffers {
  std::vector<std::string> bucket_keys;
  std::vector<rocksdb::Slice> keys;
  std::vector<rocksdb::PinnableSlice> values;
  std::vector<rocksdb::Status> statuses;
};

// Reads every bucket of SliceLookupAt(p, v, catalog) from column family
// "slices" (`slices`) at `options`, calling visit(bucket value) for each
// that exists, and returns visit's first error or RocksDB's. Cost: one
// sorted MultiGet per 32 keys, where a bloom filter rules out most absent
// finite buckets. Holds no block of the cache when it returns.
absl::Status VisitSliceBucketsAt(rocksdb::DB* db, const rocksdb::ReadOptions& options,
                                 rocksdb::ColumnFamilyHandle* slices, const SliceCatalog& catalog, NameId p,
                                 Instant v, absl::FunctionRef<absl::Status(std::string_view)> visit,
                                 SliceReadBuffers* buffers);

// One change to the slice index: `entry` enters bucket `bucket`, or (when
// !add) the entry of its id leaves it.
struct SliceEdit {
  std::string bucket;
  bool add = false;
  SliceRecordEntry entry;  // when !add, only its id counts (its value is empty)
};

// Changes to one bucket, combined so that applying them at once equals
// applying them in the order they were made: every removal (removing an
// entry that a later change removes is the same as never adding it), then
// the additions that survive, the last of each id winning.
class SliceBucketChange {
 public:
  void Remove(const SliceEntryId& id);
  // Replaces an entry of the same id, if any.
  void Add(SliceRecordEntry entry);
  // Add or Remove, as `edit` says (its bucket is this one).
  void Make(SliceEdit edit);
  // Appends the changes of a merge operand (EncodeSliceBucketChange).
  absl::Status AddEncoded(std::string_view operand);

  // As one merge operand.
  std::string Encode() const;
  // Applies the changes to a bucket's entries.
  void ApplyTo(std::vector<SliceRecordEntry>* entries) const;
  // Roughly the memory held, in bytes.
  size_t bytes() const;

 private:
  absl::flat_hash_set<SliceEntryId> removed_ids_;
  std::vector<SliceEntryId> removed_;  // in first-removed order
  absl::flat_hash_map<SliceEntryId, SliceRecordEntry> added_;
};

// The changes to the slice index, combined per bucket key.
using SliceIndexChanges = absl::flat_hash_map<std::string, SliceBucketChange>;

// A transaction's changes to the slice index, in the order it made them:
// a list, combined per bucket only where a group's are gathered
// (pending_slice_changes.h), costs the planner no hash table per
// transaction.
using SliceIndexEdits = std::vector<SliceEdit>;

// Live segment `valid` of key `ids` leaves the index, or enters it.
void RemoveFromSliceIndex(const KeyIds& ids, Interval valid, SliceIndexEdits* edits);
void AddToSliceIndex(const KeyIds& ids, const Segment& segment, SliceIndexEdits* edits);

// Notes in `catalog` the buckets `edits` add to (to do before the changes
// become visible).
void NoteSliceChanges(const SliceIndexEdits& edits, SliceCatalog* catalog);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_SLICE_INDEX_H_
