// The write side of DbImpl: validating a transaction, applying it to the
// live timelines of the keys it touches, recording closed rows, and
// committing everything in one WriteBatch.
#include <tuple>

#include <rocksdb/write_batch.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "storage/column_families.h"
#include "storage/db_impl.h"
#include "storage/key_change.h"
#include "storage/rocks_status.h"
#include "storage/slice_index.h"
#include "util/sha256.h"
#include "util/status_macros.h"

namespace hindsight {

std::string KeyDigest(const FactKey& key) {
  std::string text = key.subject;
  text.push_back('\0');
  text += key.predicate;
  text.push_back('\0');
  text += key.object;
  return internal::Sha256(text);
}

namespace internal {
namespace {

using KeyView = std::tuple<std::string_view, std::string_view, std::string_view>;

KeyView ViewOf(const FactKey& k) { return {k.subject, k.predicate, k.object}; }

}  // namespace

absl::Status DbImpl::ResolveDigests(std::vector<Operation>* ops) {
  absl::flat_hash_map<std::string, FactKey> wanted;
  for (const Operation& op : *ops) {
    if (!op.key_digest.empty()) wanted.emplace(op.key_digest, FactKey{});
  }
  if (wanted.empty()) return absl::OkStatus();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kTimelinesCf)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const KeyIds ids = DecodeLiveKey(std::string_view(it->key().data(), it->key().size()));
    FactKey key{names_.Name(ids.subject), names_.Name(ids.predicate), names_.Name(ids.object)};
    auto found = wanted.find(KeyDigest(key));
    if (found != wanted.end()) found->second = std::move(key);
  }
  HS_RETURN_IF_ERROR(FromRocks(it->status(), "cannot scan keys"));
  for (Operation& op : *ops) {
    if (op.key_digest.empty()) continue;
    op.key = wanted[op.key_digest];  // stays empty (matching nothing) if no key has that digest
  }
  return absl::OkStatus();
}

bool DbImpl::NameInUse(NameId id, const absl::flat_hash_set<KeyIds>& gone) const {
  std::string id_bytes;
  AppendNameId(&id_bytes, id);
  const std::pair<int, std::string> ranges[] = {{kTimelinesCf, id_bytes},
                                                {kKeysCf, std::string(1, kObjectIndexTag) + id_bytes},
                                                {kKeysCf, std::string(1, kPredicateIndexTag) + id_bytes}};
  for (const auto& [family, prefix] : ranges) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(family)));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      const std::string_view key(it->key().data(), it->key().size());
      const KeyIds k = family == kTimelinesCf ? DecodeLiveKey(key) : DecodeIndexKey(key);
      if (!gone.contains(k)) return true;
    }
  }
  return false;
}

