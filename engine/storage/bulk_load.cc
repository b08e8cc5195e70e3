// DbImpl::BulkLoad: the transactions applied in memory with the same rules
// as Commit (key_change.h), then every column family written as one sorted
// table file (two at a time) and ingested atomically.
#include <rocksdb/sst_file_writer.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <deque>
#include <filesystem>
#include <functional>
#include <thread>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "storage/column_families.h"
#include "storage/db_impl.h"
#include "storage/key_change.h"
#include "storage/rocks_status.h"
#include "storage/slice_index.h"
#include "util/status_macros.h"

namespace hindsight::internal {
namespace {

// Names met during the load, interned to provisional ids in order of first
// appearance; the stored ids are assigned at the end, in bytewise order.
class LoadNames {
 public:
  NameId Intern(const std::string& name) {
    auto [it, added] = ids_.try_emplace(name, static_cast<NameId>(names_.size()));
    if (added) {
      names_.push_back(name);
      // Re-key the entry by the deque's copy, whose address never changes.
      const NameId id = it->second;
      ids_.erase(it);
      ids_.emplace(names_.back(), id);
      return id;
    }
    return it->second;
  }
  const std::string& Name(NameId id) const { return names_[id]; }
  size_t size() const { return names_.size(); }

 private:
  std::deque<std::string> names_;
  absl::flat_hash_map<std::string_view, NameId> ids_;
};

struct KeyState {
  std::vector<StoredSegment> live;
  std::vector<ClosedRecord> closed;
};

// A slice bucket key as big-endian 64-bit words, zero-padded: compared as
// integers they sort as the bytes do, because no bucket key is a proper
// prefix of another (keys of one kind have one length; kinds differ in
// their fifth byte).
using BucketSortKey = std::array<uint64_t, 2>;

BucketSortKey SortKeyOf(std::string_view key) {
  BucketSortKey words{};
  assert(key.size() <= 8 * words.size());
  for (size_t i = 0; i < key.size(); ++i) {
    words[i / 8] |= uint64_t{static_cast<unsigned char>(key[i])} << (56 - 8 * (i % 8));
  }
  return words;
}

bool IdsLess(const KeyIds& a, const KeyIds& b) {
  return std::tie(a.subject, a.predicate, a.object) < std::tie(b.subject, b.predicate, b.object);
}

// One sorted table file being written.
class Table {
 public:
  explicit Table(const rocksdb::Options& options) : writer_(rocksdb::EnvOptions(), options) {}
  absl::Status Open(const std::string& file) { return FromRocks(writer_.Open(file), "bulk load"); }
  // REQUIRES: keys in increasing order.
  absl::Status Put(const rocksdb::Slice& key, const rocksdb::Slice& value) {
    ++entries_;
    return FromRocks(writer_.Put(key, value), "bulk load");
  }
  absl::Status Finish() { return entries_ == 0 ? absl::OkStatus() : FromRocks(writer_.Finish(), "bulk load"); }
  bool empty() const { return entries_ == 0; }

