// The RocksDB-backed Database. Layout (docs/storage.md):
//   default  "meta"                         -> Meta
//   names    name bytes                     -> NameId (4 bytes, big-endian)
//   timelines s p o ids                     -> LiveTimeline (latest TL, with txFrom), then
//                                              ClosedRows... (rows no longer latest), by merge
//   history  s p o ids, max txTo            -> ClosedRows... (older rows of long histories)
//   keys     'O' o s p | 'P' p o s          -> "" (patterns without a subject)
//   txlog    tx id                          -> Transaction (self-contained, replayable)
//   txinfo   tx id                          -> TransactionInfo
#ifndef HINDSIGHT_STORAGE_DB_IMPL_H_
#define HINDSIGHT_STORAGE_DB_IMPL_H_

#include <array>
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/db.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "hindsight/db.h"
#include "keys/key_codec.h"
#include "storage/commit_planner.h"
#include "storage/name_dictionary.h"
#include "storage/pending_writes.h"
#include "storage/records.h"
#include "storage/slice_index.h"
#include "util/group_queue.h"

namespace hindsight::internal {

class DbImpl final : public Database {
 public:
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path, const Options& options);
  ~DbImpl() override;

  absl::StatusOr<TransactionInfo> Commit(const Transaction& txn) override;
  std::vector<absl::StatusOr<LogRecord>> PrepareCommits(const std::vector<const Transaction*>& txns) override;
  absl::Status AwaitTransaction(uint64_t id, absl::Duration timeout,
                                const std::atomic<bool>* cancel = nullptr) const override;
  using Database::BulkLoad;
  using Database::CommitAll;
  absl::Status CommitAll(const TransactionSource& next, SourceCalls calls, size_t* committed) override;
  absl::Status BulkLoad(const TransactionSource& next, SourceCalls calls, size_t* loaded) override;
  absl::Status Scan(const struct Query& query, const RowSink& sink) const override;
  absl::Status ScanHistory(const Pattern& pattern, const HistorySink& sink) const override;
  absl::Status ScanHistoryChanged(const Pattern& pattern, Instant after, Instant through,
                                  const HistorySink& sink) const override;
  absl::Status ScanLog(uint64_t first_id,
                       const std::function<bool(const TransactionInfo&, const Transaction&)>& sink) const override;
  absl::Status ListTransactions(uint64_t first_id,
                                const std::function<bool(const TransactionInfo&)>& sink) const override;
  absl::Status Compact() override;
  absl::StatusOr<CheckReport> Check(const std::function<void(const CheckProgress&)>& progress) const override;
  absl::StatusOr<uint64_t> Checkpoint(const std::string& dir) override;
  absl::StatusOr<std::vector<std::string>> NamesWithPrefix(const std::string& prefix, size_t limit) const override;
  absl::StatusOr<TransactionInfo> GetTransaction(uint64_t id) const override;
  TransactionInfo LastTransaction() const override;
  bool read_only() const override { return !write_refusal_.ok(); }
  absl::Status WriteRefusal() const override { return write_refusal_; }
  absl::Status CatchUp() override;

 private:
  // A consistent point to read at: a RocksDB snapshot and the last
  // transaction it contains. Releases the snapshot when destroyed.
  class ReadView {
   public:
    // The published snapshot (DbImpl::Publish). A read-only (secondary)
    // instance changes only at CatchUp, which no read runs beside: it reads
    // without a snapshot.
    ReadView(std::shared_ptr<const rocksdb::Snapshot> snapshot, TransactionInfo last)
        : snapshot_(std::move(snapshot)), last_(std::move(last)) {}
    ReadView(const ReadView&) = delete;
    ReadView& operator=(const ReadView&) = delete;

    rocksdb::ReadOptions Options() const {
      rocksdb::ReadOptions ro;
      ro.snapshot = snapshot_.get();
      return ro;
    }
    const rocksdb::Snapshot* snapshot() const { return snapshot_.get(); }
    const TransactionInfo& last() const { return last_; }

   private:
    std::shared_ptr<const rocksdb::Snapshot> snapshot_;
    TransactionInfo last_;
  };
  // A key that matched a pattern, with its names resolved.
  struct MatchedKey {
    KeyIds ids;
    const std::string* subject;
    const std::string* predicate;
    const std::string* object;
    bool record_read = false;  // `record` holds the key's timeline record ("" = none)
    std::string record;
  };

