#include "storage/slice_index.h"

#include <algorithm>
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
constexpr char kChunked = 0x03;  // a chunk number other than 0 follows
constexpr int kTopLevel = 63;
constexpr size_t kChunkBytes = 2;

// The smallest level L with 2^L >= length (capped at kTopLevel, whose two
// buckets cover every int64).
int LevelOf(Instant from, Instant to) {
  const uint64_t length = static_cast<uint64_t>(to) - static_cast<uint64_t>(from);
  const int level = length <= 1 ? 0 : 64 - std::countl_zero(length - 1);
  return level > kTopLevel ? kTopLevel : level;
}

int64_t BucketOf(Instant t, int level) { return t >> level; }  // floor division by 2^level

constexpr int kOpenBucketShift = 48;

// What every key of the chunk starts with: the predicate, then, but for
// chunk 0, kChunked and the chunk's number.
std::string ChunkPrefix(NameId p, uint32_t chunk) {
  std::string key;
  AppendNameId(&key, p);
  if (chunk != 0) {
    key.push_back(kChunked);
    key.push_back(static_cast<char>(chunk >> 8));
    key.push_back(static_cast<char>(chunk & 0xff));
  }
  return key;
}

std::string Prefix(NameId p, uint32_t chunk, char kind) {
  std::string key = ChunkPrefix(p, chunk);
  key.push_back(kind);
  return key;
}

std::string BucketKey(NameId p, uint32_t chunk, char kind, int64_t bucket) {
  std::string key = Prefix(p, chunk, kind);
  AppendInstant(&key, bucket);
  return key;
}

std::string LevelPrefix(NameId p, uint32_t chunk, int level) {
  std::string key = Prefix(p, chunk, kFinite);
  key.push_back(static_cast<char>(level));
  return key;
}

std::string LevelBucketKey(NameId p, uint32_t chunk, int level, int64_t bucket) {
  std::string key = LevelPrefix(p, chunk, level);
  AppendInstant(&key, bucket);
  return key;
}

}  // namespace

uint32_t SliceChunkOf(NameId subject, NameId object) { return std::max(subject, object) >> kSliceChunkShift; }

std::string SliceBucketKey(NameId p, uint32_t chunk, Interval valid) {
  if (valid.from == kNegInf) return BucketKey(p, chunk, kOpenStart, BucketOf(valid.to, kOpenBucketShift));
  if (valid.to == kPosInf) return BucketKey(p, chunk, kOpenEnd, BucketOf(valid.from, kOpenBucketShift));
  const int level = LevelOf(valid.from, valid.to);
  return LevelBucketKey(p, chunk, level, BucketOf(valid.from, level));
}

std::string SliceBucketKey(const KeyIds& ids, Interval valid) {
  return SliceBucketKey(ids.predicate, SliceChunkOf(ids.subject, ids.object), valid);
}

absl::Status SliceCatalog::Load(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* slices) {
  absl::flat_hash_map<NameId, Chunks> found;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), slices));
  for (it->SeekToFirst(); it->Valid();) {
    const rocksdb::Slice key = it->key();
    const auto damaged = [&key] { return absl::DataLossError("damaged slice index key " + key.ToString(true)); };
    if (key.size() <= kIdBytes + 1) return damaged();
    const NameId p = DecodeNameId(key.data());
    size_t at = kIdBytes;  // of the kind
    uint32_t chunk = 0;
    if (key[at] == kChunked) {
      if (key.size() <= at + 1 + kChunkBytes + 1) return damaged();
      chunk = static_cast<unsigned char>(key[at + 1]) << 8 | static_cast<unsigned char>(key[at + 2]);
      if (chunk == 0) return damaged();
      at += 1 + kChunkBytes;
    }
    const char kind = key[at];
    InUse& in_use = found[p][chunk];
    if (kind == kFinite) {  // note the level, skip its other buckets
      const int level = static_cast<unsigned char>(key[at + 1]);
      if (level > kTopLevel) return damaged();
      in_use.levels |= uint64_t{1} << level;
      it->Seek(level == kTopLevel ? Prefix(p, chunk, kOpenEnd) : LevelPrefix(p, chunk, level + 1));
      continue;
    }
    if (key.size() != at + 1 + kInstantBytes || (kind != kOpenStart && kind != kOpenEnd)) return damaged();
    (kind == kOpenStart ? in_use.open_start : in_use.open_end).insert(DecodeInstant(key.data() + at + 1));
    it->Next();
  }
  HS_RETURN_IF_ERROR(FromRocks(it->status(), "cannot read the slice index"));
  absl::MutexLock lock(&mu_);
  by_predicate_ = std::move(found);
  return absl::OkStatus();
}

