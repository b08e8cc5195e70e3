#include "storage/commit_planner.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "storage/column_families.h"
#include "storage/erasure_reads.h"
#include "storage/key_change.h"
#include "util/status_macros.h"

namespace hindsight::internal {
namespace {

using KeyView = std::tuple<std::string_view, std::string_view, std::string_view>;

KeyView ViewOf(const FactKey& k) { return {k.subject, k.predicate, k.object}; }

// The key each erase by digest names (empty names: none has it): a stored
// key, from the digest index, or else a key another of `ops` names, as a
// transaction that erased a key by its names and then wrote it again is
// logged (a SHA-256 of each name the transaction holds, only then).
absl::StatusOr<absl::flat_hash_map<std::string, FactKey>> ResolveDigests(StoreReader* reader,
                                                                        const NameDictionary& names,
                                                                        const std::vector<Operation>& ops) {
  absl::flat_hash_map<std::string, FactKey> keys;
  std::optional<absl::flat_hash_map<std::string, const FactKey*>> named;  // the digests of ops' names
  for (const Operation& op : ops) {
    if (op.key_digest.empty() || keys.contains(op.key_digest)) continue;
    FactKey& key = keys[op.key_digest];
    std::string ids;
    HS_ASSIGN_OR_RETURN(const bool found, reader->Get(kKeysCf, DigestIndexKey(op.key_digest), &ids));
    if (found) {
      if (ids.size() != kKeyIdsBytes) {
        return absl::DataLossError(absl::StrCat("damaged digest index entry of ", ids.size(), " bytes"));
      }
      key = names.KeyOf(DecodeLiveKey(ids));
      continue;
    }
    if (!named) {
      named.emplace();
      for (const Operation& other : ops) {
        if (other.key_digest.empty()) named->try_emplace(KeyDigest(other.key), &other.key);
      }
    }
    if (const auto it = named->find(op.key_digest); it != named->end()) key = *it->second;
  }
  return keys;
}

// The valid times a key's operations reach, as ChooseLiveWindow takes
// them; `whole` when one erases the key.
struct Reach {
  Instant lo = kPosInf;
  Instant hi = kNegInf;
  bool whole = false;