 private:
  rocksdb::SstFileWriter writer_;
  size_t entries_ = 0;
};

}  // namespace

absl::Status DbImpl::BulkLoad(const std::vector<Transaction>& txns, size_t* loaded) {
  *loaded = 0;
  if (read_only()) return RefuseWrite();
  std::lock_guard write_lock(write_mu_);
  if (LastTransaction().id != 0 || names_.size() != 0) {
    return absl::FailedPreconditionError("bulk loading needs a database without transactions");
  }

  // 1. Apply every transaction in memory, exactly as Commit would. The log
  // records are encoded as they are made; an erase re-encodes the earlier
  // ones it changes.
  LoadNames names;
  absl::flat_hash_map<KeyIds, KeyState> keys;
  std::vector<std::string> log;
  std::vector<TransactionInfo> infos;
  Instant previous = kNegInf;
  absl::Status rejected;
  std::vector<std::pair<KeyIds, size_t>> by_key;
  for (size_t t = 0; t < txns.size(); ++t) {
    const Transaction& txn = txns[t];
    absl::Status valid;
    for (size_t i = 0; i < txn.operations().size() && valid.ok(); ++i) valid = ValidateOperation(txn.operations()[i], i);
    absl::StatusOr<Instant> time = valid.ok() ? TransactionTime(txn, previous, clock_->Now()) : valid;
    if (!time.ok()) {
      rejected = absl::InvalidArgumentError(absl::StrCat("transaction ", t + 1, ": ", time.status().message()));
      break;
    }
    const std::vector<Operation>& ops = txn.operations();
    // Each operation's key (an erase by digest: the stored key it names, if any).
    by_key.clear();
    for (size_t i = 0; i < ops.size(); ++i) {
      const Operation& op = ops[i];
      if (op.key_digest.empty()) {
        by_key.push_back({{names.Intern(op.key.subject), names.Intern(op.key.predicate), names.Intern(op.key.object)}, i});
        continue;
      }
      for (const auto& [ids, state] : keys) {
        const FactKey k{names.Name(ids.subject), names.Name(ids.predicate), names.Name(ids.object)};
        if (KeyDigest(k) == op.key_digest) by_key.push_back({ids, i});
      }
    }
    // Group by key, each group in operation order; keys are independent.
    std::sort(by_key.begin(), by_key.end(), [](const auto& a, const auto& b) {
      return IdsLess(a.first, b.first) || (a.first == b.first && a.second < b.second);
    });
    std::vector<bool> dropped(ops.size());
    std::vector<FactKey> erased;
    std::vector<const Operation*> key_ops;
    for (size_t begin = 0, end; begin < by_key.size(); begin = end) {
      const KeyIds ids = by_key[begin].first;
      end = begin;
      size_t first_live_op = begin;  // after the group's last erase
      for (; end < by_key.size() && by_key[end].first == ids; ++end) {
        if (ops[by_key[end].second].kind == Operation::Kind::kErase) first_live_op = end + 1;
      }
      for (size_t g = begin; g + 1 < first_live_op; ++g) dropped[by_key[g].second] = true;
      if (first_live_op > begin) {
        erased.push_back({names.Name(ids.subject), names.Name(ids.predicate), names.Name(ids.object)});
        keys.erase(ids);
      }
      key_ops.clear();
      for (size_t g = first_live_op; g < end; ++g) key_ops.push_back(&ops[by_key[g].second]);
      auto found = keys.find(ids);
      static const std::vector<StoredSegment> kNone;
      KeyChange change = ApplyOperations(found != keys.end() ? found->second.live : kNone, key_ops, *time);
      if (!change.changed()) continue;
      KeyState& state = found != keys.end() ? found->second : keys[ids];
      for (StoredSegment& s : change.removed) state.closed.push_back({std::move(s.segment), {s.tx_from, *time}});
      state.live = std::move(change.live);
    }
    if (!erased.empty()) {
      for (size_t r = 0; r < log.size(); ++r) {
        absl::StatusOr<TransactionRecord> record = DecodeTransaction(log[r]);
        if (!record.ok()) return record.status();
        if (!RemoveErasedOperations(erased, &*record)) continue;
        log[r] = EncodeTransaction(*record);
        infos[r].operation_count = record->operations.size();
      }
    }
    const TransactionRecord record = LogRecord(t + 1, *time, txn, dropped);
    log.push_back(EncodeTransaction(record));
    infos.push_back({record.id, record.time, record.source, record.operations.size()});
    previous = *time;
  }
  if (infos.empty()) return rejected;

  // 2. The names still in use get their stored ids, in bytewise order.
  std::vector<bool> used(names.size());
  for (const auto& [ids, state] : keys) used[ids.subject] = used[ids.predicate] = used[ids.object] = true;
  std::vector<NameId> sorted;  // provisional ids of the used names, by name
  for (NameId id = 0; id < names.size(); ++id) {
    if (used[id]) sorted.push_back(id);
  }
  std::sort(sorted.begin(), sorted.end(), [&](NameId a, NameId b) { return names.Name(a) < names.Name(b); });
  std::vector<NameId> stored_id(names.size());
  for (NameId i = 0; i < sorted.size(); ++i) stored_id[sorted[i]] = i;
  std::vector<std::pair<KeyIds, const KeyState*>> records;  // by stored ids, in key order
  records.reserve(keys.size());
  for (const auto& [ids, state] : keys) {
    records.push_back({{stored_id[ids.subject], stored_id[ids.predicate], stored_id[ids.object]}, &state});
  }
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return IdsLess(a.first, b.first); });

  // 3. One sorted table file per column family, written by two threads.
  const std::string staging = db_->GetName() + "/bulk-load";
  std::error_code ec;
  std::filesystem::create_directories(staging, ec);
  const auto file_of = [&staging](int family) { return absl::StrCat(staging, "/", kColumnFamilyNames[family], ".sst"); };
  std::vector<rocksdb::Options> options;
  for (int family = 0; family < kColumnFamilyCount; ++family) {
    options.emplace_back(db_->GetDBOptions(), db_->GetOptions(cf(family)));
  }
  std::array<bool, kColumnFamilyCount> written{};  // false: no entries, no file (one writer per family)
  // Writes the table of `family`; `fill` adds its entries in key order.
  const auto write = [&](int family, const std::function<absl::Status(Table*)>& fill) {
    Table table(options[family]);
    HS_RETURN_IF_ERROR(table.Open(file_of(family)));
    HS_RETURN_IF_ERROR(fill(&table));
    HS_RETURN_IF_ERROR(table.Finish());
    written[family] = !table.empty();
    return absl::OkStatus();
  };
  const auto put = [](Table* w, const rocksdb::Slice& key, const rocksdb::Slice& value) { return w->Put(key, value); };
  const TransactionInfo& last = infos.back();
  const NameId name_count = static_cast<NameId>(sorted.size());

  // Names, timeline records, the keys index and meta.
  const auto write_keys = [&]() -> absl::Status {
    HS_RETURN_IF_ERROR(write(kMetaCf, [&](Table* w) {
      return put(w, kMetaKey, EncodeMeta({kFormatVersion, last.id, last.time, name_count}));
    }));
    HS_RETURN_IF_ERROR(write(kNamesCf, [&](Table* w) {
      std::string id_bytes;
      for (NameId i = 0; i < sorted.size(); ++i) {
        id_bytes.clear();
        AppendNameId(&id_bytes, i);
        HS_RETURN_IF_ERROR(put(w, names.Name(sorted[i]), id_bytes));
      }
      return absl::OkStatus();
    }));
    std::vector<std::pair<std::string, std::string>> history;  // in key order
    HS_RETURN_IF_ERROR(write(kTimelinesCf, [&](Table* w) {
      for (const auto& [ids, state] : records) {
        const std::vector<ClosedRecord>& closed = state->closed;
        std::string closed_bytes = closed.empty() ? std::string() : EncodeClosedRows(closed);
        Instant spilled_through = kNegInf;
        if (closed_bytes.size() > closed_bytes_in_record_ && closed.size() > 1) {
          // As commits would have left it: the oldest rows in chunks of
          // about the record's share in `history` (a chunk never splits
          // the rows of one transaction: its key is their txTo), the
          // newest in the record.
          const size_t per_chunk = std::max<size_t>(1, closed.size() * closed_bytes_in_record_ / closed_bytes.size());
          size_t begin = 0;
          while (closed.size() - begin > per_chunk) {
            size_t end = begin + per_chunk;
            while (end < closed.size() && closed[end].tx.to == closed[end - 1].tx.to) ++end;
            if (end == closed.size()) break;
            const std::vector<ClosedRecord> chunk(closed.begin() + begin, closed.begin() + end);
            spilled_through = closed[end - 1].tx.to;  // rows are in the order their commits closed them
            history.emplace_back(HistoryKey(ids, spilled_through), EncodeClosedRows(chunk));
            begin = end;
          }
          if (begin > 0) closed_bytes = EncodeClosedRows({closed.begin() + begin, closed.end()});
        }
        HS_RETURN_IF_ERROR(put(w, LiveKey(ids), EncodeLiveTimeline(state->live, spilled_through) + closed_bytes));
      }
      return absl::OkStatus();
    }));
    HS_RETURN_IF_ERROR(write(kHistoryCf, [&](Table* w) {
      for (const auto& [key, value] : history) HS_RETURN_IF_ERROR(put(w, key, value));
      return absl::OkStatus();
    }));
    return write(kKeysCf, [&](Table* w) {
      // 'O' object subject predicate (with a copy of the live timeline),
      // then 'P' predicate object subject, then 'S' subject predicate object
      // (with a copy of the live timeline).
      std::vector<std::pair<KeyIds, const KeyState*>> by_object;
      by_object.reserve(records.size());
      for (const auto& [ids, state] : records) by_object.push_back({{ids.object, ids.subject, ids.predicate}, state});
      std::sort(by_object.begin(), by_object.end(), [](const auto& a, const auto& b) { return IdsLess(a.first, b.first); });
      for (const auto& [k, state] : by_object) {
        HS_RETURN_IF_ERROR(put(w, ObjectIndexKey({k.predicate, k.object, k.subject}), EncodeLiveTimeline(state->live)));
      }
      std::vector<KeyIds> order;
      order.reserve(records.size());
      for (const auto& [ids, state] : records) order.push_back({ids.predicate, ids.object, ids.subject});
      std::sort(order.begin(), order.end(), IdsLess);
      for (const KeyIds& k : order) HS_RETURN_IF_ERROR(put(w, PredicateIndexKey({k.object, k.subject, k.predicate}), ""));
      // 'S' subject predicate object: the records' own order.
      for (const auto& [ids, state] : records) {
        HS_RETURN_IF_ERROR(put(w, SubjectIndexKey(ids), EncodeLiveTimeline(state->live)));
      }
      return absl::OkStatus();
    });
  };
  // The slice index and the transaction log.
  const auto write_slices_and_log = [&]() -> absl::Status {
    HS_RETURN_IF_ERROR(write(kSlicesCf, [&](Table* w) {
      // Each live segment with its bucket, sorted by bucket (as integers:
      // each key's bytes as big-endian words).
      struct Entry {
        BucketSortKey bucket;
        KeyIds ids;
        const Segment* segment;
      };
      std::vector<Entry> entries;
      for (const auto& [ids, state] : records) {
        for (const StoredSegment& s : state->live) {
          entries.push_back({SortKeyOf(SliceBucketKey(ids.predicate, s.segment.valid)), ids, &s.segment});
        }
      }
      std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.bucket < b.bucket; });
      std::vector<SliceRecordEntry> bucket;
      for (size_t begin = 0, end = 0; begin < entries.size(); begin = end) {
        bucket.clear();
        for (end = begin; end < entries.size() && entries[end].bucket == entries[begin].bucket; ++end) {
          bucket.push_back({entries[end].ids.subject, entries[end].ids.object, *entries[end].segment});
        }
        const Entry& first = entries[begin];
        slice_catalog_.Note(first.ids.predicate, first.segment->valid);  // before it is ingested
        HS_RETURN_IF_ERROR(
            put(w, SliceBucketKey(first.ids.predicate, first.segment->valid), EncodeSliceBucket(std::move(bucket))));
      }
      return absl::OkStatus();
    }));
    HS_RETURN_IF_ERROR(write(kTxLogCf, [&](Table* w) {
      for (size_t r = 0; r < log.size(); ++r) HS_RETURN_IF_ERROR(put(w, TxKey(infos[r].id), log[r]));
      return absl::OkStatus();
    }));
    return write(kTxInfoCf, [&](Table* w) {
      for (const TransactionInfo& info : infos) HS_RETURN_IF_ERROR(put(w, TxKey(info.id), EncodeTransactionInfo(info)));
      return absl::OkStatus();
    });
  };
  absl::Status slices_status;
  std::thread second([&] { slices_status = write_slices_and_log(); });
  const absl::Status keys_status = write_keys();
  second.join();
  if (!keys_status.ok() || !slices_status.ok()) {
    std::filesystem::remove_all(staging, ec);
    return keys_status.ok() ? slices_status : keys_status;
  }

  std::vector<rocksdb::IngestExternalFileArg> args;
  for (int family = 0; family < kColumnFamilyCount; ++family) {
    if (!written[family]) continue;
    rocksdb::IngestExternalFileArg arg;
    arg.column_family = cf(family);
    arg.external_files = {file_of(family)};
    arg.options.move_files = true;
    args.push_back(std::move(arg));
  }
  {
    std::lock_guard state_lock(state_mu_);
    const absl::Status s = FromRocks(db_->IngestExternalFiles(args), "bulk load");
    std::filesystem::remove_all(staging, ec);
    HS_RETURN_IF_ERROR(s);
    last_ = last;
  }
  *loaded = infos.size();  // only once they are on disk
  for (NameId i = 0; i < sorted.size(); ++i) names_.Load(names.Name(sorted[i]), i);
  names_.FinishLoading(name_count);
  return rejected;
}

}  // namespace hindsight::internal