void SliceCatalog::Note(NameId p, uint32_t chunk, Interval valid) {
  absl::MutexLock lock(&mu_);
  InUse& in_use = by_predicate_[p][chunk];
  if (valid.from == kNegInf) {
    in_use.open_start.insert(BucketOf(valid.to, kOpenBucketShift));
  } else if (valid.to == kPosInf) {
    in_use.open_end.insert(BucketOf(valid.from, kOpenBucketShift));
  } else {
    in_use.levels |= uint64_t{1} << LevelOf(valid.from, valid.to);
  }
}

namespace {

// SliceLookupAt's keys of one chunk, appended in order.
void ChunkLookupAt(NameId p, uint32_t chunk, Instant v, const SliceCatalog::InUse& in_use,
                   std::vector<std::string>* keys) {
  const int64_t v_bucket = BucketOf(v, kOpenBucketShift);
  // [-inf, to) contains v iff to > v: buckets from v's on.
  for (auto b = in_use.open_start.lower_bound(v_bucket); b != in_use.open_start.end(); ++b) {
    keys->push_back(BucketKey(p, chunk, kOpenStart, *b));
  }
  if (v == kNegInf) return;  // only segments from -inf contain -inf
  // A finite segment containing v starts in (v - 2^level, v]: in v's bucket
  // or the one before. v > -inf, so bucket - 1 cannot underflow.
  for (uint64_t levels = in_use.levels; levels != 0; levels &= levels - 1) {
    const int level = std::countr_zero(levels);
    const int64_t bucket = BucketOf(v, level);
    keys->push_back(LevelBucketKey(p, chunk, level, bucket - 1));
    keys->push_back(LevelBucketKey(p, chunk, level, bucket));
  }
  // [from, +inf) contains v iff from <= v: buckets up to v's.
  for (auto b = in_use.open_end.begin(); b != in_use.open_end.end() && *b <= v_bucket; ++b) {
    keys->push_back(BucketKey(p, chunk, kOpenEnd, *b));
  }
}

}  // namespace

void SliceLookupAt(NameId p, Instant v, const SliceCatalog& catalog, std::vector<std::string>* keys) {
  keys->clear();
  if (v == kPosInf) return;
  absl::ReaderMutexLock lock(&catalog.mu_);
  const auto found = catalog.by_predicate_.find(p);
  if (found == catalog.by_predicate_.end()) return;
  // Chunk 0's keys sort before the others', which sort by chunk.
  for (const auto& [chunk, in_use] : found->second) ChunkLookupAt(p, chunk, v, in_use, keys);
}