absl::StatusOr<TransactionInfo> DbImpl::Commit(const Transaction& txn) {
  if (read_only()) return RefuseWrite();
  for (size_t i = 0; i < txn.operations().size(); ++i) HS_RETURN_IF_ERROR(ValidateOperation(txn.operations()[i], i));


  std::lock_guard write_lock(write_mu_);
  std::vector<Operation> ops = txn.operations();
  HS_RETURN_IF_ERROR(ResolveDigests(&ops));
  const TransactionInfo previous = LastTransaction();
  HS_ASSIGN_OR_RETURN(const Instant time, TransactionTime(txn, previous.time, clock_->Now()));

  // Group operation indexes by key, keeping first-seen order.
  absl::flat_hash_map<KeyView, size_t> group_of;
  std::vector<std::vector<size_t>> groups;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].key.subject.empty()) continue;  // an erase by digest of no known key
    auto [it, inserted] = group_of.try_emplace(ViewOf(ops[i].key), groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(i);
  }

  rocksdb::WriteBatch batch;
  const size_t names_before = names_.size();
  std::vector<std::pair<std::string, NameId>> new_names;
  const auto intern = [&](const std::string& name) {
    bool added = false;
    const NameId id = names_.Intern(name, &added);
    if (added) new_names.emplace_back(name, id);
    return id;
  };
  // Interning is undone if the commit does not reach the disk.
  struct Rollback {
    NameDictionary* names;
    size_t size;
    bool armed = true;
    ~Rollback() {
      if (armed) names->Truncate(size);
    }
  } rollback{&names_, names_before};

  std::vector<FactKey> erased;
  std::vector<bool> dropped_ops(ops.size());  // ops made moot by a later erase of their key
  absl::flat_hash_set<KeyIds> gone;         // keys whose records this batch deletes for good
  absl::flat_hash_set<NameId> names_kept;   // names of keys stored after this batch
  std::vector<NameId> name_candidates;      // names of erased keys, perhaps unused now
  SliceIndexChanges slice_changes;
  rocksdb::ReadOptions ro;
  for (const std::vector<size_t>& group : groups) {
    const FactKey& key = ops[group.front()].key;
    size_t first_live_op = 0;  // position in `group` after its last erase
    for (size_t g = 0; g < group.size(); ++g) {
      if (ops[group[g]].kind == Operation::Kind::kErase) first_live_op = g + 1;
    }
    const bool has_erase = first_live_op > 0;
    for (size_t g = 0; g + 1 < first_live_op; ++g) dropped_ops[group[g]] = true;

    // The key's stored state, if it has any.
    std::optional<KeyIds> ids;
    {
      const auto s = names_.Find(key.subject), p = names_.Find(key.predicate), o = names_.Find(key.object);
      if (s && p && o) ids = KeyIds{*s, *p, *o};
    }
    bool stored = false;
    std::vector<StoredSegment> before;
    std::string record;                 // the key's timeline record, if stored
    std::string_view closed_part;       // its closed rows
    Instant spilled_through = kNegInf;  // the largest txTo of its rows in `history`
    if (ids) {
      const rocksdb::Status st = db_->Get(ro, cf(kTimelinesCf), LiveKey(*ids), &record);
      if (!st.IsNotFound()) {
        HS_RETURN_IF_ERROR(FromRocks(st, "cannot read live timeline"));
        HS_ASSIGN_OR_RETURN(before, DecodeLiveTimeline(record, &spilled_through));
        HS_ASSIGN_OR_RETURN(const size_t live_bytes, FirstMessageBytes(record));
        closed_part = std::string_view(record).substr(live_bytes);
        stored = true;
      }
    }
    if (has_erase) {
      erased.push_back(key);
      if (stored) {
        const std::string live_key = LiveKey(*ids);
        batch.Delete(cf(kTimelinesCf), live_key);
        if (spilled_through != kNegInf) {
          HS_RETURN_IF_ERROR(FromRocks(batch.DeleteRange(cf(kHistoryCf), live_key, PrefixSuccessor(live_key)),
                                       "cannot erase"));
        }
        closed_part = {};
        spilled_through = kNegInf;
        batch.Delete(cf(kKeysCf), ObjectIndexKey(*ids));
        batch.Delete(cf(kKeysCf), PredicateIndexKey(*ids));
        batch.Delete(cf(kKeysCf), SubjectIndexKey(*ids));
        for (const StoredSegment& seg : before) slice_changes.Remove(*ids, seg.segment.valid);
        before.clear();
        stored = false;
        gone.insert(*ids);
        name_candidates.insert(name_candidates.end(), {ids->subject, ids->predicate, ids->object});
      }
    }

    std::vector<const Operation*> key_ops;
    for (size_t g = first_live_op; g < group.size(); ++g) key_ops.push_back(&ops[group[g]]);
    const KeyChange change = ApplyOperations(before, key_ops, time);
    if (stored) names_kept.insert({ids->subject, ids->predicate, ids->object});
    if (!change.changed()) continue;
    if (!stored) {
      // A key gets its records (and index entries) when it first has a row.
      ids = KeyIds{intern(key.subject), intern(key.predicate), intern(key.object)};
      batch.Put(cf(kKeysCf), PredicateIndexKey(*ids), "");
      gone.erase(*ids);
      names_kept.insert({ids->subject, ids->predicate, ids->object});
    }
    std::string closed_now;  // the rows this commit closes
    if (!change.removed.empty()) {
      std::vector<ClosedRecord> closed;
      closed.reserve(change.removed.size());
      for (const StoredSegment& s : change.removed) {
        closed.push_back({s.segment, {s.tx_from, time}});
        slice_changes.Remove(*ids, s.segment.valid);
      }
      closed_now = EncodeClosedRows(closed);
    }
    for (const Segment& s : change.added) slice_changes.Add(*ids, s);
    const std::string live_key = LiveKey(*ids);
    const bool move_closed =
        !closed_now.empty() && !closed_part.empty() && closed_part.size() + closed_now.size() > closed_bytes_in_record_;
    if (move_closed) {
      // The record's closed rows move to `history` as one chunk, keyed by
      // their largest txTo (amortized: once per closed_bytes_in_record_).
      HS_ASSIGN_OR_RETURN(const std::vector<ClosedRecord> moving, DecodeClosedRows(closed_part, std::nullopt));
      for (const ClosedRecord& r : moving) spilled_through = std::max(spilled_through, r.tx.to);
      batch.Put(cf(kHistoryCf), HistoryKey(*ids, spilled_through), closed_part);
    }
    // The object and subject indexes keep a copy of the live timeline.
    const std::string live = EncodeLiveTimeline(change.live, spilled_through);
    batch.Put(cf(kKeysCf), ObjectIndexKey(*ids), live);
    batch.Put(cf(kKeysCf), SubjectIndexKey(*ids), live);
    if (move_closed) {
      batch.Put(cf(kTimelinesCf), live_key, live + closed_now);  // the record starts over
    } else {
      // The new live timeline and the rows this commit closes, merged into
      // the key's record (timeline_merge.h).
      batch.Merge(cf(kTimelinesCf), live_key, live + closed_now);
    }
  }

  slice_changes.WriteTo(cf(kSlicesCf), &batch, &slice_catalog_);

  // The transaction record keeps every operation except those an erase in
  // the same transaction made moot.
  const TransactionRecord record = LogRecord(previous.id + 1, time, txn, dropped_ops);
  // Names that no key uses any more leave the dictionary.
  std::vector<NameId> names_removed;
  for (const NameId id : name_candidates) {
    if (names_kept.contains(id) || std::find(names_removed.begin(), names_removed.end(), id) != names_removed.end()) {
      continue;
    }
    if (NameInUse(id, gone)) continue;
    batch.Delete(cf(kNamesCf), names_.Name(id));
    names_removed.push_back(id);
  }
  const TransactionInfo info{record.id, time, txn.source(), record.operations.size()};
  if (!erased.empty()) HS_RETURN_IF_ERROR(EraseFromLog(erased, &batch));
  batch.Put(cf(kTxLogCf), TxKey(record.id), EncodeTransaction(record));
  batch.Put(cf(kTxInfoCf), TxKey(record.id), EncodeTransactionInfo(info));
  for (const auto& [name, id] : new_names) {
    std::string id_bytes;
    AppendNameId(&id_bytes, id);
    batch.Put(cf(kNamesCf), name, id_bytes);
  }
  const MetaRecord meta{kFormatVersion, record.id, time, static_cast<uint32_t>(names_.size())};
  batch.Put(cf(kMetaCf), kMetaKey, EncodeMeta(meta));

  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  {
    std::lock_guard state_lock(state_mu_);
    HS_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &batch), "cannot commit"));
    last_ = info;
  }
  rollback.armed = false;
  for (const NameId id : names_removed) names_.Remove(id);
  return info;
}

absl::Status DbImpl::EraseFromLog(const std::vector<FactKey>& erased, rocksdb::WriteBatch* batch) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kTxLogCf)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto record = DecodeTransaction(std::string_view(it->value().data(), it->value().size()));
    if (!record.ok()) {
      return absl::DataLossError(absl::StrCat(record.status().message(), " (txlog key ", it->key().ToString(true), ")"));
    }
    if (!RemoveErasedOperations(erased, &*record)) continue;
    batch->Put(cf(kTxLogCf), it->key(), EncodeTransaction(*record));
    batch->Put(cf(kTxInfoCf), it->key(),
               EncodeTransactionInfo({record->id, record->time, record->source, record->operations.size()}));
  }
  return FromRocks(it->status(), "cannot scan the transaction log");
}

}  // namespace internal
}  // namespace hindsight