  DbImpl() = default;
  std::unique_ptr<ReadView> AcquireView() const;
  absl::Status Initialize(const std::string& path, const Options& options);
  // Opens the existing database at `path` to write, or as a secondary
  // instance (in a temporary directory of its own) beside its writer or on
  // a disk too full to open it to write, setting write_refusal_.
  absl::Status OpenRocks(const std::string& path, const Options& options);
  // Compacts each column family whose table files are many and small (at
  // least 64, of 256 KiB or less on average), as a database opened to
  // write starts. A
  // database opened, written a little and closed, again and again (an
  // import of each day's file, a shell session), gets a table file per
  // session in each family it wrote: the open flushes what the session
  // before left in the write-ahead log, and RocksDB moves files whose keys
  // overlap no other's down to the last level as they are, never merging
  // them. Every later open and scan would pay for all of them. Cost: a
  // rewrite of those families, at most 256 KiB a file, once per 64 such
  // sessions; nothing when no family qualifies. A failed compaction (a
  // full disk) leaves the files as they are.
  void MergeSmallTableFiles();
  // Reads the meta record and the names, upgrading a database of an
  // earlier format (telling `upgrade_notes` first, if set).
  absl::Status LoadState(const std::function<void(std::string_view)>& upgrade_notes = nullptr);
  // Brings a database of an earlier format (kOldestUpgradableFormat on) to
  // this one, a step at a time, each step one atomic write with the format
  // it reaches, updating `meta` (format_upgrade.cc): formats 2 and 3 differ
  // from 4 only in the slice index, which is rebuilt from the keys' live
  // timelines; format 4 lacks the digest index, which is built from the
  // keys; format 5's slice index is not split into chunks, which matters
  // only once name ids reach 2^16 (then it is rebuilt); format 7 lacks the
  // mention index, built from the log (a Get of the key's record for each
  // operation). Each earlier step reads every key's timeline key; needs the
  // names loaded.
  absl::Status Upgrade(MetaRecord* meta);
  // Rebuilds the slice index and writes `format_version`.
  absl::Status RebuildSliceIndex(unsigned format_version, MetaRecord* meta);
  absl::Status BuildDigestIndex(MetaRecord* meta);
  // Brings the slice index to format 6; `rebuilt`: RebuildSliceIndex ran in
  // this open, and filed the buckets in chunks already.
  absl::Status ChunkSliceIndex(bool rebuilt, MetaRecord* meta);
  // Format 8's mention index, from the log.
  absl::Status BuildMentions(MetaRecord* meta);
  // Whether the timeline record of the key `op` names has a row (live, or
  // closed in the record) that begins or ends at transaction time `t`.
  absl::StatusOr<bool> RecordShows(const Operation& op, Instant t) const;
  // Writes `batch` and `meta` at `format_version` as one synced write.
  absl::Status WriteUpgradeStep(rocksdb::WriteBatch* batch, unsigned format_version, MetaRecord* meta);

