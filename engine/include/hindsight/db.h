// The Hindsight database: a bitemporal fact store (see docs/semantics.md).
//
// Thread-safety: every method may be called from many threads at once.
// Commits are serialized; each read sees one consistent snapshot, never part
// of a transaction. One process at a time may open a database directory.
// Commit from threads that live (a pool), not from a thread started for
// each commit: RocksDB draws the skip-list heights of what a thread writes
// into its memtable from a generator seeded by the thread's id, which glibc
// gives again to a thread started after another ended, so commits each from
// a new thread all get the same heights and the memtable degenerates into a
// list, each commit slower than the last until it is flushed
// (docs/embedding.md).
#ifndef HINDSIGHT_DB_H_
#define HINDSIGHT_DB_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hindsight/fact.h"
#include "hindsight/log_record.h"
#include "hindsight/options.h"
#include "hindsight/query.h"
#include "hindsight/transaction.h"

namespace hindsight {

// Receives rows in answer order. Returning false stops the read early
// (the read then returns OK). The row is the sink's: it may move from it.
using RowSink = std::function<bool(Row&)>;
using HistorySink = std::function<bool(HistoryRow&)>;

// What Database::Check read of a sound database.
struct CheckReport {
  uint64_t table_files = 0;    // table files whose checksums were verified
  uint64_t table_bytes = 0;    // their bytes
  uint64_t transactions = 0;   // log records
  uint64_t keys = 0;           // keys with a record
  uint64_t live_chunks = 0;    // chunks of long live timelines
  uint64_t older_rows = 0;     // chunks of older rows kept apart from their keys' records
  uint64_t live_segments = 0;  // their live segments, each found in the slice index
  uint64_t slice_buckets = 0;  // slice index buckets
};

// How far Database::Check has come: the step under way, and how many of
// the things it reads it has checked.
struct CheckProgress {
  std::string_view step;  // what the step checks: "each key's record and index entries"
  std::string_view unit;  // what it counts: "keys"
  uint64_t done = 0;      // of them, checked so far
  uint64_t expected = 0;  // about how many the step reads (RocksDB's estimate for some: off either way); 0 unknown
};

class Database {
 public:
  // Opens (or, with options.create_if_missing, creates) the database in
  // directory `path`. Errors: NotFound (missing, not created), AlreadyExists
  // (options.error_if_exists), FailedPrecondition (another process has it
  // open, it is not a Hindsight database, or one of a format this build
  // cannot read), DataLoss (damaged files), ResourceExhausted (the disk is
  // too full to open it to write; see read_only_if_in_use). A database of
  // the two previous formats is upgraded in place first, at the cost of
  // reading every key's timeline once (docs/storage.md).
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        const Options& options = {});

  virtual ~Database() = default;

  // Applies `txn` atomically: all of it or, on any error, nothing.
  // Errors: InvalidArgument naming the operation (1-based) and the reason
  // (bad name, from >= to, a supplied time that is infinite or not after the
  // previous transaction's, an empty transaction); ResourceExhausted when
  // the disk is full, for this commit and every later one until the disk
  // has room for RocksDB to flush a write buffer (docs/durability.md);
  // another I/O error otherwise.
  // Cost: one point read of the timeline record of each key the transaction
  // touches (and, for a key whose live timeline is kept in chunks, of the
  // chunks its operations reach: Options::live_chunk_segments), one atomic
  // write batch holding, per changed key, its new live timeline (or the
  // chunks it changed and its last segments) and the rows it closed (never
  // a rewrite of the key's history).
  // An erase also reads the key's whole history and rewrites the earlier
  // log records that name the key, found through the key's rows and the
  // mention index (docs/storage.md): its cost grows with the key's history,
  // not with the log.
  virtual absl::StatusOr<TransactionInfo> Commit(const Transaction& txn) = 0;

  // Hands CommitAll and BulkLoad their transactions one at a time: the
  // next (valid until the following call), nullptr at the end, or an error,
  // which stops the load as a rejected transaction does.
  using TransactionSource = std::function<absl::StatusOr<const Transaction*>()>;

  // When CommitAll and BulkLoad may call their source.
  enum class SourceCalls {
    // On the calling thread, each call once the transaction before it is
    // planned.
    kInTurn,
    // Also from a thread of the engine's, up to some thousands of
    // operations before planning reaches them, each transaction copied:
    // meanwhile the engine reads what they will read, on a core that
    // planning leaves free. For a source whose calls change nothing the
    // caller shares with the engine (a file's transactions). A load still
    // returns what stopped planning (a rejected transaction), not an error
    // the source gave further on.
    kAhead,
  };

