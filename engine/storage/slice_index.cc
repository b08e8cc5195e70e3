#include "storage/slice_index.h"

#include <bit>

#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>

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

std::vector<SliceRange> SliceRangesAt(NameId p, Instant v) {
  std::vector<SliceRange> ranges;
  if (v == kPosInf) return ranges;
  // [-inf, to) contains v iff to > v: buckets from v's on.
  ranges.push_back({BucketKey(p, kOpenStart, BucketOf(v, kOpenBucketShift)), Prefix(p, kOpenStart + 1)});
  if (v == kNegInf) return ranges;  // only segments from -inf contain -inf
  // [from, +inf) contains v iff from <= v: buckets up to v's (v >> 46 + 1
  // cannot overflow).
  ranges.push_back({Prefix(p, kOpenEnd), BucketKey(p, kOpenEnd, BucketOf(v, kOpenBucketShift) + 1)});
  // A finite segment containing v starts in (v - 2^level, v]: in v's bucket
  // or the one before. v < +inf, so bucket + 1 cannot overflow; v > -inf,
  // so bucket - 1 cannot underflow.
  for (int level = 0; level <= kTopLevel; ++level) {
    const int64_t bucket = BucketOf(v, level);
    ranges.push_back({LevelBucketKey(p, level, bucket - 1), LevelBucketKey(p, level, bucket + 1)});
  }
  return ranges;
}

absl::Status VisitSliceBucketsAt(rocksdb::Iterator* it, NameId p, Instant v,
                                 absl::FunctionRef<absl::Status(std::string_view)> visit) {
  const std::vector<SliceRange> ranges = SliceRangesAt(p, v);
  constexpr size_t kFirstLevelRange = 2;  // ranges[2 + level], levels in increasing order
  const std::string finite_end = Prefix(p, kFinite + 1);
  for (size_t r = 0; r < ranges.size(); ++r) {
    for (it->Seek(ranges[r].begin); it->Valid() && it->key().compare(ranges[r].end) < 0; it->Next()) {
      HS_RETURN_IF_ERROR(visit(std::string_view(it->value().data(), it->value().size())));
    }
    HS_RETURN_IF_ERROR(FromRocks(it->status(), "cannot scan the slice index"));
    if (r < kFirstLevelRange) continue;
    // The iterator stands at the first bucket after this level's range: the
    // levels before that bucket's have no buckets at all.
    if (!it->Valid() || it->key().compare(finite_end) >= 0) break;
    const size_t next_level = static_cast<unsigned char>(it->key()[5]);  // p, kFinite, level, ...
    r = std::max(r, kFirstLevelRange + next_level - 1);
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