  // Reads.
  // With `live_only`, a record read along the way keeps only its live part.
  absl::StatusOr<std::vector<MatchedKey>> MatchingKeys(const Pattern& pattern, bool live_only,
                                                       const ReadView& view) const;
  // The keys of a pattern not naming all three names, and their records
  // where the range holds them (`live_only`: their live parts).
  struct KeyRange;
  absl::Status ScanKeys(const KeyRange& range, bool live_only, const ReadView& view, std::vector<KeyIds>* ids,
                        std::vector<std::string>* records) const;
  // The records of keys `ids` ("" = none), in one batched read.
  absl::Status ReadRecords(const std::vector<KeyIds>& ids, bool live_only, const ReadView& view,
                           std::vector<std::string>* records) const;
  // Keys `ids` with their names (and `records`, when not empty), in the
  // order of their names; DataLoss for an id without a name.
  absl::StatusOr<std::vector<MatchedKey>> Named(const std::vector<KeyIds>& ids,
                                                std::vector<std::string> records) const;
  // The key's timeline record ("" = none): from the match, or with one
  // point read pinned in `holder`.
  absl::StatusOr<std::string_view> RecordOf(const MatchedKey& key, const ReadView& view,
                                            rocksdb::PinnableSlice* holder) const;
  // The live timeline of key `ids` from its record and, if it keeps it in
  // chunks, theirs, read with `options` (and the largest txTo of its rows in
  // `history`, if asked); DataLoss names the key. Of the chunks, only
  // those that may hold segments overlapping `within` are read.
  absl::StatusOr<std::vector<StoredSegment>> LivePart(const KeyIds& ids, std::string_view record,
                                                      const rocksdb::ReadOptions& options,
                                                      Instant* spilled_through = nullptr,
                                                      Interval within = {kNegInf, kPosInf}) const;
  // The live segment of key `ids` containing `v`, from its record or the
  // one chunk that may hold it (and `spilled_through`, as LivePart).
  absl::StatusOr<std::optional<StoredSegment>> LiveSegmentAt(const KeyIds& ids, std::string_view record, Instant v,
                                                             const ReadView& view,
                                                             Instant* spilled_through = nullptr) const;
  // The encoded live chunk of key `ids` that starts at `start`; DataLoss if
  // there is none.
  absl::StatusOr<std::string> ReadLiveChunk(const KeyIds& ids, Instant start,
                                            const rocksdb::ReadOptions& options) const;
  // The closed rows of key `ids` that `filter` keeps: the record's, and
  // those in `history` when they can matter.
  absl::StatusOr<std::vector<ClosedRecord>> ClosedRows(const KeyIds& ids, std::string_view record,
                                                       Instant spilled_through, const ClosedRowFilter& filter,
                                                       const ReadView& view) const;
  // Check's steps (storage/check.cc), each reading with `options` but the
  // first, and counting what it reads on `meter`; DataLoss naming the
  // first inconsistency.
  struct SliceDigests;      // what each slice bucket must hold
  struct LoggedOperations;  // the log's operations not yet found where an erase looks
  class CheckMeter;         // the step under way, told to Check's caller
  using IndexTally = std::array<uint64_t, 256>;  // entries of column family keys, by tag
  // RocksDB's estimate of the entries of column family `family`.
  uint64_t EstimatedEntries(int family) const;
  absl::Status CheckTableFiles(CheckMeter* meter, CheckReport* report) const;
  // Every record in order, each with its summary; notes its operations in
  // `logged`.
  absl::Status CheckLog(const rocksdb::ReadOptions& options, uint64_t last_id, LoggedOperations* logged,
                        CheckMeter* meter, CheckReport* report) const;
  // Every entry of the key indexes: each mention (key_codec.h) names a
  // transaction whose record holds an operation on a key with its digest,
  // which it takes out of `logged`; the others are counted in `tally`.
  absl::Status CheckKeyIndexes(const rocksdb::ReadOptions& options, LoggedOperations* logged, IndexTally* tally,
                               CheckMeter* meter) const;
  // Every record, its names and its index entries; notes in `expected`
  // the slice index entries its live segments make, and takes the
  // operations at its rows' times out of `logged`.
  absl::Status CheckKeys(const rocksdb::ReadOptions& options, SliceDigests* expected, LoggedOperations* logged,
                         CheckMeter* meter, CheckReport* report) const;
  absl::Status CheckNames(const KeyIds& ids, const rocksdb::ReadOptions& options) const;
  absl::Status CheckRecord(const KeyIds& ids, std::string_view record, const rocksdb::ReadOptions& options,
                           SliceDigests* expected, LoggedOperations* logged, CheckReport* report) const;
  // One entry of each index for each of `keys` keys, by `tally`.
  static absl::Status CheckIndexHoldsOnlyKeys(const IndexTally& tally, uint64_t keys);
  // Every chunk of older rows, as CheckKeys the records.
  absl::Status CheckHistory(const rocksdb::ReadOptions& options, LoggedOperations* logged, CheckMeter* meter,
                            CheckReport* report) const;
  // Every bucket against `expected`, which it empties.
  absl::Status CheckSlices(const rocksdb::ReadOptions& options, SliceDigests* expected, CheckMeter* meter,
                           CheckReport* report) const;
  // DataLoss naming the first operation of the log left in `logged`: one an
  // erase of its key would not find (a second read of the log).
  absl::Status UnshownOperation(const rocksdb::ReadOptions& options, const LoggedOperations& logged) const;
  // `status` of a record of key `ids` in column family `family` that failed
  // to decode, as DataLoss naming the family and the key.
  absl::Status KeyDataLoss(int family, const KeyIds& ids, const absl::Status& status) const;
  // TL(k, t) for a t before the view's last transaction.
  absl::StatusOr<Timeline> ReadTimelineAsOf(const MatchedKey& key, Instant t, const ReadView& view) const;
  // The segment of TL(k, t) containing valid time v, if any: decodes the
  // rows and materializes the value of that one only.
  absl::StatusOr<std::optional<Segment>> ReadSegmentAsOf(const MatchedKey& key, Instant v, Instant t,
                                                         const ReadView& view) const;
  // The transaction time a read answers at: the view's last transaction
  // (`latest`), or as of `t`, before it.
  struct ReadTime {
    bool latest = true;
    Instant t = kPosInf;
  };
  // What `as_of` names, in `view`; InvalidArgument for a transaction it
  // does not hold.
  absl::StatusOr<ReadTime> ResolveAsOf(const TxTimeClause& as_of, const ReadView& view) const;
  // The key's segment containing valid time v, at `when`, if any.
  absl::StatusOr<std::optional<Segment>> SegmentAt(const MatchedKey& key, Instant v, ReadTime when,
                                                   const ReadView& view) const;
  // The key's timeline at `when`: at least its segments that overlap
  // `within`.
  absl::StatusOr<Timeline> TimelineAt(const MatchedKey& key, ReadTime when, Interval within,
                                      const ReadView& view) const;
  // `* predicate *` at v, latest: from the slice index.
  absl::Status ScanSliceAt(const std::string& predicate, Instant v, const ReadView& view, const RowSink& sink) const;
  // Transactions committed in (after, through].
  struct TxWindow {
    Instant after;
    Instant through;
    bool Holds(Instant t) const { return after < t && t <= through; }
  };
  // The key's bitemporal rows in answer order, to `sink` (with `changed`,
  // none unless one starts or ends in it); false if the sink stopped the
  // read.
  absl::StatusOr<bool> ReadHistory(const MatchedKey& key, const ReadView& view, const HistorySink& sink,
                                   const TxWindow* changed = nullptr) const;
  // The keys matching `pattern` that the operations of the transactions in
  // `window` name, in name order; nullopt when those hold over
  // `max_operations` operations (reading them would cost more than a scan).
  absl::StatusOr<std::optional<std::vector<MatchedKey>>> KeysNamedIn(const Pattern& pattern, TxWindow window,
                                                                     uint64_t max_operations,
                                                                     const ReadView& view) const;
  // The id of the first transaction of the view committed after `t` (one
  // past the last if none), by a binary search of the infos.
  absl::StatusOr<uint64_t> FirstTransactionAfter(Instant t, const ReadView& view) const;
  absl::StatusOr<TransactionInfo> ReadTransactionInfo(uint64_t id, const rocksdb::Snapshot* snapshot) const;

