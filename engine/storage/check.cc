// Database::Check: reads a whole database and checks that its parts agree
// (docs/operations.md, "Checking a database").
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
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

namespace {

// `bytes` in hexadecimal, for a key in a message.
std::string Hex(std::string_view bytes) { return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size())); }

// The transaction summaries that must agree, field by field.
bool SameInfo(const TransactionInfo& a, const TransactionInfo& b) {
  return a.id == b.id && a.time == b.time && a.source == b.source && a.operation_count == b.operation_count;
}

}  // namespace

absl::StatusOr<CheckReport> DbImpl::Check(const std::function<void(std::string_view step)>& progress) const {
  const auto step = [&progress](std::string_view what) {
    if (progress) progress(what);
  };
  CheckReport report;
  step("table files against their checksums");
  HS_RETURN_IF_ERROR(CheckTableFiles(&report));
  const std::unique_ptr<ReadView> view = AcquireView();
  // Each block is read once: cached, it would only push out what others
  // read (the point reads of the key indexes fill the cache as usual).
  rocksdb::ReadOptions options = view->Options();
  options.fill_cache = false;
  step("the transaction log");
  HS_RETURN_IF_ERROR(CheckLog(options, view->last().id, &report));
  step("each key's record and index entries");
  SliceDigests expected;
  HS_RETURN_IF_ERROR(CheckKeys(options, &expected, &report));
  HS_RETURN_IF_ERROR(CheckIndexHoldsOnlyKeys(options, report.keys));
  step("older rows");
  HS_RETURN_IF_ERROR(CheckHistory(options, &report));
  step("the slice index");
  HS_RETURN_IF_ERROR(CheckSlices(options, &expected, &report));
  return report;
}

absl::Status DbImpl::CheckTableFiles(CheckReport* report) const {
  std::vector<rocksdb::LiveFileMetaData> files;
  db_->GetLiveFilesMetaData(&files);
  for (const rocksdb::LiveFileMetaData& f : files) {
    ++report->table_files;
    report->table_bytes += f.size;
  }
  const rocksdb::Status s = db_->VerifyChecksum(rocksdb::ReadOptions());
  if (!s.ok()) return absl::DataLossError(absl::StrCat("a table file fails its checksums: ", s.ToString()));
  return absl::OkStatus();
}

absl::Status DbImpl::CheckLog(const rocksdb::ReadOptions& options, uint64_t last_id, CheckReport* report) const {
  std::unique_ptr<rocksdb::Iterator> log(db_->NewIterator(options, cf(kTxLogCf)));
  std::unique_ptr<rocksdb::Iterator> infos(db_->NewIterator(options, cf(kTxInfoCf)));
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
  return absl::OkStatus();
}

