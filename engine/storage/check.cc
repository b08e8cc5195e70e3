// Database::Check: reads a whole database and checks that its parts agree
// (docs/operations.md, "Checking a database").
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "hindsight/log_record.h"
#include "storage/column_families.h"
#include "storage/db_impl.h"
#include "storage/key_change.h"
#include "storage/records.h"
#include "storage/rocks_slice.h"
#include "storage/rocks_status.h"
#include "storage/slice_index.h"
#include "util/status_macros.h"

namespace hindsight::internal {

// A slice bucket's entries as a count and an order-free hash: what the
// keys' live segments say it holds, and what it holds.
struct DbImpl::SliceDigests {
  struct Digest {
    uint64_t entries = 0;
    uint64_t hash = 0;  // the wrapping sum of each entry's hash
  };
  absl::flat_hash_map<std::string, Digest> buckets;

  static void Add(Digest* d, NameId subject, NameId object, const Segment& s) {
    ++d->entries;
    d->hash += absl::HashOf(subject, object, s.valid.from, s.valid.to, static_cast<int>(s.value.type()),
                            FormatValue(s.value));
  }
};

// Each operation of the log, as a hash of its key's digest and its
// transaction's time, until the database shows it where an erase of the key
// looks (storage/erasure_reads.h): a row of the key that begins or ends at
// that time, or a mention of the key naming that transaction. Several
// operations on one key in one transaction are one entry.
struct DbImpl::LoggedOperations {
  std::vector<Instant> times;  // of transactions 1, 2, ...
  absl::flat_hash_set<uint64_t> unshown;

  static uint64_t Hash(std::string_view digest, Instant time) {
    return absl::HashOf(absl::string_view(digest.data(), digest.size()), time);
  }
  static std::string DigestOf(const Operation& op) { return op.key_digest.empty() ? KeyDigest(op.key) : op.key_digest; }
  // Takes the operations on the key of `digest` at `time` out of those
  // unshown; false when there were none.
  bool Show(std::string_view digest, Instant time) { return unshown.erase(Hash(digest, time)) == 1; }
};

// Tells Check's caller the step under way: as it starts, every
// kEvery things it reads, and as it ends.
class DbImpl::CheckMeter {
 public:
  explicit CheckMeter(const std::function<void(const CheckProgress&)>& progress) : progress_(progress) {}

  void Start(std::string_view step, std::string_view unit, uint64_t expected) {
    progress_state_ = {step, unit, 0, expected};
    Tell();
  }
  void Count() {
    if (++progress_state_.done % kEvery == 0) Tell();
  }
  void Count(uint64_t n) { progress_state_.done += n; }
  void End() { Tell(); }

 private:
  static constexpr uint64_t kEvery = 1024;
  void Tell() const {
    if (progress_) progress_(progress_state_);
  }

