// DbImpl::BulkLoad: the transactions applied in memory with the same rules
// as Commit (key_change.h), then every column family written as one sorted
// table file and ingested atomically.
#include <rocksdb/sst_file_writer.h>

#include <filesystem>
#include <map>
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

using NameTriple = std::tuple<std::string, std::string, std::string>;

struct KeyState {
  std::vector<StoredSegment> live;
  std::vector<ClosedRecord> closed;
};

NameTriple Triple(const FactKey& k) { return {k.subject, k.predicate, k.object}; }

}  // namespace

absl::Status DbImpl::BulkLoad(const std::vector<Transaction>& txns, size_t* loaded) {
  *loaded = 0;
  std::lock_guard write_lock(write_mu_);
  if (LastTransaction().id != 0 || names_.size() != 0) {
    return absl::FailedPreconditionError("bulk loading needs a database without transactions");
  }

  // 1. Apply every transaction in memory, exactly as Commit would.
  absl::flat_hash_map<NameTriple, KeyState> keys;
  std::vector<TransactionRecord> log;
  Instant previous = kNegInf;
  absl::Status rejected;
  for (size_t t = 0; t < txns.size(); ++t) {
    const Transaction& txn = txns[t];
    absl::Status valid;
    for (size_t i = 0; i < txn.operations().size() && valid.ok(); ++i) valid = ValidateOperation(txn.operations()[i], i);
    absl::StatusOr<Instant> time = valid.ok() ? TransactionTime(txn, previous, clock_->Now()) : valid;
    if (!time.ok()) {
      rejected = absl::InvalidArgumentError(absl::StrCat("transaction ", t + 1, ": ", time.status().message()));
      break;
    }
    std::vector<Operation> ops = txn.operations();
    for (Operation& op : ops) {  // an erase by digest names the key it matches, if any
      if (op.key_digest.empty()) continue;
      for (const auto& [triple, state] : keys) {
        const FactKey k{std::get<0>(triple), std::get<1>(triple), std::get<2>(triple)};
        if (KeyDigest(k) == op.key_digest) op.key = k;
      }
    }
    std::map<NameTriple, std::vector<size_t>> groups;  // any order: keys are independent
    for (size_t i = 0; i < ops.size(); ++i) {
      if (!ops[i].key.subject.empty()) groups[Triple(ops[i].key)].push_back(i);
    }
    std::vector<bool> dropped(ops.size());
    std::vector<FactKey> erased;
    for (const auto& [triple, group] : groups) {
      size_t first_live_op = 0;
      for (size_t g = 0; g < group.size(); ++g) {
        if (ops[group[g]].kind == Operation::Kind::kErase) first_live_op = g + 1;
      }
      for (size_t g = 0; g + 1 < first_live_op; ++g) dropped[group[g]] = true;
      if (first_live_op > 0) {
        erased.push_back(ops[group.front()].key);
        keys.erase(triple);
      }
      std::vector<const Operation*> key_ops;
      for (size_t g = first_live_op; g < group.size(); ++g) key_ops.push_back(&ops[group[g]]);
      auto found = keys.find(triple);
      static const std::vector<StoredSegment> kNone;
      KeyChange change = ApplyOperations(found != keys.end() ? found->second.live : kNone, key_ops, *time);
      if (!change.changed()) continue;
      KeyState& state = found != keys.end() ? found->second : keys[triple];
      for (StoredSegment& s : change.removed) state.closed.push_back({std::move(s.segment), {s.tx_from, *time}});
      state.live = std::move(change.live);
    }
    if (!erased.empty()) {
      for (TransactionRecord& r : log) RemoveErasedOperations(erased, &r);
    }
    log.push_back(LogRecord(t + 1, *time, txn, dropped));
    previous = *time;
    *loaded = t + 1;
  }
  if (*loaded == 0) return rejected;

  // 2. Intern the names still in use, in bytewise order.
  std::map<std::string, NameId> name_ids;
  for (const auto& [triple, state] : keys) {
    name_ids.emplace(std::get<0>(triple), 0);
    name_ids.emplace(std::get<1>(triple), 0);
    name_ids.emplace(std::get<2>(triple), 0);
  }
  NameId next = 0;
  for (auto& [name, id] : name_ids) id = next++;

  // 3. Every entry of every column family.
  std::vector<std::vector<std::pair<std::string, std::string>>> entries(kColumnFamilyCount);
  for (const auto& [name, id] : name_ids) {
    std::string id_bytes;
    AppendNameId(&id_bytes, id);
    entries[kNamesCf].emplace_back(name, std::move(id_bytes));
  }
  for (const auto& [triple, state] : keys) {
    const KeyIds ids{name_ids[std::get<0>(triple)], name_ids[std::get<1>(triple)], name_ids[std::get<2>(triple)]};
    std::string record = EncodeLiveTimeline(state.live);
    if (!state.closed.empty()) record += EncodeClosedRows(state.closed);
    entries[kTimelinesCf].emplace_back(LiveKey(ids), std::move(record));
    entries[kKeysCf].emplace_back(ObjectIndexKey(ids), "");
    entries[kKeysCf].emplace_back(PredicateIndexKey(ids), "");
    for (const StoredSegment& s : state.live) {
      entries[kSlicesCf].emplace_back(SliceKey(ids, s.segment.valid), EncodeSliceValue(s.segment.valid, s.segment.value));
    }
  }
  for (const TransactionRecord& r : log) {
    entries[kTxLogCf].emplace_back(TxKey(r.id), EncodeTransaction(r));
    entries[kTxInfoCf].emplace_back(TxKey(r.id), EncodeTransactionInfo({r.id, r.time, r.source, r.operations.size()}));
  }
  const TransactionRecord& last = log.back();
  entries[kMetaCf].emplace_back(kMetaKey, EncodeMeta({kFormatVersion, last.id, last.time, next}));

  // 4. One sorted table file per column family, ingested together.
  const std::string staging = db_->GetName() + "/bulk-load";
  std::error_code ec;
  std::filesystem::create_directories(staging, ec);
  std::vector<rocksdb::IngestExternalFileArg> args;
  for (int family = 0; family < kColumnFamilyCount; ++family) {
    auto& list = entries[family];
    if (list.empty()) continue;
    std::sort(list.begin(), list.end());
    rocksdb::Options options(db_->GetDBOptions(), db_->GetOptions(cf(family)));
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), options, cf(family));
    const std::string file = absl::StrCat(staging, "/", kColumnFamilyNames[family], ".sst");
    HS_RETURN_IF_ERROR(FromRocks(writer.Open(file), "bulk load"));
    for (const auto& [key, value] : list) HS_RETURN_IF_ERROR(FromRocks(writer.Put(key, value), "bulk load"));
    HS_RETURN_IF_ERROR(FromRocks(writer.Finish(), "bulk load"));
    list.clear();
    list.shrink_to_fit();
    rocksdb::IngestExternalFileArg arg;
    arg.column_family = cf(family);
    arg.external_files = {file};
    arg.options.move_files = true;
    args.push_back(std::move(arg));
  }
  {
    std::lock_guard state_lock(state_mu_);
    const absl::Status s = FromRocks(db_->IngestExternalFiles(args), "bulk load");
    std::filesystem::remove_all(staging, ec);
    HS_RETURN_IF_ERROR(s);
    last_ = TransactionInfo{last.id, last.time, last.source, last.operations.size()};
  }
  for (const auto& [name, id] : name_ids) names_.Load(name, id);
  names_.Reserve(next);
  return rejected;
}

}  // namespace hindsight::internal