  // Writes: each with write_mu_ held.
  // Plans `txn` after `previous`, reading the stored state from `reader`.
  absl::StatusOr<CommitPlan> Plan(const Transaction& txn, const TransactionInfo& previous, StoreReader* reader)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Gives the plan's new names their ids in the dictionary, or forgets its
  // removed ones.
  void InternNewNames(const CommitPlan& plan) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  void ForgetRemovedNames(const CommitPlan& plan) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // How PlanInGroups writes a group: kIngest, as table files ingested at
  // once (groups of bulk_load_bytes_); kWriteBatch, as one write batch
  // (groups of group_commit_bytes_), or ingested when it holds over
  // commit_ingest_bytes_. A write batch of kWholeBucketsFromBytes or more
  // writes its changed slice buckets whole; a smaller one (a cluster node
  // applying an entry or two) as merge operands, as a Commit does: reading
  // and rewriting a bucket costs milliseconds.
  static constexpr size_t kWholeBucketsFromBytes = size_t{1} << 20;
  enum class WriteMode { kWriteBatch, kIngest };
  // Plans the transactions of `next` in turn over pending writes and
  // writes them whenever they hold more than a group's bytes, and at the
  // end; with `calls` kAhead, reads the stored records of the coming
  // transactions' keys meanwhile (read_ahead_source.h). `*written`: how
  // many transactions are on disk; `*bytes_written`: roughly the bytes of
  // their changes.
  absl::Status PlanInGroups(const TransactionSource& next, SourceCalls calls, WriteMode mode, size_t* written,
                            size_t* bytes_written);
  // OK when writes may go on: no write failed, or the last failure was the
  // disk's lack of room and RocksDB takes writes again (DB::Resume, which
  // flushes its write buffers into table files; tried at most once a
  // second). Else the failure.
  absl::Status WritesGoOn() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Writes `pending`, whose last transaction is `last`, as one write batch
  // (PendingWrites::WriteTo says what `whole_buckets` does), or as table
  // files ingested at once.
  absl::Status WriteGroup(PendingWrites* pending, const TransactionInfo& last, bool whole_buckets)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // After a load that wrote this much: flushes the memtables and compacts
  // below the bottom level what reads would otherwise pay for: "keys"
  // (index scans merge every sorted run) whenever it has runs above its
  // bottom level, the timeline, slice and history families (read through
  // each run's bloom filter) once they have two. So reads right after it
  // cost what they do after a bulk load into a new database, and no family
  // keeps more than one run above its bottom level from one load to the
  // next. Cost: rewrites each family it compacts whole (the new keys
  // overlap every file of the bottom level), two at a time. Needs no lock:
  // commits go on meanwhile.
  static constexpr size_t kReshapeAfterBytes = size_t{64} << 20;
  absl::Status Reshape();
  // Makes everything written so far visible to reads, `last` the last
  // transaction: a new snapshot.
  void Publish(const TransactionInfo& last);
  // Publish, with state_mu_ held (the snapshot it replaces is released under it).
  void PublishLocked(const TransactionInfo& last) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  // A snapshot of everything written so far (null in a read-only instance),
  // released when the last copy goes.
  std::shared_ptr<const rocksdb::Snapshot> TakeSnapshot() const;
  // Commits the transactions of `group`, each on its own (a rejected one
  // fails alone), as one write; sets each request's result.
  struct CommitRequest;
  void CommitGroup(const std::vector<CommitRequest*>& group);
  absl::Status Ingest(PendingWrites* pending, const TransactionInfo& last) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Adds the table files of `tables` to their families at once and
  // publishes `last`. When no read holds the published snapshot, reads wait
  // for the addition (tens of milliseconds: a link and a sync per file, one
  // manifest write), so that it can go without a snapshot (see the body).
  absl::Status AddTables(const std::vector<rocksdb::IngestExternalFileArg>& tables, const TransactionInfo& last)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  rocksdb::ColumnFamilyHandle* cf(int i) const { return handles_[i]; }