  const std::function<void(const CheckProgress&)>& progress_;
  CheckProgress progress_state_;
};

namespace {

// `bytes` in hexadecimal, for a key in a message.
std::string Hex(std::string_view bytes) {
  return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
}

// The transaction summaries that must agree, field by field.
bool SameInfo(const TransactionInfo& a, const TransactionInfo& b) {
  return a.id == b.id && a.time == b.time && a.source == b.source && a.operation_count == b.operation_count;
}

}  // namespace

absl::StatusOr<CheckReport> DbImpl::Check(const std::function<void(const CheckProgress&)>& progress) const {
  CheckMeter meter(progress);
  CheckReport report;
  HS_RETURN_IF_ERROR(CheckTableFiles(&meter, &report));
  const std::unique_ptr<ReadView> view = AcquireView();
  // Each block is read once: cached, it would only push out what others
  // read (the point reads of the key indexes fill the cache as usual).
  rocksdb::ReadOptions options = view->Options();
  options.fill_cache = false;
  LoggedOperations logged;
  HS_RETURN_IF_ERROR(CheckLog(options, view->last().id, &logged, &meter, &report));
  IndexTally tally{};
  HS_RETURN_IF_ERROR(CheckKeyIndexes(options, &logged, &tally, &meter));
  SliceDigests expected;
  HS_RETURN_IF_ERROR(CheckKeys(options, &expected, &logged, &meter, &report));
  HS_RETURN_IF_ERROR(CheckIndexHoldsOnlyKeys(tally, report.keys));
  HS_RETURN_IF_ERROR(CheckHistory(options, &logged, &meter, &report));
  HS_RETURN_IF_ERROR(CheckSlices(options, &expected, &meter, &report));
  if (!logged.unshown.empty()) return UnshownOperation(options, logged);
  return report;
}

uint64_t DbImpl::EstimatedEntries(int family) const {
  uint64_t entries = 0;
  db_->GetIntProperty(cf(family), "rocksdb.estimate-num-keys", &entries);
  return entries;
}

absl::Status DbImpl::CheckTableFiles(CheckMeter* meter, CheckReport* report) const {
  std::vector<rocksdb::LiveFileMetaData> files;
  db_->GetLiveFilesMetaData(&files);
  meter->Start("table files against their checksums", "table files", files.size());
  for (const rocksdb::LiveFileMetaData& f : files) {
    ++report->table_files;
    report->table_bytes += f.size;
  }
  const rocksdb::Status s = db_->VerifyChecksum(rocksdb::ReadOptions());
  if (!s.ok()) return absl::DataLossError(absl::StrCat("a table file fails its checksums: ", s.ToString()));
  meter->Count(files.size());
  meter->End();
  return absl::OkStatus();
}

absl::Status DbImpl::CheckLog(const rocksdb::ReadOptions& options, uint64_t last_id, LoggedOperations* logged,
                              CheckMeter* meter, CheckReport* report) const {
  meter->Start("the transaction log", "transactions", last_id);
  std::unique_ptr<rocksdb::Iterator> log(db_->NewIterator(options, cf(kTxLogCf)));
  std::unique_ptr<rocksdb::Iterator> infos(db_->NewIterator(options, cf(kTxInfoCf)));
  // The set of operations sized once, from the summaries: grown as it
  // fills, it would move every entry at each doubling and hold two tables.
  uint64_t operations = 0;
  for (infos->SeekToFirst(); infos->Valid(); infos->Next()) {
    if (absl::StatusOr<TransactionInfo> info = DecodeTransactionInfo(View(infos->value())); info.ok()) {
      operations += info->operation_count;
    }
  }
  logged->unshown.reserve(operations);
  infos->SeekToFirst();
  Instant previous_time = kNegInf;
  uint64_t id = 0;
  for (log->SeekToFirst(); log->Valid(); log->Next()) {
    ++id;
    const auto lost = [id](const std::string& what) {
      return absl::DataLossError(absl::StrCat("transaction ", id, ": ", what));
    };
    if (View(log->key()) != TxKey(id)) return lost("missing from the log (column family txlog)");
    absl::StatusOr<LogRecord> record = DecodeLogRecord(View(log->value()));
    if (!record.ok()) return lost(absl::StrCat(record.status().message(), " (column family txlog)"));
    if (record->info.id != id) return lost(absl::StrCat("its log record says it is transaction ", record->info.id));
    if (record->info.time <= previous_time) return lost("its time is not after the transaction's before it");
    previous_time = record->info.time;
    if (!infos->Valid() || View(infos->key()) != TxKey(id)) return lost("has no summary (column family txinfo)");
    absl::StatusOr<TransactionInfo> info = DecodeTransactionInfo(View(infos->value()));
    if (!info.ok()) return lost(absl::StrCat(info.status().message(), " (column family txinfo)"));
    if (!SameInfo(*info, record->info)) return lost("its summary (column family txinfo) differs from its log record");
    infos->Next();
    logged->times.push_back(record->info.time);
    for (const Operation& op : record->txn.operations()) {
      logged->unshown.insert(LoggedOperations::Hash(LoggedOperations::DigestOf(op), record->info.time));
    }
    meter->Count();
  }
  HS_RETURN_IF_ERROR(FromRocks(log->status(), "cannot read the transaction log"));
  HS_RETURN_IF_ERROR(FromRocks(infos->status(), "cannot read the transaction summaries"));
  if (infos->Valid()) {
    return absl::DataLossError(absl::StrCat("a transaction summary (column family txinfo, key ",
                                            Hex(View(infos->key())), ") has no log record"));
  }
  if (id != last_id) {
    return absl::DataLossError(absl::StrCat("the log ends at transaction ", id, " but the database's last is ",
                                            last_id));
  }
  report->transactions = id;
  meter->End();
  return absl::OkStatus();
}

absl::Status DbImpl::CheckKeys(const rocksdb::ReadOptions& options, SliceDigests* expected,
                               LoggedOperations* logged, CheckMeter* meter, CheckReport* report) const {
  meter->Start("each key's record and index entries", "keys", EstimatedEntries(kTimelinesCf));
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, cf(kTimelinesCf)));
  std::optional<KeyIds> last_record;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key = View(it->key());
    if (key.size() == kLiveChunkKeyBytes) {  // read with its record, which comes just before it
      if (!last_record || key.substr(0, kKeyIdsBytes) != LiveKey(*last_record)) {
        return absl::DataLossError(absl::StrCat("a live chunk (column family timelines, key ",
                                                Hex(key), ") has no record"));
      }
      ++report->live_chunks;
      continue;
    }
    if (key.size() != kKeyIdsBytes) {
      return absl::DataLossError(absl::StrCat("damaged key of ", key.size(), " bytes in column family timelines"));
    }
    const KeyIds ids = DecodeLiveKey(key);
    HS_RETURN_IF_ERROR(CheckNames(ids, options));
    HS_RETURN_IF_ERROR(CheckRecord(ids, View(it->value()), options, expected, logged, report));
    last_record = ids;
    ++report->keys;
    meter->Count();
  }
  HS_RETURN_IF_ERROR(FromRocks(it->status(), "cannot read timelines"));
  meter->End();
  return absl::OkStatus();
}