  // The log record Commit(txn) would write if it were called now, without
  // writing anything: `txn` validated as Commit validates it, numbered as
  // the next transaction, at its time (the clock's when it has none), with
  // the operations an erase drops left out and erases naming keys by
  // digest. Committing the record's transaction next has exactly the effect
  // of committing `txn`, here or on any database with the same history (how
  // a cluster node writes, docs/cluster.md). Same errors as Commit.
  // Cost: Commit's reads; no write, but concurrent commits wait for it.
  absl::StatusOr<LogRecord> PrepareCommit(const Transaction& txn);

  // PrepareCommit for transactions to be committed one after another: each
  // is numbered and timed as if the ones before it that were accepted had
  // been committed (a rejected one gets its error and takes no number).
  // An erase by digest names a key committed before the call.
  virtual std::vector<absl::StatusOr<LogRecord>> PrepareCommits(const std::vector<const Transaction*>& txns) = 0;

  // Waits until transaction `id` is visible to this object's reads, or
  // `timeout` passes: DeadlineExceeded then. A read-only database sees only
  // what it has caught up to (CatchUp). With `cancel`, the wait also ends
  // (Cancelled) within 50 ms of `*cancel` turning true.
  virtual absl::Status AwaitTransaction(uint64_t id, absl::Duration timeout,
                                        const std::atomic<bool>* cancel = nullptr) const = 0;

  // Commits the transactions of `next` in order with exactly the effect of
  // committing them one by one, but writes them in groups: each group (see
  // Options::commit_group_bytes) is one atomic write, so a crash keeps a
  // prefix of whole transactions: a write batch and one sync, or, for a
  // group of over Options::commit_ingest_bytes of changes, sorted table
  // files ingested at once (as BulkLoad). Stops at the first
  // transaction Commit would reject, returning InvalidArgument
  // "transaction N: reason" (N counts from 1 in `next`), or at the source's
  // error, returned as is: the transactions before it are committed.
  // `*committed` says how many are on disk, on every outcome. Cost: one
  // point read per key a group touches for the first time; the memory of a
  // group's changes.
  virtual absl::Status CommitAll(const TransactionSource& next, SourceCalls calls, size_t* committed) = 0;
  absl::Status CommitAll(const TransactionSource& next, size_t* committed) {
    return CommitAll(next, SourceCalls::kInTurn, committed);
  }

  // CommitAll, but each group is written as sorted table files ingested at
  // once, groups of Options::bulk_load_memory_bytes: several times faster
  // for big loads, into a new database above all. The same result and
  // errors as CommitAll; a crash keeps a prefix of whole groups. Memory:
  // about Options::bulk_load_memory_bytes, whatever the size of the load.
  virtual absl::Status BulkLoad(const TransactionSource& next, SourceCalls calls, size_t* loaded) = 0;
  absl::Status BulkLoad(const TransactionSource& next, size_t* loaded) {
    return BulkLoad(next, SourceCalls::kInTurn, loaded);
  }

  // CommitAll and BulkLoad of transactions in memory.
  absl::Status CommitAll(const std::vector<Transaction>& txns, size_t* committed);
  absl::Status BulkLoad(const std::vector<Transaction>& txns, size_t* loaded);

  // Answers `query`, calling `sink` once per row in SEMANTICS order (subject,
  // predicate, object bytewise, then from). Errors: InvalidArgument for a
  // malformed query (during with from >= to, as of tx that does not exist),
  // DataLoss for a record that fails to decode.
  // Cost: an exact key is one point read of its timeline record (its live
  // timeline and closed rows together); a pattern is one range scan of the
  // key-ordered records, or of an index and then one batched read of the
  // records (docs/storage.md has the table); `* P *` at v (latest) reads a
  // time index of the predicate's live segments, in buffers the calling
  // thread keeps for its next such query (up to 16 MiB a thread).
  virtual absl::Status Scan(const Query& query, const RowSink& sink) const = 0;

  // Scan, collected.
  absl::StatusOr<std::vector<Row>> Query(const struct Query& query) const;

  // The bitemporal rows of every key matching `pattern`, ordered by subject,
  // predicate, object, tx.from, then valid.from.
  virtual absl::Status ScanHistory(const Pattern& pattern, const HistorySink& sink) const = 0;

  // ScanHistory, collected.
  absl::StatusOr<std::vector<HistoryRow>> History(const Pattern& pattern) const;

  // ScanHistory of only the keys that the transactions committed in
  // (`after`, `through`] changed: those with a row whose tx.from or tx.to
  // lies in it (what `changes` between the two reads). Cost: when those
  // transactions hold few operations for the keys stored (an eighth of
  // them, or 4,096), a read of their log records and of the named keys'
  // histories, whatever the database's size; otherwise ScanHistory's.
  virtual absl::Status ScanHistoryChanged(const Pattern& pattern, Instant after, Instant through,
                                          const HistorySink& sink) const = 0;

