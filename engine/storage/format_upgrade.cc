// Opening a database of an earlier format that this build can bring up to
// date in place.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <rocksdb/write_batch.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "storage/column_families.h"
#include "storage/db_impl.h"
#include "storage/records.h"
#include "storage/rocks_slice.h"
#include "storage/rocks_status.h"
#include "storage/slice_index.h"
#include "util/status_macros.h"

namespace hindsight::internal {

absl::Status DbImpl::RebuildSliceIndex(unsigned format_version, MetaRecord* meta) {
  // Format 3 changed the slice index's buckets (values as columns), format 4
  // its keys (open-ended buckets of 2^48 µs), format 6 split them into
  // chunks. Every bucket is rebuilt from the keys' live timelines.
  absl::flat_hash_map<std::string, std::vector<SliceRecordEntry>> buckets;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kTimelinesCf)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() == kLiveChunkKeyBytes) continue;  // read with its record
    if (it->key().size() != kKeyIdsBytes) {
      return absl::DataLossError(absl::StrCat("damaged timeline key of ", it->key().size(), " bytes"));
    }
    const KeyIds ids = DecodeLiveKey(std::string_view(it->key().data(), it->key().size()));
    const std::string_view record(it->value().data(), it->value().size());
    HS_ASSIGN_OR_RETURN(const std::vector<StoredSegment> live, LivePart(ids, record, rocksdb::ReadOptions()));
    for (const StoredSegment& s : live) {
      buckets[SliceBucketKey(ids, s.segment.valid)].push_back({ids.subject, ids.object, s.segment});
    }
  }
  HS_RETURN_IF_ERROR(FromRocks(it->status(), "cannot read timelines to upgrade the database"));

  // One write: the old buckets out, the new in, and the format, so that a
  // crash leaves the old format whole, upgraded again at the next open.
  // Each old bucket is deleted by its key, not by range: the row cache
  // (Options::row_cache_bytes) does not see range deletions.
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> old(db_->NewIterator(rocksdb::ReadOptions(), cf(kSlicesCf)));
  for (old->SeekToFirst(); old->Valid(); old->Next()) {
    HS_RETURN_IF_ERROR(FromRocks(batch.Delete(cf(kSlicesCf), old->key()), "upgrade"));
  }
  HS_RETURN_IF_ERROR(FromRocks(old->status(), "cannot read the slice index to upgrade the database"));
  for (auto& [key, entries] : buckets) {
    HS_RETURN_IF_ERROR(FromRocks(batch.Put(cf(kSlicesCf), key, EncodeSliceBucket(std::move(entries))), "upgrade"));
  }
  return WriteUpgradeStep(&batch, format_version, meta);
}

absl::Status DbImpl::ChunkSliceIndex(bool rebuilt, MetaRecord* meta) {
  // Format 6 split the slice index's buckets into chunks by name id; while
  // every id is below the first chunk's end there is only chunk 0, whose
  // keys are format 5's. A rebuild of this open filed them in chunks.
  if (!rebuilt && names_.size() > size_t{1} << kSliceChunkShift) return RebuildSliceIndex(6, meta);
  rocksdb::WriteBatch batch;
  return WriteUpgradeStep(&batch, 6, meta);
}

absl::Status DbImpl::BuildDigestIndex(MetaRecord* meta) {
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kTimelinesCf)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (key.size() != kKeyIdsBytes)
      return absl::DataLossError(absl::StrCat("damaged timeline key of ", key.size(), " bytes"));
    const KeyIds ids = DecodeLiveKey(key);
    const FactKey names = names_.KeyOf(ids);
    HS_RETURN_IF_ERROR(FromRocks(batch.Put(cf(kKeysCf), DigestIndexKey(KeyDigest(names)), it->key()), "upgrade"));
  }
  HS_RETURN_IF_ERROR(FromRocks(it->status(), "cannot read timelines to upgrade the database"));
  return WriteUpgradeStep(&batch, 5, meta);
}