absl::Status DbImpl::CheckNames(const KeyIds& ids, const rocksdb::ReadOptions& options) const {
  for (const NameId id : {ids.subject, ids.predicate, ids.object}) {
    static const std::string kNone;
    const std::string& name = id < names_.size() ? names_.Name(id) : kNone;
    bool known = !name.empty() && names_.Find(name) == id;
    if (!known && !name.empty()) {
      // An erase committed since the check's snapshot may have taken the
      // name out of the dictionary: the snapshot's names decide.
      std::string stored;
      const rocksdb::Status s = db_->Get(options, cf(kNamesCf), name, &stored);
      if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "cannot read names");
      known = s.ok() && stored.size() == kIdBytes && DecodeNameId(stored.data()) == id;
    }
    if (!known) {
      return absl::DataLossError(absl::StrCat("the key of ids (", ids.subject, ", ", ids.predicate, ", ", ids.object,
                                              ") names id ", id, ", which is no name (column family names)"));
    }
  }
  return absl::OkStatus();
}

absl::Status DbImpl::CheckRecord(const KeyIds& ids, std::string_view record, const rocksdb::ReadOptions& options,
                                 SliceDigests* expected, LoggedOperations* logged, CheckReport* report) const {
  const auto lost = [&](int family, const std::string& what) {
    return KeyDataLoss(family, ids, absl::DataLossError(what));
  };
  const absl::StatusOr<size_t> live_bytes = FirstMessageBytes(record);
  if (!live_bytes.ok()) return KeyDataLoss(kTimelinesCf, ids, live_bytes.status());
  HS_ASSIGN_OR_RETURN(const std::vector<StoredSegment> live, LivePart(ids, record, options));
  for (const StoredSegment& s : live) {
    SliceDigests::Add(&expected->buckets[SliceBucketKey(ids, s.segment.valid)], ids.subject, ids.object, s.segment);
  }
  report->live_segments += live.size();
  const absl::StatusOr<std::vector<ClosedRecord>> closed = DecodeClosedRows(record.substr(*live_bytes), {});
  if (!closed.ok()) return KeyDataLoss(kTimelinesCf, ids, closed.status());
  const FactKey names = names_.KeyOf(ids);
  const std::string digest = KeyDigest(names);
  for (const StoredSegment& s : live) logged->Show(digest, s.tx_from);
  for (const ClosedRecord& r : *closed) {
    logged->Show(digest, r.tx.from);
    logged->Show(digest, r.tx.to);
  }
  // The index entries the key has, and what they hold.
  const std::string_view live_copy = record.substr(0, *live_bytes);
  const std::string live_key = LiveKey(ids);
  const struct {
    std::string key;
    std::string_view value;
    const char* what;
  } entries[] = {
      {SubjectIndexKey(ids), live_copy, "its subject index entry"},
      {ObjectIndexKey(ids), live_copy, "its object index entry"},
      {PredicateIndexKey(ids), "", "its predicate index entry"},
      {DigestIndexKey(digest), live_key, "its digest index entry"},
  };
  rocksdb::ReadOptions cached = options;
  cached.fill_cache = true;
  std::string value;
  for (const auto& entry : entries) {
    const rocksdb::Status s = db_->Get(cached, cf(kKeysCf), entry.key, &value);
    if (s.IsNotFound()) return lost(kKeysCf, absl::StrCat(entry.what, " is missing"));
    HS_RETURN_IF_ERROR(FromRocks(s, "cannot read the key indexes"));
    if (value != entry.value) return lost(kKeysCf, absl::StrCat(entry.what, " differs from the key's record"));
  }
  return absl::OkStatus();
}

