#include "storage/erasure_reads.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "storage/column_families.h"
#include "util/status_macros.h"

namespace hindsight::internal {

std::vector<Erasure> ErasuresOf(const TransactionState& state) {
  std::vector<Erasure> out;
  for (size_t i = 0; i < state.ops->size(); ++i) {
    const Operation& op = (*state.ops)[i];
    if (op.kind != Operation::Kind::kErase) continue;
    const StoredKey* key = state.key_of[i] == TransactionState::kNoKey ? nullptr : &state.keys[state.key_of[i]];
    std::string digest = key != nullptr && op.key_digest.empty() ? KeyDigest(key->key) : op.key_digest;
    const auto same = [&digest](const Erasure& e) { return e.digest == digest; };
    if (std::none_of(out.begin(), out.end(), same)) out.push_back({std::move(digest), key});
  }
  return out;
}

ErasedKeys MatcherOf(const std::vector<Erasure>& erasures, std::vector<FactKey>* named) {
  std::vector<std::string> digests_only;
  for (const Erasure& e : erasures) {
    if (e.key != nullptr) {
      named->push_back(e.key->key);
    } else {
      digests_only.push_back(e.digest);
    }
  }
  return ErasedKeys(*named, digests_only);
}

namespace {

// True when a stored key other than those in `gone` uses name `id`: the
// first entry of each index led by the name that is not in `gone`.
absl::StatusOr<bool> NameInUse(StoreReader* reader, NameId id, const absl::flat_hash_set<KeyIds>& gone) {
  std::string id_bytes;
  AppendNameId(&id_bytes, id);
  const std::pair<int, std::string> ranges[] = {{kTimelinesCf, id_bytes},
                                                {kKeysCf, std::string(1, kObjectIndexTag) + id_bytes},
                                                {kKeysCf, std::string(1, kPredicateIndexTag) + id_bytes}};
  bool used = false;
  for (const auto& [family, prefix] : ranges) {
    HS_RETURN_IF_ERROR(reader->Scan(family, prefix, [&, family = family](std::string_view key, std::string_view) {
      if (family == kTimelinesCf && key.size() == kLiveChunkKeyBytes) return true;  // its record came first
      used = !gone.contains(family == kTimelinesCf ? DecodeLiveKey(key) : DecodeIndexKey(key));
      return !used;
    }));
    if (used) return true;
  }
  return false;
}

// The transaction times at which a row of stored key `key` begins or ends:
// of its live segments, its record's closed rows and its rows in `history`.
absl::StatusOr<std::vector<Instant>> RowTimes(StoreReader* reader, const StoredKey& key) {
  std::vector<Instant> times;
  for (const std::vector<StoredSegment>* live : {&key.live, &key.record_live}) {
    for (const StoredSegment& s : *live) times.push_back(s.tx_from);
  }
  const auto add_closed = [&times](std::string_view rows) -> absl::Status {
    HS_ASSIGN_OR_RETURN(const std::vector<ClosedRecord> closed, DecodeClosedRows(rows, {}));
    for (const ClosedRecord& r : closed) times.insert(times.end(), {r.tx.from, r.tx.to});
    return absl::OkStatus();
  };
  HS_RETURN_IF_ERROR(add_closed(key.closed));
  if (key.spilled_through == kNegInf) return times;
  absl::Status damaged;
  HS_RETURN_IF_ERROR(reader->Scan(kHistoryCf, LiveKey(*key.ids), [&](std::string_view, std::string_view rows) {
    damaged = add_closed(rows);
    return damaged.ok();
  }));
  HS_RETURN_IF_ERROR(damaged);
  return times;
}

// The ids of the transactions committed at `times`, each some transaction's
// time, from the log's infos: in increasing order, each searched for from
// the one before it by galloping, then bisecting (times strictly increase
// with ids). DataLoss for a time no transaction has.
absl::StatusOr<std::vector<uint64_t>> TransactionsAt(StoreReader* reader, std::vector<Instant> times) {
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  std::vector<uint64_t> ids;
  if (times.empty()) return ids;
  std::string bytes;
  HS_ASSIGN_OR_RETURN(const bool has_meta, reader->Get(kMetaCf, kMetaKey, &bytes));
  if (!has_meta) return absl::DataLossError("the database has no meta record");
  HS_ASSIGN_OR_RETURN(const MetaRecord meta, DecodeMeta(bytes));
  const uint64_t last = meta.last_tx_id;
  const auto time_of = [&](uint64_t id) -> absl::StatusOr<Instant> {
    HS_ASSIGN_OR_RETURN(const bool found, reader->Get(kTxInfoCf, TxKey(id), &bytes));
    if (!found) return absl::DataLossError(absl::StrCat("transaction ", id, " has no info (column family txinfo)"));
    HS_ASSIGN_OR_RETURN(const TransactionInfo info, DecodeTransactionInfo(bytes));
    return info.time;
  };
  uint64_t below = 0;  // the last id known to be before the time sought (0: none)
  for (const Instant t : times) {
    uint64_t above = below + 1;  // becomes the first id at or after t (last + 1: none)
    for (uint64_t step = 1; above <= last; step *= 2) {
      HS_ASSIGN_OR_RETURN(const Instant at, time_of(above));
      if (at >= t) break;
      below = above;
      above = std::min(above + step, last + 1);
    }
    while (above - below > 1) {
      const uint64_t mid = below + (above - below) / 2;
      HS_ASSIGN_OR_RETURN(const Instant at, time_of(mid));
      (at < t ? below : above) = mid;
    }
    Instant found = kPosInf;
    if (above <= last) {
      HS_ASSIGN_OR_RETURN(found, time_of(above));
    }
    if (found != t) {
      return absl::DataLossError(absl::StrCat("a row begins or ends at ", FormatInstant(t),
                                              ", when no transaction was committed"));
    }
    ids.push_back(above);
    below = above;
  }
  return ids;
}

// The earlier transactions whose log records may hold an operation on the
// key of `erasure`: those at which one of its rows begins or ends, and
// those its mentions name, which it adds to `mentions`.
absl::Status AddRecordsNaming(StoreReader* reader, const Erasure& erasure, std::vector<uint64_t>* ids,
                              std::vector<std::string>* mentions) {
  if (erasure.key != nullptr && erasure.key->stored) {
    HS_ASSIGN_OR_RETURN(std::vector<Instant> times, RowTimes(reader, *erasure.key));
    HS_ASSIGN_OR_RETURN(const std::vector<uint64_t> at, TransactionsAt(reader, std::move(times)));
    ids->insert(ids->end(), at.begin(), at.end());
  }
  return reader->Scan(kKeysCf, MentionPrefix(erasure.digest), [&](std::string_view key, std::string_view) {
    if (key.size() == kMentionKeyBytes) ids->push_back(MentionId(key));
    mentions->emplace_back(key);
    return true;
  });
}

}  // namespace

absl::Status ReadErasureState(StoreReader* reader, TransactionState* state) {
  const std::vector<Erasure> erasures = ErasuresOf(*state);
  absl::flat_hash_set<KeyIds> gone;
  for (const Erasure& e : erasures) {
    if (e.key != nullptr && e.key->stored) gone.insert(*e.key->ids);
  }
  for (const KeyIds& ids : gone) {
    for (const NameId id : {ids.subject, ids.predicate, ids.object}) {
      if (state->names_used_elsewhere.contains(id)) continue;
      HS_ASSIGN_OR_RETURN(const bool used, NameInUse(reader, id, gone));
      if (used) state->names_used_elsewhere.insert(id);
    }
  }
  std::vector<uint64_t> ids;
  for (const Erasure& e : erasures) HS_RETURN_IF_ERROR(AddRecordsNaming(reader, e, &ids, &state->mentions_of_erased));
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<FactKey> named;
  const ErasedKeys erased_keys = MatcherOf(erasures, &named);
  const auto erased_op = [&](std::string_view s, std::string_view p, std::string_view o, std::string_view digest) {
    return erased_keys.Names(s, p, o, digest);
  };
  for (const uint64_t id : ids) {
    const auto where = [id](absl::string_view message) {
      return absl::DataLossError(absl::StrCat(message, " (txlog key ", id, ")"));
    };
    std::string value;
    HS_ASSIGN_OR_RETURN(const bool found, reader->Get(kTxLogCf, TxKey(id), &value));
    if (!found) return where("a key's rows or mentions name a transaction the log does not have");
    const absl::StatusOr<bool> holds = TransactionHoldsOperation(value, erased_op);
    if (!holds.ok()) return where(holds.status().message());
    if (*holds) state->log_with_erased_keys.push_back({id, std::move(value)});
  }
  return absl::OkStatus();
}

}  // namespace hindsight::internal