  std::unique_ptr<rocksdb::DB> db_;
  std::string secondary_dir_;  // read-only: the secondary instance's own directory
  absl::Status write_refusal_;  // why writes fail (OK: opened to write)
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  // Each column family's merge operator (null where none), for pending writes.
  std::array<const rocksdb::MergeOperator*, kColumnFamilyCount> merge_operators_{};
  Clock* clock_ = nullptr;
  bool sync_ = true;
  RecordLimits record_limits_;
  size_t bulk_load_bytes_ = 0;     // pending writes a bulk load ingests at
  size_t group_commit_bytes_ = 0;  // pending writes CommitAll writes at
  size_t commit_ingest_bytes_ = 0;  // ... and ingests, rather than a write batch, over
  NameDictionary names_;
  SliceCatalog slice_catalog_;  // loaded at open, noted by every write of the slice index

  GroupQueue<CommitRequest> commit_queue_{128};  // Commit calls; the first writes a group
  absl::Mutex write_mu_;  // serializes writes
  // What reads see: a snapshot of every durable write (none in a read-only
  // instance) and the last transaction it holds. A write becomes visible
  // only once it is on disk: it is written without sync, the log is
  // synced, then Publish takes a new snapshot. So readers never wait for a
  // sync, and never see a commit that a power loss could take back.
  mutable absl::Mutex state_mu_;
  mutable absl::CondVar published_;  // signalled when last_ changes
  std::shared_ptr<const rocksdb::Snapshot> snapshot_ ABSL_GUARDED_BY(state_mu_);
  TransactionInfo last_ ABSL_GUARDED_BY(state_mu_);
  // Set by a write that failed: every later write fails with it, until
  // WritesGoOn resumes them (a write the disk refused for lack of room,
  // which never reached the write buffers) or the database is reopened (a
  // write that may have reached the write buffers but not the disk).
  absl::Status write_failure_ ABSL_GUARDED_BY(write_mu_);
  bool resumable_ ABSL_GUARDED_BY(write_mu_) = false;
  absl::Time next_resume_ ABSL_GUARDED_BY(write_mu_) = absl::InfinitePast();
};

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_DB_IMPL_H_