absl::Status DbImpl::CheckKeyIndexes(const rocksdb::ReadOptions& options, LoggedOperations* logged,
                                     IndexTally* tally, CheckMeter* meter) const {
  meter->Start("the key indexes and mentions", "entries", EstimatedEntries(kKeysCf));
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, cf(kKeysCf)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    meter->Count();
    const std::string_view key = View(it->key());
    const char tag = key.empty() ? '\0' : key[0];
    if (tag != kMentionTag) {  // an index entry: CheckRecord reads those of each key
      if (tag != kSubjectIndexTag && tag != kObjectIndexTag && tag != kPredicateIndexTag && tag != kDigestIndexTag) {
        return absl::DataLossError(absl::StrCat("an entry of column family keys has an unknown tag (key ", Hex(key),
                                                ")"));
      }
      ++(*tally)[static_cast<unsigned char>(tag)];
      continue;
    }
    const auto unsound = [key](absl::string_view why) {
      return absl::DataLossError(absl::StrCat("a mention (column family keys, key ", Hex(key), ") ", why));
    };
    if (key.size() != kMentionKeyBytes) return unsound("is damaged");
    const uint64_t id = MentionId(key);
    if (id == 0 || id > logged->times.size()) return unsound("names a transaction the log does not have");
    if (!logged->Show(MentionDigest(key), logged->times[id - 1])) {
      return unsound(absl::StrCat("names transaction ", id, ", whose log record holds no operation on its key"));
    }
  }
  HS_RETURN_IF_ERROR(FromRocks(it->status(), "cannot read the key indexes"));
  meter->End();
  return absl::OkStatus();
}

absl::Status DbImpl::CheckIndexHoldsOnlyKeys(const IndexTally& tally, uint64_t keys) {
  // Each key has one entry of each tag (CheckRecord): as many of each as
  // keys means none is left over from a key that is gone.
  for (const char tag : {kSubjectIndexTag, kObjectIndexTag, kPredicateIndexTag, kDigestIndexTag}) {
    const uint64_t entries = tally[static_cast<unsigned char>(tag)];
    if (entries != keys) {
      return absl::DataLossError(absl::StrCat("column family keys has ", entries, " entries tagged '",
                                              std::string(1, tag), "' for ", keys, " keys: ", entries - keys,
                                              " left from keys that are gone"));
    }
  }
  return absl::OkStatus();
}