absl::Status DbImpl::CheckKeys(const rocksdb::ReadOptions& options, SliceDigests* expected,
                               CheckReport* report) const {
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
    HS_RETURN_IF_ERROR(CheckRecord(ids, View(it->value()), options, expected, report));
    last_record = ids;
    ++report->keys;
  }
  return FromRocks(it->status(), "cannot read timelines");
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
                                 SliceDigests* expected, CheckReport* report) const {
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
  if (absl::StatusOr<std::vector<ClosedRecord>> closed = DecodeClosedRows(record.substr(*live_bytes), {});
      !closed.ok()) {
    return KeyDataLoss(kTimelinesCf, ids, closed.status());
  }
  // The index entries the key has, and what they hold.
  const std::string_view live_copy = record.substr(0, *live_bytes);
  const FactKey names{names_.Name(ids.subject), names_.Name(ids.predicate), names_.Name(ids.object)};
  const std::string live_key = LiveKey(ids);
  const struct {
    std::string key;
    std::string_view value;
    const char* what;
  } entries[] = {
      {SubjectIndexKey(ids), live_copy, "its subject index entry"},
      {ObjectIndexKey(ids), live_copy, "its object index entry"},
      {PredicateIndexKey(ids), "", "its predicate index entry"},
      {DigestIndexKey(KeyDigest(names)), live_key, "its digest index entry"},
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

absl::Status DbImpl::CheckIndexHoldsOnlyKeys(const rocksdb::ReadOptions& options, uint64_t keys) const {
  // Each key has one entry of each tag (CheckRecord): as many of each as
  // keys means none is left over from a key that is gone.
  absl::flat_hash_map<char, uint64_t> entries;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, cf(kKeysCf)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const char tag = it->key().empty() ? '\0' : it->key()[0];
    if (tag == kMentionTag) {
      HS_RETURN_IF_ERROR(CheckMention(options, View(it->key())));
      continue;
    }
    if (tag != kSubjectIndexTag && tag != kObjectIndexTag && tag != kPredicateIndexTag && tag != kDigestIndexTag) {
      return absl::DataLossError(absl::StrCat("an entry of column family keys has an unknown tag (key ",
                                              Hex(View(it->key())), ")"));
    }
    ++entries[tag];
  }
  HS_RETURN_IF_ERROR(FromRocks(it->status(), "cannot read the key indexes"));
  for (const char tag : {kSubjectIndexTag, kObjectIndexTag, kPredicateIndexTag, kDigestIndexTag}) {
    if (entries[tag] != keys) {
      return absl::DataLossError(absl::StrCat("column family keys has ", entries[tag], " entries tagged '",
                                              std::string(1, tag), "' for ", keys, " keys: ",
                                              entries[tag] - keys, " left from keys that are gone"));
    }
  }
  return absl::OkStatus();
}

absl::Status DbImpl::CheckMention(const rocksdb::ReadOptions& options, std::string_view key) const {
  const auto unsound = [key](absl::string_view why) {
    return absl::DataLossError(absl::StrCat("a mention (column family keys, key ", Hex(key), ") ", why));
  };
  if (key.size() != kMentionKeyBytes) return unsound("is damaged");
  std::string record;
  const rocksdb::Status read = db_->Get(options, cf(kTxLogCf), TxKey(MentionId(key)), &record);
  if (read.IsNotFound()) return unsound("names a transaction the log does not have");
  HS_RETURN_IF_ERROR(FromRocks(read, "cannot read the transaction log"));
  const std::vector<FactKey> no_names;
  const ErasedKeys with_digest(no_names, {std::string(key.substr(1, key.size() - 1 - 8))});
  const absl::StatusOr<bool> holds = TransactionHoldsOperation(
      record, [&](std::string_view s, std::string_view p, std::string_view o, std::string_view digest) {
        return with_digest.Names(s, p, o, digest);
      });
  if (!holds.ok()) return unsound(holds.status().message());
  if (!*holds) return unsound("names a transaction whose log record holds no operation on its key");
  return absl::OkStatus();
}

absl::Status DbImpl::CheckHistory(const rocksdb::ReadOptions& options, CheckReport* report) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, cf(kHistoryCf)));
  std::string owner;  // the last key whose record was found
  std::string record;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key = View(it->key());
    if (key.size() < kKeyIdsBytes) {
      return absl::DataLossError(absl::StrCat("damaged key of ", key.size(), " bytes in column family history"));
    }
    const KeyIds ids = DecodeLiveKey(key.substr(0, kKeyIdsBytes));
    if (absl::StatusOr<std::vector<ClosedRecord>> rows = DecodeClosedRows(View(it->value()), {}); !rows.ok()) {
      return KeyDataLoss(kHistoryCf, ids, rows.status());
    }
    ++report->older_rows;
    if (key.substr(0, kKeyIdsBytes) == owner) continue;
    const rocksdb::Status s = db_->Get(options, cf(kTimelinesCf), LiveKey(ids), &record);
    if (s.IsNotFound()) return KeyDataLoss(kHistoryCf, ids, absl::DataLossError("older rows of a key with no record"));
    HS_RETURN_IF_ERROR(FromRocks(s, "cannot read timelines"));
    owner = std::string(key.substr(0, kKeyIdsBytes));
  }
  return FromRocks(it->status(), "cannot read older rows");
}

absl::Status DbImpl::CheckSlices(const rocksdb::ReadOptions& options, SliceDigests* expected,
                                 CheckReport* report) const {
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
  return absl::OkStatus();
}

}  // namespace hindsight::internal
