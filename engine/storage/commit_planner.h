// The one place that decides what a transaction writes. Every writer uses
// it: Commit, CommitAll and BulkLoad (db.h), so that the three leave the
// same bytes. In three steps, as LevelDB builds a WriteBatch apart from
// applying it:
//   1. ReadTransactionState (I/O): the stored state the transaction touches,
//      through a StoreReader;
//   2. PlanCommit (pure): from that state and the transaction, every change;
//   3. WritePlan: the changes, into the pending writes of a group, which
//      write them as one RocksDB write batch (BatchSink) or as table files.
#ifndef HINDSIGHT_STORAGE_COMMIT_PLANNER_H_
#define HINDSIGHT_STORAGE_COMMIT_PLANNER_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "hindsight/transaction.h"
#include "keys/key_codec.h"
#include "storage/live_chunks.h"
#include "storage/name_dictionary.h"
#include "storage/pending_writes.h"
#include "storage/records.h"
#include "storage/slice_index.h"
#include "storage/store_reader.h"

namespace hindsight::internal {

// One key a transaction touches, as stored before it.
struct StoredKey {
  FactKey key;
  std::optional<KeyIds> ids;  // set when its three names have ids
  bool stored = false;        // it has a timeline record
  // The live segments the transaction may change: those of `window`, all
  // of them unless the key keeps its live timeline in chunks (live_chunks.h).
  std::vector<StoredSegment> live;
  std::vector<Instant> chunk_starts;       // of its live chunks
  LiveWindow window;                       // which pieces `live` holds
  std::vector<StoredSegment> record_live;  // the record's own segments, when the window leaves them out
  std::string closed;                 // the record's closed rows, encoded
  Instant spilled_through = kNegInf;  // the largest txTo of its rows in `history`
};

// Everything PlanCommit needs to know of the stored state.
struct TransactionState {
  const std::vector<Operation>* ops = nullptr;  // the transaction's
  std::vector<StoredKey> keys;  // each key the operations touch, in first-seen order
  // Per operation: its key's index in `keys`, or kNoKey (an erase by
  // digest that names no stored key). An erase by digest has the key it names.
  std::vector<size_t> key_of;
  static constexpr size_t kNoKey = ~size_t{0};
  // When the transaction erases keys: the names of erased stored keys that
  // some key not erased here uses too, the earlier log records that hold
  // operations on an erased key, and the erased keys' mention index entries
  // (key_codec.h), which the erase deletes.
  absl::flat_hash_set<NameId> names_used_elsewhere;
  struct LoggedTransaction {
    uint64_t id;
    std::string record;  // encoded, as stored
  };
  std::vector<LoggedTransaction> log_with_erased_keys;
  std::vector<std::string> mentions_of_erased;
};

// Reads the state `ops` touch; the result refers to `ops`. Cost: one Get of the timeline record of each
// key with ids, and of each live chunk the operations reach (an erase: all
// of the key's); an erase by digest adds a Get in the digest index; an
// erase adds a scan of the erased key's rows in `history` and of its
// mentions, a search of the log's infos for the transaction of each time
// its rows begin or end (a Get each, galloping), a Get of each record those
// name and, per name of an erased key, index scans that stop at the first
// other key using it: it grows with the key's history, not the log's.
absl::StatusOr<TransactionState> ReadTransactionState(StoreReader* reader, const NameDictionary& names,
                                                      const std::vector<Operation>& ops);

// Everything a committed transaction changes.
struct CommitPlan {
  // One key's changes.
  struct KeyWrite {
    KeyIds ids;
    bool erase = false;           // delete its stored records first
    bool erase_history = false;   // ... and its rows in `history`
    bool first_row = false;       // it is stored from now on (the predicate and digest index entries)
    std::string digest;           // KeyDigest, when erase or first_row
    bool has_rows = false;        // what follows applies
    std::string live;             // the new live timeline (with spilled_through and chunk starts)
    std::vector<std::pair<std::string, std::string>> chunks_written;  // live chunks: key, value
    std::vector<std::string> chunks_removed;                          // keys of live chunks
    std::string closed_now;       // the rows this transaction closes
    bool restart_record = false;  // the record becomes live + closed_now (else both merge into it)
    std::optional<std::pair<std::string, std::string>> spill;  // `history` key and value
  };
  TransactionInfo info;
  std::string log_record;  // encoded
  // Keys of the mention index (key_codec.h): of the keys the log record
  // names that no row of theirs shows at this transaction, and of the
  // erased keys, deleted.
  std::vector<std::string> mentions_added;
  std::vector<std::string> mentions_removed;
  std::vector<KeyWrite> keys;
  SliceIndexEdits slices;
  std::vector<std::pair<std::string, NameId>> new_names;  // ids in increasing order from the next free one
  std::vector<std::pair<std::string, NameId>> names_removed;  // no key uses them after this transaction
  std::vector<TransactionRewrite> rewritten_log;  // earlier records, without the erased keys' operations
  MetaRecord meta;
};

// How much a key's timeline record holds (Options).
struct RecordLimits {
  size_t closed_bytes = 16 << 10;  // of closed rows, past which they move to `history`
  size_t live_chunk_segments = 128;  // live segments a chunk holds (live_chunks.h)
};

// Plans transaction `id` at `time` from `state`, read for `txn` (same
// operations). New names get ids from `names.size()` on. Closed rows move
// to `history` in chunks once a record holds over `limits.closed_bytes`;
// a long live timeline is kept in chunks. DataLoss if a stored record does
// not decode.
absl::StatusOr<CommitPlan> PlanCommit(const TransactionState& state, const Transaction& txn, uint64_t id, Instant time,
                                      const NameDictionary& names, const RecordLimits& limits);

// Puts the changes of `plan` into `pending`, and notes in `catalog` the
// slice buckets it adds to, as a write must before its changes become
// visible. Moves the slice changes out of `plan` (the rest of it stays).
void WritePlan(CommitPlan* plan, PendingWrites* pending, SliceCatalog* catalog);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_COMMIT_PLANNER_H_
