#include "storage/slice_index.h"

#include <bit>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "absl/cleanup/cleanup.h"
#include "storage/records.h"
#include "storage/rocks_status.h"
#include "util/status_macros.h"

namespace hindsight::internal {
namespace {

constexpr char kOpenStart = 0x00;
constexpr char kFinite = 0x01;
constexpr char kOpenEnd = 0x02;
constexpr int kTopLevel = 63;

// The smallest level L with 2^L >= length (capped at kTopLevel, whose two
// buckets cover every int64).
int LevelOf(Instant from, Instant to) {
  const uint64_t length = static_cast<uint64_t>(to) - static_cast<uint64_t>(from);
  const int level = length <= 1 ? 0 : 64 - std::countl_zero(length - 1);
  return level > kTopLevel ? kTopLevel : level;
}

int64_t BucketOf(Instant t, int level) { return t >> level; }  // floor division by 2^level

constexpr int kOpenBucketShift = 46;

std::string Prefix(NameId p, char kind) {
  std::string key;
  AppendNameId(&key, p);
  key.push_back(kind);
  return key;
}

std::string BucketKey(NameId p, char kind, int64_t bucket) {
  std::string key = Prefix(p, kind);
  AppendInstant(&key, bucket);
  return key;
}

std::string LevelPrefix(NameId p, int level) {
  std::string key = Prefix(p, kFinite);
  key.push_back(static_cast<char>(level));
  return key;
}

std::string LevelBucketKey(NameId p, int level, int64_t bucket) {
  std::string key = LevelPrefix(p, level);
  AppendInstant(&key, bucket);
  return key;
}

}  // namespace

std::string SliceBucketKey(NameId p, Interval valid) {
  if (valid.from == kNegInf) return BucketKey(p, kOpenStart, BucketOf(valid.to, kOpenBucketShift));
  if (valid.to == kPosInf) return BucketKey(p, kOpenEnd, BucketOf(valid.from, kOpenBucketShift));
  const int level = LevelOf(valid.from, valid.to);
  return LevelBucketKey(p, level, BucketOf(valid.from, level));
}

void SliceLookupAt(NameId p, Instant v, SliceLookup* lookup) {
  lookup->ranges.clear();
  lookup->buckets.clear();
  if (v == kPosInf) return;
  // [-inf, to) contains v iff to > v: buckets from v's on.
  lookup->ranges.push_back({BucketKey(p, kOpenStart, BucketOf(v, kOpenBucketShift)), Prefix(p, kOpenStart + 1)});
  if (v == kNegInf) return;  // only segments from -inf contain -inf
  // [from, +inf) contains v iff from <= v: buckets up to v's (v >> 46 + 1
  // cannot overflow).
  lookup->ranges.push_back({Prefix(p, kOpenEnd), BucketKey(p, kOpenEnd, BucketOf(v, kOpenBucketShift) + 1)});
  // A finite segment containing v starts in (v - 2^level, v]: in v's bucket
  // or the one before. v > -inf, so bucket - 1 cannot underflow.
  lookup->buckets.reserve(2 * (kTopLevel + 1));
  for (int level = 0; level <= kTopLevel; ++level) {
    const int64_t bucket = BucketOf(v, level);
    lookup->buckets.push_back(LevelBucketKey(p, level, bucket - 1));
    lookup->buckets.push_back(LevelBucketKey(p, level, bucket));
  }
}

absl::Status VisitSliceBucketsAt(rocksdb::DB* db, const rocksdb::ReadOptions& options,
                                 rocksdb::ColumnFamilyHandle* slices, NameId p, Instant v,
                                 absl::FunctionRef<absl::Status(std::string_view)> visit, SliceReadBuffers* buffers) {
  const SliceLookup& lookup = buffers->lookup;
  SliceLookupAt(p, v, &buffers->lookup);
  if (!lookup.ranges.empty()) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(options, slices));
    for (const SliceRange& range : lookup.ranges) {
      for (it->Seek(range.begin); it->Valid() && it->key().compare(range.end) < 0; it->Next()) {
        HS_RETURN_IF_ERROR(visit(std::string_view(it->value().data(), it->value().size())));
      }
      HS_RETURN_IF_ERROR(FromRocks(it->status(), "cannot scan the slice index"));
    }
  }
  const size_t n = lookup.buckets.size();
  if (n == 0) return absl::OkStatus();
  std::vector<rocksdb::Slice>& keys = buffers->keys;
  std::vector<rocksdb::PinnableSlice>& values = buffers->values;
  std::vector<rocksdb::Status>& statuses = buffers->statuses;
  keys.assign(lookup.buckets.begin(), lookup.buckets.end());
  if (values.size() < n) values.resize(n);
  statuses.resize(n);
  db->MultiGet(options, slices, n, keys.data(), values.data(), statuses.data(), /*sorted_input=*/true);
  // The values pin their blocks in the cache: release them however this ends.
  const absl::Cleanup unpin = [&values, n] {
    for (size_t i = 0; i < n; ++i) values[i].Reset();
  };
  for (size_t i = 0; i < n; ++i) {
    if (statuses[i].IsNotFound()) continue;
    HS_RETURN_IF_ERROR(FromRocks(statuses[i], "cannot read the slice index"));
    HS_RETURN_IF_ERROR(visit(std::string_view(values[i].data(), values[i].size())));
  }
  return absl::OkStatus();
}

void SliceIndexChanges::Remove(const KeyIds& ids, Interval valid) {
  buckets_[SliceBucketKey(ids.predicate, valid)].removed.push_back({ids.subject, ids.object, valid.from});
}

void SliceIndexChanges::Add(const KeyIds& ids, const Segment& segment) {
  buckets_[SliceBucketKey(ids.predicate, segment.valid)].added.push_back({ids.subject, ids.object, segment});
}

void SliceIndexChanges::WriteTo(rocksdb::ColumnFamilyHandle* slices, rocksdb::WriteBatch* batch) const {
  for (const auto& [key, change] : buckets_) {
    batch->Merge(slices, key, EncodeSliceBucketChange(change.removed, change.added));
  }
}

}  // namespace hindsight::internal