absl::StatusOr<bool> DbImpl::RecordShows(const Operation& op, Instant t) const {
  std::optional<KeyIds> ids;
  if (op.key_digest.empty()) {
    ids = names_.FindKey(op.key);
  } else {
    std::string live_key;
    const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kKeysCf), DigestIndexKey(op.key_digest), &live_key);
    if (!s.IsNotFound()) HS_RETURN_IF_ERROR(FromRocks(s, "cannot read the digest index to upgrade the database"));
    if (s.ok() && live_key.size() == kKeyIdsBytes) ids = DecodeLiveKey(live_key);
  }
  if (!ids) return false;
  std::string record;
  const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kTimelinesCf), LiveKey(*ids), &record);
  if (s.IsNotFound()) return false;
  HS_RETURN_IF_ERROR(FromRocks(s, "cannot read a timeline to upgrade the database"));
  HS_ASSIGN_OR_RETURN(const std::vector<StoredSegment> live, LivePart(*ids, record, rocksdb::ReadOptions()));
  for (const StoredSegment& seg : live) {
    if (seg.tx_from == t) return true;
  }
  HS_ASSIGN_OR_RETURN(const size_t live_bytes, FirstMessageBytes(record));
  HS_ASSIGN_OR_RETURN(const std::vector<ClosedRecord> closed,
                      DecodeClosedRows(std::string_view(record).substr(live_bytes), {}));
  return std::any_of(closed.begin(), closed.end(),
                     [t](const ClosedRecord& r) { return r.tx.from == t || r.tx.to == t; });
}

absl::Status DbImpl::BuildMentions(MetaRecord* meta) {
  // Format 8 finds the records an erase rewrites through the erased key's
  // rows and its mentions (key_codec.h) rather than through a Bloom filter
  // in every transaction's info. Every operation of the log whose key's
  // record shows no row beginning or ending at its transaction gets a
  // mention; rows moved to `history` are not read, so a few mentions may be
  // more than needed (an erase then reads that record for nothing).
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kTxLogCf)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    HS_ASSIGN_OR_RETURN(const TransactionRecord record, DecodeTransaction(View(it->value())));
    for (const Operation& op : record.operations) {
      HS_ASSIGN_OR_RETURN(const bool shown, RecordShows(op, record.time));
      if (shown) continue;
      const std::string mention =
          MentionKey(op.key_digest.empty() ? KeyDigest(op.key) : op.key_digest, record.id);
      HS_RETURN_IF_ERROR(FromRocks(batch.Put(cf(kKeysCf), mention, ""), "upgrade"));
    }
  }
  HS_RETURN_IF_ERROR(FromRocks(it->status(), "cannot read the log to upgrade the database"));
  return WriteUpgradeStep(&batch, 8, meta);
}

absl::Status DbImpl::WriteUpgradeStep(rocksdb::WriteBatch* batch, unsigned format_version, MetaRecord* meta) {
  MetaRecord upgraded = *meta;
  upgraded.format_version = format_version;
  HS_RETURN_IF_ERROR(FromRocks(batch->Put(cf(kMetaCf), kMetaKey, EncodeMeta(upgraded)), "upgrade"));
  rocksdb::WriteOptions options;
  options.sync = true;
  HS_RETURN_IF_ERROR(
      FromRocks(db_->Write(options, batch), absl::StrCat("cannot upgrade the database to format ", format_version)));
  *meta = upgraded;
  return absl::OkStatus();
}

absl::Status DbImpl::Upgrade(MetaRecord* meta) {
  const bool rebuild_slices = meta->format_version < 4;
  if (rebuild_slices) HS_RETURN_IF_ERROR(RebuildSliceIndex(4, meta));
  if (meta->format_version < 5) HS_RETURN_IF_ERROR(BuildDigestIndex(meta));
  if (meta->format_version < 6) HS_RETURN_IF_ERROR(ChunkSliceIndex(rebuild_slices, meta));
  if (meta->format_version < 7) {
    // Format 7 keeps long live timelines in chunks; the records of format 6
    // are its records of keys without chunks.
    rocksdb::WriteBatch batch;
    HS_RETURN_IF_ERROR(WriteUpgradeStep(&batch, 7, meta));
  }
  if (meta->format_version < 8) HS_RETURN_IF_ERROR(BuildMentions(meta));
  return absl::OkStatus();
}

}  // namespace hindsight::internal