absl::Status DbImpl::CheckHistory(const rocksdb::ReadOptions& options, LoggedOperations* logged,
                                  CheckMeter* meter, CheckReport* report) const {
  meter->Start("older rows", "chunks", EstimatedEntries(kHistoryCf));
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, cf(kHistoryCf)));
  std::string owner;         // the last key whose record was found
  std::string owner_digest;  // its KeyDigest
  std::string record;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key = View(it->key());
    if (key.size() < kKeyIdsBytes) {
      return absl::DataLossError(absl::StrCat("damaged key of ", key.size(), " bytes in column family history"));
    }
    const KeyIds ids = DecodeLiveKey(key.substr(0, kKeyIdsBytes));
    const absl::StatusOr<std::vector<ClosedRecord>> rows = DecodeClosedRows(View(it->value()), {});
    if (!rows.ok()) return KeyDataLoss(kHistoryCf, ids, rows.status());
    ++report->older_rows;
    meter->Count();
    if (key.substr(0, kKeyIdsBytes) != owner) {
      const rocksdb::Status s = db_->Get(options, cf(kTimelinesCf), LiveKey(ids), &record);
      if (s.IsNotFound()) {
        return KeyDataLoss(kHistoryCf, ids, absl::DataLossError("older rows of a key with no record"));
      }
      HS_RETURN_IF_ERROR(FromRocks(s, "cannot read timelines"));
      owner = std::string(key.substr(0, kKeyIdsBytes));
      owner_digest = KeyDigest(names_.KeyOf(ids));
    }
    for (const ClosedRecord& r : *rows) {
      logged->Show(owner_digest, r.tx.from);
      logged->Show(owner_digest, r.tx.to);
    }
  }
  HS_RETURN_IF_ERROR(FromRocks(it->status(), "cannot read older rows"));
  meter->End();
  return absl::OkStatus();
}

absl::Status DbImpl::CheckSlices(const rocksdb::ReadOptions& options, SliceDigests* expected, CheckMeter* meter,
                                 CheckReport* report) const {
  meter->Start("the slice index", "buckets", EstimatedEntries(kSlicesCf));
  const auto lost = [](std::string_view key, absl::string_view what) {
    return absl::DataLossError(absl::StrCat("the slice bucket of key ", Hex(key),
                                            " (column family slices) ", what));
  };
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, cf(kSlicesCf)));
  std::vector<SliceRecordEntry> entries;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key = View(it->key());
    entries.clear();
    if (absl::Status s = DecodeSliceBucket(View(it->value()), &entries); !s.ok()) return lost(key, s.message());
    SliceDigests::Digest held;
    for (const SliceRecordEntry& e : entries) SliceDigests::Add(&held, e.subject, e.object, e.segment);
    ++report->slice_buckets;
    meter->Count();
    const auto want = expected->buckets.find(absl::string_view(key.data(), key.size()));
    const SliceDigests::Digest none;
    const SliceDigests::Digest& wanted = want == expected->buckets.end() ? none : want->second;
    if (held.entries != wanted.entries || held.hash != wanted.hash) {
      return lost(key, absl::StrCat("holds ", held.entries, " segments where the keys have ", wanted.entries,
                                    held.entries == wanted.entries ? ", not the same" : ""));
    }
    if (want != expected->buckets.end()) expected->buckets.erase(want);
  }
  HS_RETURN_IF_ERROR(FromRocks(it->status(), "cannot read the slice index"));
  if (!expected->buckets.empty()) {
    const auto& [key, wanted] = *expected->buckets.begin();
    return lost(key, absl::StrCat("is missing: the keys have ", wanted.entries, " segments in it"));
  }
  meter->End();
  return absl::OkStatus();
}

absl::Status DbImpl::UnshownOperation(const rocksdb::ReadOptions& options, const LoggedOperations& logged) const {
  std::unique_ptr<rocksdb::Iterator> log(db_->NewIterator(options, cf(kTxLogCf)));
  for (log->SeekToFirst(); log->Valid(); log->Next()) {
    HS_ASSIGN_OR_RETURN(const LogRecord record, DecodeLogRecord(View(log->value())));
    for (const Operation& op : record.txn.operations()) {
      const std::string digest = LoggedOperations::DigestOf(op);
      if (!logged.unshown.contains(LoggedOperations::Hash(digest, record.info.time))) continue;
      const std::string key = op.key_digest.empty()
                                  ? absl::StrCat("(", op.key.subject, ", ", op.key.predicate, ", ", op.key.object, ")")
                                  : absl::StrCat("of digest ", Hex(digest));
      return absl::DataLossError(absl::StrCat("transaction ", record.info.id, ": its operation on the key ", key,
                                              " is neither at a row of the key nor in a mention (column family "
                                              "keys), where an erase of the key looks for it"));
    }
  }
  HS_RETURN_IF_ERROR(FromRocks(log->status(), "cannot read the transaction log"));
  return absl::DataLossError("an operation of the log is neither at a row of its key nor in a mention");
}

}  // namespace hindsight::internal