  // Calls `sink` for each committed transaction with id >= `first_id`, in id
  // order, with its operations as recorded: committing each, with its time
  // and source, into an empty database rebuilds this one. (An erase removes
  // the erased key's earlier operations from the log; the erase itself
  // stays, naming the key by digest only.) Reads one snapshot. DataLoss for
  // a damaged record.
  virtual absl::Status ScanLog(uint64_t first_id,
                               const std::function<bool(const TransactionInfo&, const Transaction&)>& sink) const = 0;

  // Calls `sink` with the summary of each committed transaction with id >=
  // `first_id`, in id order (one small record each, not the operations).
  virtual absl::Status ListTransactions(uint64_t first_id,
                                        const std::function<bool(const TransactionInfo&)>& sink) const = 0;

  // Flushes everything to table files and compacts every column family to
  // its bottom level, so that what was erased or overwritten before the call
  // leaves the files on disk too (but for what a read begun before the
  // erase still holds: its snapshot, as a server's open cursor). Reads and
  // commits go on meanwhile; what commits write while it runs stays in the
  // write buffers or newer files. Errors: FailedPrecondition for a
  // read-only database, I/O errors. Cost: rewrites the whole database (a
  // core and its size in reads and writes); for maintenance, not the hot
  // path.
  virtual absl::Status Compact() = 0;

  // Reads the whole database, at one snapshot, and checks that it is sound:
  // every table file against its block checksums; the log (transactions 1
  // to the last, in order, times increasing, each record with its
  // summary); every key's record (its live timeline, chunks and closed rows
  // decode; its names are in the dictionary) with its index entries (the
  // subject, object and predicate index entries, the subject and object
  // copies of its live timeline byte for byte, its digest), and no index
  // entry without a key; every older-rows chunk; the slice index, bucket by
  // bucket, against the keys' live segments; and that an erase would find
  // every operation of the log: at a time a row of its key begins or ends,
  // or in a mention (docs/storage.md) that names a record holding an
  // operation on its key. `progress`, if given, is called on the calling
  // thread as each of these steps starts (done 0), every 1,024 things it
  // reads, and as it ends (done: all it read). Returns what it read;
  // DataLoss naming the first inconsistency it meets (the column family, the
  // key's names or the transaction id, the table file). Cost: reads every
  // byte of the database once, plus a point read for each key's object,
  // predicate and digest entries; memory: a hash per slice bucket and one
  // per key and transaction of the log's operations. For
  // maintenance (hindsight check), not the hot path.
  virtual absl::StatusOr<CheckReport> Check(const std::function<void(const CheckProgress&)>& progress) const = 0;

  // Writes a consistent copy of the database into directory `dir`, which
  // must not exist: a RocksDB checkpoint (table files hard-linked where the
  // file system allows, copied otherwise) holding exactly the transactions
  // committed when it is taken. Opening `dir` gives that database; a
  // cluster node started on it replays only the later entries of the log
  // (docs/cluster.md). Returns the id of the copy's last transaction.
  // Errors: AlreadyExists, FailedPrecondition for a read-only database, I/O
  // errors. Cost: a flush of the write buffers; commits wait meanwhile.
  virtual absl::StatusOr<uint64_t> Checkpoint(const std::string& dir) = 0;

  // Up to `limit` of the names in use (subjects, predicates and objects
  // alike) that start with `prefix`, in bytewise order. For completion.
  virtual absl::StatusOr<std::vector<std::string>> NamesWithPrefix(const std::string& prefix,
                                                                   size_t limit) const = 0;

  // The committed transaction `id`; NotFound if there is none.
  virtual absl::StatusOr<TransactionInfo> GetTransaction(uint64_t id) const = 0;

  // The last committed transaction (id 0 and time -inf when there is none).
  virtual TransactionInfo LastTransaction() const = 0;

  // True when this object only reads the database (Options::read_only, or
  // read_only_if_in_use when another process held it or its disk was too
  // full to open it to write): reads see what was committed when this one
  // opened or last caught up; Commit, BulkLoad and Compact fail with
  // WriteRefusal().
  virtual bool read_only() const = 0;

  // Why writes fail here: OK when they do not (not read_only()),
  // FailedPrecondition when opened read-only or beside the process that
  // holds the database, ResourceExhausted when its disk was too full.
  virtual absl::Status WriteRefusal() const = 0;

  // For a read-only database: catches up with what the process holding it
  // has committed since. OK and nothing to do for one opened to write.
  // REQUIRES: no other call on this object runs meanwhile. Cost: reads the
  // writer's new log and manifest entries, then the name dictionary.
  virtual absl::Status CatchUp() = 0;
};

// Frees the scratch memory the calling thread keeps from one call to the
// next of any database: after a predicate slice, its working buffers (up to
// 16 MiB); after a commit, the first segment of its log record (up to 4
// MiB). For a thread about to wait a long time, a pool's thread say; its
// next such call allocates them again. Cost: freeing them.
void ReleaseThreadMemory();

}  // namespace hindsight

#endif  // HINDSIGHT_DB_H_