  void Add(const Operation& op) {
    if (op.kind == Operation::Kind::kErase) {
      whole = true;
      return;
    }
    lo = std::min(lo, op.valid.from == kNegInf ? kNegInf : op.valid.from - 1);
    hi = std::max(hi, op.valid.to);
  }
};

// Reads the timeline record of key `k`, if its ids are set and it has one,
// and the live chunks `reach` needs.
absl::Status ReadStoredKey(StoreReader* reader, const Reach& reach, StoredKey* k) {
  if (!k->ids) return absl::OkStatus();
  std::string record;
  HS_ASSIGN_OR_RETURN(const bool found, reader->Get(kTimelinesCf, LiveKey(*k->ids), &record));
  if (!found) return absl::OkStatus();
  HS_ASSIGN_OR_RETURN(std::vector<StoredSegment> own,
                      DecodeLiveTimeline(record, &k->spilled_through, &k->chunk_starts));
  HS_ASSIGN_OR_RETURN(const size_t live_bytes, FirstMessageBytes(record));
  record.erase(0, live_bytes);
  k->closed = std::move(record);
  k->stored = true;
  if (k->chunk_starts.empty()) {
    k->live = std::move(own);
    return absl::OkStatus();
  }
  std::optional<Instant> own_first;
  if (!own.empty()) own_first = own.front().segment.valid.from;
  k->window = reach.whole ? WholeLiveWindow(k->chunk_starts)
                          : ChooseLiveWindow(k->chunk_starts, own_first, reach.lo, reach.hi);
  for (size_t c = k->window.first; c < k->window.end; ++c) {
    std::string chunk;
    const std::string chunk_key = LiveChunkKey(*k->ids, k->chunk_starts[c]);
    HS_ASSIGN_OR_RETURN(const bool chunk_found, reader->Get(kTimelinesCf, chunk_key, &chunk));
    if (!chunk_found) {
      return absl::DataLossError(absl::StrCat("the live chunk from ", FormatInstant(k->chunk_starts[c]),
                                              " of the timeline record of (", k->key.subject, ", ",
                                              k->key.predicate, ", ", k->key.object, ") is missing"));
    }
    HS_ASSIGN_OR_RETURN(std::vector<StoredSegment> segments, DecodeLiveTimeline(chunk));
    k->live.insert(k->live.end(), std::make_move_iterator(segments.begin()), std::make_move_iterator(segments.end()));
  }
  if (k->window.with_record) {
    k->live.insert(k->live.end(), std::make_move_iterator(own.begin()), std::make_move_iterator(own.end()));
  } else {
    k->record_live = std::move(own);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TransactionState> ReadTransactionState(StoreReader* reader, const NameDictionary& names,
                                                      const std::vector<Operation>& ops) {
  TransactionState state;
  state.ops = &ops;
  HS_ASSIGN_OR_RETURN(const auto digests, ResolveDigests(reader, names, ops));
  absl::flat_hash_map<KeyView, size_t> index;
  state.key_of.assign(ops.size(), TransactionState::kNoKey);
  bool erases = false;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Operation& op = ops[i];
    erases = erases || op.kind == Operation::Kind::kErase;
    const FactKey& key = op.key_digest.empty() ? op.key : digests.at(op.key_digest);
    if (key.subject.empty()) continue;  // an erase by digest of no stored key
    const auto [it, added] = index.try_emplace(ViewOf(key), state.keys.size());
    if (added) state.keys.emplace_back().key = key;
    state.key_of[i] = it->second;
  }
  for (StoredKey& k : state.keys) k.ids = names.FindKey(k.key);
  std::vector<Reach> reach(state.keys.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    if (state.key_of[i] != TransactionState::kNoKey) reach[state.key_of[i]].Add(ops[i]);
  }
  // Each record is read while those of the next keys are fetched.
  constexpr size_t kPrefetchAhead = 4;
  for (size_t i = 0; i < state.keys.size(); ++i) {
    if (i + kPrefetchAhead < state.keys.size()) {
      if (const std::optional<KeyIds>& ids = state.keys[i + kPrefetchAhead].ids) {
        reader->Prefetch(kTimelinesCf, LiveKey(*ids));
      }
    }
    HS_RETURN_IF_ERROR(ReadStoredKey(reader, reach[i], &state.keys[i]));
  }
  if (erases) HS_RETURN_IF_ERROR(ReadErasureState(reader, &state));
  return state;
}

namespace {

// The least txFrom of the key's rows alive at `t`, a txTo of its closed
// rows: every row closed by then has txTo <= t, so they are the live
// segments begun by t. kNegInf when some live segments are in chunks this
// transaction did not read.
Instant AliveFrom(const StoredKey& key, Instant t) {
  if (!key.chunk_starts.empty()) return kNegInf;
  Instant least = kPosInf;
  for (const StoredSegment& s : key.live) {
    if (s.tx_from <= t) least = std::min(least, s.tx_from);
  }
  return least;
}

// Plans one transaction; Run is PlanCommit.
class Planner {
 public:
  Planner(const TransactionState& state, const Transaction& txn, Instant time, const NameDictionary& names,
          const RecordLimits& limits)
      : state_(state), txn_(txn), time_(time), names_(names), limits_(limits), dropped_(state.ops->size()) {}

  absl::StatusOr<CommitPlan> Run(uint64_t id) {
    std::vector<std::vector<size_t>> ops_of_key(state_.keys.size());
    absl::flat_hash_map<std::string_view, size_t> last_erase_of_digest;  // of erasures by a digest no key has
    for (size_t i = 0; i < state_.ops->size(); ++i) {
      if (state_.key_of[i] != TransactionState::kNoKey) {
        ops_of_key[state_.key_of[i]].push_back(i);
        continue;
      }
      // The record names the key all the same, by its last erase only.
      const auto [it, first] = last_erase_of_digest.try_emplace((*state_.ops)[i].key_digest, i);
      if (!first) dropped_[std::exchange(it->second, i)] = true;
      AddMention((*state_.ops)[i].key_digest, id);
    }
    for (size_t k = 0; k < state_.keys.size(); ++k) HS_RETURN_IF_ERROR(PlanKey(state_.keys[k], ops_of_key[k], id));
    PlanNamesRemoved();
    HS_RETURN_IF_ERROR(PlanLog(id));
    return std::move(plan_);
  }

 private:
  // The key's changes: an erase (of everything before its last erase in
  // this transaction), then the operations after it.
  absl::Status PlanKey(const StoredKey& key, const std::vector<size_t>& ops, uint64_t id) {
    size_t first_live_op = 0;  // position in `ops` after its last erase
    for (size_t g = 0; g < ops.size(); ++g) {
      if ((*state_.ops)[ops[g]].kind == Operation::Kind::kErase) first_live_op = g + 1;
    }
    for (size_t g = 0; g + 1 < first_live_op; ++g) dropped_[ops[g]] = true;
    CommitPlan::KeyWrite write;
    StoredKey erased;  // the key as an erase leaves it: not stored
    const StoredKey* current = &key;
    if (first_live_op > 0) {
      PlanErase(key, &write);
      erased.key = key.key;
      erased.ids = key.ids;
      current = &erased;
    }
    std::vector<const Operation*> live_ops;
    for (size_t g = first_live_op; g < ops.size(); ++g) live_ops.push_back(&(*state_.ops)[ops[g]]);
    KeyChange change = ApplyOperations(current->live, live_ops, time_);
    if (current->stored) NoteKept(*current->ids);
    // The record keeps an operation on the key (its last erase, or all of
    // them): the rows show it when they change, a mention otherwise.
    if (change.changed()) {
      HS_RETURN_IF_ERROR(PlanRows(*current, std::move(change), &write));
    } else {
      AddMention(KeyDigest(key.key), id);
    }
    if (write.erase || write.has_rows) plan_.keys.push_back(std::move(write));
    return absl::OkStatus();
  }

  void AddMention(std::string_view digest, uint64_t id) {
    std::string mention = MentionKey(digest, id);
    auto& added = plan_.mentions_added;
    if (std::find(added.begin(), added.end(), mention) == added.end()) added.push_back(std::move(mention));
  }

  void PlanErase(const StoredKey& key, CommitPlan::KeyWrite* write) {
    if (!key.stored) return;
    write->ids = *key.ids;
    write->erase = true;
    write->erase_history = key.spilled_through != kNegInf;
    write->digest = KeyDigest(key.key);
    for (const StoredSegment& seg : key.live) RemoveFromSliceIndex(*key.ids, seg.segment.valid, &plan_.slices);
    for (const Instant start : key.chunk_starts) write->chunks_removed.push_back(LiveChunkKey(*key.ids, start));
    name_candidates_.insert(name_candidates_.end(), {key.ids->subject, key.ids->predicate, key.ids->object});
  }

  // The key's new live timeline and the rows this transaction closes.
  absl::Status PlanRows(const StoredKey& key, KeyChange change, CommitPlan::KeyWrite* write) {
    KeyIds ids;
    if (key.stored) {
      ids = *key.ids;
    } else {  // a key gets its records (and index entries) when it first has a row
      ids = KeyIds{Intern(key.key.subject), Intern(key.key.predicate), Intern(key.key.object)};
      write->first_row = true;
      write->digest = KeyDigest(key.key);
      NoteKept(ids);
    }
    write->ids = ids;
    write->has_rows = true;
    if (!change.removed.empty()) {
      std::vector<ClosedRecord> closed;
      closed.reserve(change.removed.size());
      for (const StoredSegment& s : change.removed) {
        closed.push_back({s.segment, {s.tx_from, time_}});
        RemoveFromSliceIndex(ids, s.segment.valid, &plan_.slices);
      }
      write->closed_now = EncodeClosedRows(closed);
    }
    for (const Segment& s : change.added) AddToSliceIndex(ids, s, &plan_.slices);
    Instant spilled_through = key.spilled_through;
    write->restart_record = !write->closed_now.empty() && !key.closed.empty() &&
                            key.closed.size() + write->closed_now.size() > limits_.closed_bytes;
    if (write->restart_record) {
      // The record's closed rows move to `history` as one chunk, keyed by
      // their largest txTo (amortized: once per limits_.closed_bytes).
      HS_ASSIGN_OR_RETURN(const std::vector<ClosedRecord> moving, DecodeClosedRows(key.closed, {}));
      for (const ClosedRecord& r : moving) spilled_through = std::max(spilled_through, r.tx.to);
      write->spill.emplace(HistoryKey(ids, spilled_through, AliveFrom(key, spilled_through)), key.closed);
    }
    LiveLayout layout = LayOutLiveWindow(key.chunk_starts, key.window, std::move(change.live), key.record_live,
                                         limits_.live_chunk_segments);
    for (const auto& [start, segments] : layout.chunks_written) {
      write->chunks_written.emplace_back(LiveChunkKey(ids, start), EncodeLiveTimeline(segments));
    }
    for (const Instant start : layout.chunks_removed) write->chunks_removed.push_back(LiveChunkKey(ids, start));
    write->live = EncodeLiveTimeline(layout.record_segments, spilled_through, layout.chunk_starts);
    return absl::OkStatus();
  }

  // The id of `name`: its own, or the next free one.
  NameId Intern(const std::string& name) {
    if (const std::optional<NameId> id = names_.Find(name)) return *id;
    const auto [it, added] = new_ids_.try_emplace(name, static_cast<NameId>(names_.size() + new_ids_.size()));
    if (added) plan_.new_names.emplace_back(name, it->second);
    return it->second;
  }

  void NoteKept(const KeyIds& ids) { names_kept_.insert({ids.subject, ids.predicate, ids.object}); }

  // Names of erased keys that no key uses any more leave the dictionary.
  void PlanNamesRemoved() {
    for (const NameId id : name_candidates_) {
      if (names_kept_.contains(id) || state_.names_used_elsewhere.contains(id)) continue;
      const auto already = [id](const auto& removed) { return removed.second == id; };
      if (std::any_of(plan_.names_removed.begin(), plan_.names_removed.end(), already)) continue;
      plan_.names_removed.emplace_back(names_.Name(id), id);
    }
  }

  // The transaction's record keeps every operation except those an erase in
  // it made moot; earlier records lose the erased keys' operations.
  absl::Status PlanLog(uint64_t id) {
    const TransactionRecord record = RecordToLog(id, time_, txn_, dropped_);
    plan_.info = {record.id, time_, txn_.source(), record.operations.size()};
    plan_.log_record = EncodeTransaction(record);
    plan_.mentions_removed = state_.mentions_of_erased;
    std::vector<FactKey> named;
    const ErasedKeys erased = MatcherOf(ErasuresOf(state_), &named);
    for (const TransactionState::LoggedTransaction& earlier : state_.log_with_erased_keys) {
      absl::StatusOr<TransactionRewrite> rewrite = RewriteTransactionWithout(
          earlier.record, [&](std::string_view s, std::string_view p, std::string_view o, std::string_view digest) {
            return erased.Names(s, p, o, digest);
          });
      if (!rewrite.ok()) {
        return absl::DataLossError(absl::StrCat(rewrite.status().message(), " (txlog key ", earlier.id, ")"));
      }
      plan_.rewritten_log.push_back(*std::move(rewrite));
    }
    plan_.meta = {kFormatVersion, id, time_, static_cast<uint32_t>(names_.size() + new_ids_.size())};
    return absl::OkStatus();
  }

  const TransactionState& state_;
  const Transaction& txn_;
  const Instant time_;
  const NameDictionary& names_;
  const RecordLimits limits_;
  CommitPlan plan_;
  std::vector<bool> dropped_;  // operations made moot by a later erase of their key
  absl::flat_hash_map<std::string, NameId> new_ids_;
  absl::flat_hash_set<NameId> names_kept_;  // names of keys stored after this transaction
  std::vector<NameId> name_candidates_;     // names of erased keys, perhaps unused now
};

}  // namespace

absl::StatusOr<CommitPlan> PlanCommit(const TransactionState& state, const Transaction& txn, uint64_t id, Instant time,
                                      const NameDictionary& names, const RecordLimits& limits) {
  return Planner(state, txn, time, names, limits).Run(id);
}

namespace {

void WriteKey(const CommitPlan::KeyWrite& key, PendingWrites* sink) {
  const std::string live_key = LiveKey(key.ids);
  if (key.erase) {
    sink->Delete(kTimelinesCf, live_key);
    if (key.erase_history) sink->DeleteRange(kHistoryCf, live_key, PrefixSuccessor(live_key));
    sink->Delete(kKeysCf, ObjectIndexKey(key.ids));
    sink->Delete(kKeysCf, PredicateIndexKey(key.ids));
    sink->Delete(kKeysCf, SubjectIndexKey(key.ids));
    sink->Delete(kKeysCf, DigestIndexKey(key.digest));
  }
  for (const std::string& chunk : key.chunks_removed) sink->Delete(kTimelinesCf, chunk);
  if (!key.has_rows) return;
  for (const auto& [chunk, segments] : key.chunks_written) sink->Put(kTimelinesCf, chunk, segments);
  if (key.first_row) {
    sink->Put(kKeysCf, PredicateIndexKey(key.ids), "");
    sink->Put(kKeysCf, DigestIndexKey(key.digest), live_key);
  }
  if (key.spill) sink->Put(kHistoryCf, key.spill->first, key.spill->second);
  if (key.restart_record) {
    sink->Put(kTimelinesCf, live_key, key.live + key.closed_now);
  } else {
    // Merged into the key's record (timeline_merge.h).
    sink->Merge(kTimelinesCf, live_key, key.live + key.closed_now);
  }
  // The object and subject indexes keep a copy of the live timeline.
  if (key.first_row) {
    sink->Put(kKeysCf, ObjectIndexKey(key.ids), key.live);
    sink->Put(kKeysCf, SubjectIndexKey(key.ids), key.live);
  } else {
    sink->RefreshIndexCopies(key.ids, key.live);
  }
}

}  // namespace

void WritePlan(CommitPlan* plan_to_write, PendingWrites* sink, SliceCatalog* catalog) {
  const CommitPlan& plan = *plan_to_write;
  for (const CommitPlan::KeyWrite& key : plan.keys) WriteKey(key, sink);
  NoteSliceChanges(plan.slices, catalog);
  sink->ChangeSliceBuckets(std::move(plan_to_write->slices));
  for (const auto& [name, id] : plan.names_removed) sink->Delete(kNamesCf, name);
  for (const TransactionRewrite& rewrite : plan.rewritten_log) {
    const std::string key = TxKey(rewrite.info.id);
    sink->Put(kTxLogCf, key, rewrite.record);
    sink->Put(kTxInfoCf, key, EncodeTransactionInfo(rewrite.info));
  }
  for (const std::string& mention : plan.mentions_removed) sink->Delete(kKeysCf, mention);
  for (const std::string& mention : plan.mentions_added) sink->Put(kKeysCf, mention, "");
  const std::string key = TxKey(plan.info.id);
  sink->Put(kTxLogCf, key, plan.log_record);
  sink->Put(kTxInfoCf, key, EncodeTransactionInfo(plan.info));
  for (const auto& [name, id] : plan.new_names) {
    std::string id_bytes;
    AppendNameId(&id_bytes, id);
    sink->Put(kNamesCf, name, id_bytes);
  }
  sink->Put(kMetaCf, kMetaKey, EncodeMeta(plan.meta));
}

}  // namespace hindsight::internal