absl::Status VisitSliceBucketsAt(rocksdb::DB* db, const rocksdb::ReadOptions& options,
                                 rocksdb::ColumnFamilyHandle* slices, const SliceCatalog& catalog, NameId p,
                                 Instant v, absl::FunctionRef<absl::Status(std::string_view)> visit,
                                 SliceReadBuffers* buffers) {
  SliceLookupAt(p, v, catalog, &buffers->bucket_keys);
  const size_t n = buffers->bucket_keys.size();
  if (n == 0) return absl::OkStatus();
  std::vector<rocksdb::Slice>& keys = buffers->keys;
  std::vector<rocksdb::PinnableSlice>& values = buffers->values;
  std::vector<rocksdb::Status>& statuses = buffers->statuses;
  keys.assign(buffers->bucket_keys.begin(), buffers->bucket_keys.end());
  if (values.size() < n) values.resize(n);
  statuses.resize(n);
  // The values pin their blocks in the cache: release them however this ends.
  const absl::Cleanup unpin = [&values, n] {
    for (size_t i = 0; i < n; ++i) values[i].Reset();
  };
  constexpr size_t kBatch = 32;  // RocksDB's own MultiGet batch (MultiGetContext::MAX_BATCH_SIZE)
  for (size_t i = 0; i < n; i += kBatch) {
    db->MultiGet(options, slices, std::min(kBatch, n - i), keys.data() + i, values.data() + i, statuses.data() + i,
                 /*sorted_input=*/true);
  }
  for (size_t i = 0; i < n; ++i) {
    if (statuses[i].IsNotFound()) continue;
    HS_RETURN_IF_ERROR(FromRocks(statuses[i], "cannot read the slice index"));
    HS_RETURN_IF_ERROR(visit(std::string_view(values[i].data(), values[i].size())));
  }
  return absl::OkStatus();
}

namespace {

SliceEntryId IdOf(const SliceRecordEntry& e) { return {e.subject, e.object, e.segment.valid.from}; }

}  // namespace

void SliceBucketChange::Remove(const SliceEntryId& id) {
  if (removed_ids_.insert(id).second) removed_.push_back(id);
  added_.erase(id);
}

void SliceBucketChange::Add(SliceRecordEntry entry) {
  const SliceEntryId id = IdOf(entry);
  added_.insert_or_assign(id, std::move(entry));
}

void SliceBucketChange::Make(SliceEdit edit) {
  if (edit.add) {
    Add(std::move(edit.entry));
  } else {
    Remove(IdOf(edit.entry));
  }
}

absl::Status SliceBucketChange::AddEncoded(std::string_view operand) {
  std::vector<SliceEntryId> removed;
  std::vector<SliceRecordEntry> added;
  HS_RETURN_IF_ERROR(DecodeSliceBucketChange(operand, &removed, &added));
  for (const SliceEntryId& id : removed) Remove(id);
  for (SliceRecordEntry& e : added) Add(std::move(e));
  return absl::OkStatus();
}

std::string SliceBucketChange::Encode() const {
  std::vector<SliceRecordEntry> added;
  added.reserve(added_.size());
  for (const auto& [id, e] : added_) added.push_back(e);
  return EncodeSliceBucketChange(removed_, added);
}

void SliceBucketChange::ApplyTo(std::vector<SliceRecordEntry>* entries) const {
  std::erase_if(*entries, [&](const SliceRecordEntry& e) {
    const SliceEntryId id = IdOf(e);
    return removed_ids_.contains(id) || added_.contains(id);
  });
  for (const auto& [id, e] : added_) entries->push_back(e);
}

size_t SliceBucketChange::bytes() const { return 32 * removed_.size() + 96 * added_.size(); }

void RemoveFromSliceIndex(const KeyIds& ids, Interval valid, SliceIndexEdits* edits) {
  edits->push_back({SliceBucketKey(ids, valid), false, {ids.subject, ids.object, Segment{valid, Value()}}});
}

void AddToSliceIndex(const KeyIds& ids, const Segment& segment, SliceIndexEdits* edits) {
  edits->push_back({SliceBucketKey(ids, segment.valid), true, {ids.subject, ids.object, segment}});
}

void NoteSliceChanges(const SliceIndexEdits& edits, SliceCatalog* catalog) {
  const std::string* noted = nullptr;  // the bucket of the last edit noted
  for (const SliceEdit& edit : edits) {
    if (!edit.add || (noted != nullptr && *noted == edit.bucket)) continue;
    catalog->Note(DecodeNameId(edit.bucket.data()), SliceChunkOf(edit.entry.subject, edit.entry.object),
                  edit.entry.segment.valid);
    noted = &edit.bucket;
  }
}

}  // namespace hindsight::internal
