#include "storage/db_impl.h"

#include <algorithm>
#include <chrono>
#include <unistd.h>

#include <filesystem>

#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>

#include "absl/strings/str_cat.h"
#include "storage/slice_merge.h"
#include "storage/timeline_merge.h"
#include "storage/column_families.h"
#include "storage/info_log.h"
#include "storage/rocks_status.h"
#include "util/durable_fs.h"
#include "util/status_macros.h"

namespace hindsight {

namespace {
class RealClock final : public Clock {
 public:
  Instant Now() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};
}  // namespace

Clock* SystemClock() {
  static RealClock* clock = new RealClock;
  return clock;
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path, const Options& options) {
  return internal::DbImpl::Open(path, options);
}

absl::StatusOr<std::vector<Row>> Database::Query(const struct Query& query) const {
  std::vector<Row> rows;
  HS_RETURN_IF_ERROR(Scan(query, [&rows](Row& r) {
    rows.push_back(std::move(r));
    return true;
  }));
  return rows;
}

absl::StatusOr<std::vector<HistoryRow>> Database::History(const Pattern& pattern) const {
  std::vector<HistoryRow> rows;
  HS_RETURN_IF_ERROR(ScanHistory(pattern, [&rows](HistoryRow& r) {
    rows.push_back(std::move(r));
    return true;
  }));
  return rows;
}

namespace {

Database::TransactionSource SourceOf(const std::vector<Transaction>& txns) {
  return [&txns, i = size_t{0}]() mutable -> absl::StatusOr<const Transaction*> {
    return i < txns.size() ? &txns[i++] : nullptr;
  };
}

}  // namespace

absl::StatusOr<LogRecord> Database::PrepareCommit(const Transaction& txn) {
  return std::move(PrepareCommits({&txn}).front());
}

absl::Status Database::CommitAll(const std::vector<Transaction>& txns, size_t* committed) {
  return CommitAll(SourceOf(txns), committed);
}

absl::Status Database::BulkLoad(const std::vector<Transaction>& txns, size_t* loaded) {
  return BulkLoad(SourceOf(txns), loaded);
}

namespace internal {
namespace {

// Tables of `block_size` blocks with a restart point (a key stored whole,
// where a seek's binary search lands) every `restart_interval` keys.
rocksdb::TableFactory* MakeTableFactory(const std::shared_ptr<rocksdb::Cache>& cache, size_t block_size,
                                        int restart_interval) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.block_size = block_size;
  table.block_restart_interval = restart_interval;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = false;
  // Point reads find their entry in a data block by hash instead of a
  // binary search plus a linear scan.
  table.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
  // No readahead() call when a scan reaches its third block: RocksDB asks
  // for it whether or not the blocks are cached, and a scan of a few blocks
  // then pays a system call for nothing. Sequential reads from disk still
  // get the kernel's own readahead.
  table.max_auto_readahead_size = 0;
  return rocksdb::NewBlockBasedTableFactory(table);
}

rocksdb::ColumnFamilyOptions MakeColumnFamilyOptions(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  cf.table_factory.reset(MakeTableFactory(cache, 4 << 10, /*restart_interval=*/16));
  cf.compression = rocksdb::kLZ4Compression;
  // Levels sized from the bottom up: a family of a few GB keeps its data in
  // its last level and the one above it. A group's ingested tables overlap
  // the whole key range; with levels sized from the top they landed a level
  // higher group after group, and were compacted down one level at a time,
  // all the data rewritten at each (docs/storage.md).
  cf.level_compaction_dynamic_level_bytes = true;
  return cf;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> DbImpl::Open(const std::string& path, const Options& options) {
  std::unique_ptr<DbImpl> db(new DbImpl);
  HS_RETURN_IF_ERROR(db->Initialize(path, options));
  return std::unique_ptr<Database>(std::move(db));
}

namespace {

rocksdb::DBOptions MakeDbOptions() {
  rocksdb::DBOptions db_options;
  db_options.IncreaseParallelism(2);
  db_options.paranoid_checks = true;
  db_options.max_open_files = 512;
  // Opening starts this many threads for each column family, whether it
  // has table files or not (RocksDB's default 16: 128 threads started and
  // ended by every open).
  db_options.max_file_opening_threads = 2;
  // Small column families (meta, names) would otherwise pin every WAL file.
  db_options.max_total_wal_size = 64 << 20;
  // Each open starts a new info log (LOG) and keeps the last one as
  // LOG.old.*: a database opened for years keeps the last ten.
  db_options.keep_log_file_num = 10;
  return db_options;
}

// Readies the database at `path`, if no process holds it, for this process
// to open it: removes its empty write-ahead logs and starts its info log
// (storage/info_log.h). RocksDB 7.8 starts a write-ahead log at every open
// and, if nothing is written before the database closes, keeps it until a
// later flush (fixed in RocksDB 8.3, facebook/rocksdb#11409): a database
// opened again and again to be read, by `hindsight query` say, gathered one
// empty `NNNNNN.log` per open. An empty log holds no record, and RocksDB
// does not list its logs in the manifest (track_and_verify_wals_in_manifest
// is off), so recovery does not miss one. Done under the database's lock,
// taken through RocksDB's Env as DB::Open takes it, so that the logs of a
// process that has the database open are never touched: if the lock is
// held, or cannot be taken, nothing is changed and the logger returned
// drops every line (the open that follows fails on the lock).
std::shared_ptr<rocksdb::Logger> PrepareToOpen(const std::string& path) {
  namespace fs = std::filesystem;
  rocksdb::Env* env = rocksdb::Env::Default();
  rocksdb::FileLock* lock = nullptr;
  if (!env->LockFile(path + "/LOCK", &lock).ok()) return DiscardingInfoLog();
  std::error_code ec;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool is_log = name.size() > 4 && name.ends_with(".log") &&
                        std::all_of(name.begin(), name.end() - 4, [](char c) { return c >= '0' && c <= '9'; });
    std::error_code file_ec;
    if (is_log && it->is_regular_file(file_ec) && it->file_size(file_ec) == 0 && !file_ec) {
      fs::remove(it->path(), file_ec);
    }
  }
  std::shared_ptr<rocksdb::Logger> info_log = StartInfoLog(path);
  env->UnlockFile(lock).PermitUncheckedError();
  return info_log;
}

std::vector<rocksdb::ColumnFamilyDescriptor> MakeDescriptors(size_t block_cache_bytes) {
  const std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kColumnFamilyNames) descriptors.emplace_back(name, MakeColumnFamilyOptions(cache));
  descriptors[kTimelinesCf].options.merge_operator = NewTimelineMergeOperator();
  // A key committed again and again must not make every read of it merge a
  // long chain of operands: past a few, the write stores the merged record.
  descriptors[kTimelinesCf].options.max_successive_merges = 8;
  // Likewise a bucket, but one may list thousands of segments (every
  // "from now on" fact of a predicate lands in the same open-ended bucket),
  // and storing the merged bucket decodes and re-encodes all of them: past
  // 64 operands, so that a stream of commits pays it once per 65 of its
  // writes to the bucket, and a read merges at most 64 small changes.
  // Flushes and compactions combine the rest.
  descriptors[kSlicesCf].options.merge_operator = NewSliceMergeOperator();
  descriptors[kSlicesCf].options.max_successive_merges = 64;
  // A query reads a few dozen buckets, mostly of one predicate: large
  // blocks, so that it touches fewer.
  descriptors[kSlicesCf].options.table_factory.reset(MakeTableFactory(cache, 32 << 10, /*restart_interval=*/16));
  // The indexes are scanned (a subject's or an object's keys, with their
  // live timelines) more than sought: 16 KiB blocks, so that a scan
  // crosses fewer of them (each a block-cache lookup), and a restart
  // point every 4 keys, so that a seek to one key (`S * O`) costs what it
  // does in 4 KiB blocks.
  descriptors[kKeysCf].options.table_factory.reset(MakeTableFactory(cache, 16 << 10, /*restart_interval=*/4));
  return descriptors;
}

// Creates a complete, empty database at `path` atomically and durably: it
// is built in a sibling directory and renamed into place, and the parent is
// fsynced, so a crash or power loss during creation leaves either nothing
// at `path` or a whole database, and once this returns the database stays.
absl::Status CreateDatabase(const std::string& path) {
  namespace fs = std::filesystem;
  const std::string staging = absl::StrCat(path, ".creating-", getpid());
  const std::string failed = absl::StrCat("cannot create database ", path);
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    const absl::Status created = CreateDirectoriesDurably(parent.string());
    if (!created.ok()) return absl::Status(created.code(), absl::StrCat(failed, ": ", created.message()));
  }
  fs::remove_all(staging, ec);
  rocksdb::DBOptions options = MakeDbOptions();
  options.create_if_missing = true;
  if (fs::create_directory(staging, ec)) options.info_log = StartInfoLog(staging);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = MakeDescriptors(1 << 20);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  HS_RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(options, staging, {descriptors[0]}, &handles, &raw), failed));
  // The other families at once: RocksDB writes its options file once, not
  // once a family (each a synced file and a synced directory).
  descriptors.erase(descriptors.begin());
  std::vector<rocksdb::ColumnFamilyHandle*> created;
  rocksdb::Status st = raw->CreateColumnFamilies(descriptors, &created);
  handles.insert(handles.end(), created.begin(), created.end());
  if (st.ok()) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    const MetaRecord meta{kFormatVersion, 0, kNegInf, 0};
    st = raw->Put(wo, handles[kMetaCf], kMetaKey, EncodeMeta(meta));
  }
  for (rocksdb::ColumnFamilyHandle* h : handles) raw->DestroyColumnFamilyHandle(h);
  if (st.ok()) st = raw->Close();
  delete raw;
  HS_RETURN_IF_ERROR(FromRocks(st, failed));
  const absl::Status renamed = RenameDurably(staging, path);
  if (!renamed.ok()) {
    fs::remove_all(staging, ec);
    // Another process created it first: use theirs.
    if (fs::exists(fs::path(path) / "CURRENT", ec)) return SyncDirectory(parent.empty() ? "." : parent.string());
    return absl::Status(renamed.code(), absl::StrCat(failed, ": ", renamed.message()));
  }
  return absl::OkStatus();
}

// Whether a column family's table files call for MergeSmallTableFiles.
bool TooManySmallTableFiles(uint64_t files, uint64_t bytes) {
  constexpr uint64_t kManyFiles = 64;
  constexpr uint64_t kSmallFileBytes = 256 << 10;
  return files >= kManyFiles && bytes <= files * kSmallFileBytes;
}

}  // namespace

absl::Status DbImpl::Initialize(const std::string& path, const Options& options) {
  namespace fs = std::filesystem;
  clock_ = options.clock != nullptr ? options.clock : SystemClock();
  sync_ = options.sync;
  if (options.live_chunk_segments == 0) {
    return absl::InvalidArgumentError("Options::live_chunk_segments must be positive");
  }
  record_limits_ = {options.closed_bytes_in_record, options.live_chunk_segments};
  bulk_load_bytes_ = options.bulk_load_memory_bytes;
  group_commit_bytes_ = options.commit_group_bytes;
  commit_ingest_bytes_ = options.commit_ingest_bytes;
  std::error_code ec;
  const bool exists = fs::exists(fs::path(path) / "CURRENT", ec);
  if (exists && options.error_if_exists) {
    return absl::AlreadyExistsError(absl::StrCat("database already exists: ", path));
  }
  if (!exists) {
    if (!options.create_if_missing || options.read_only) {
      return absl::NotFoundError(absl::StrCat("no database at ", path));
    }
    if (fs::exists(path, ec) && !fs::is_directory(path, ec)) {
      return absl::FailedPreconditionError(absl::StrCat(path, " is not a directory"));
    }
    if (fs::is_directory(path, ec) && !fs::is_empty(path, ec)) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, " is not empty and holds no database (no CURRENT file); refusing to create one there"));
    }
    HS_RETURN_IF_ERROR(CreateDatabase(path));
  }

  const rocksdb::DBOptions db_options = MakeDbOptions();
  std::vector<std::string> present;
  HS_RETURN_IF_ERROR(FromRocks(rocksdb::DB::ListColumnFamilies(db_options, path, &present),
                               absl::StrCat("cannot open database ", path)));
  const auto has = [&present](const char* name) {
    return std::find(present.begin(), present.end(), name) != present.end();
  };
  if (has("live") && has("closed") && !has("timelines")) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " was written by an earlier Hindsight (format 1, separate live and closed rows); this one reads format ",
        kFormatVersion, ": import its operations into a new database"));
  }
  for (const char* name : kColumnFamilyNames) {
    if (!has(name)) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, " is not a Hindsight database (no column family '", name, "')"));
    }
  }
  HS_RETURN_IF_ERROR(OpenRocks(path, options));
  for (int family = 0; family < kColumnFamilyCount; ++family) {
    merge_operators_[family] = db_->GetOptions(cf(family)).merge_operator.get();
  }
  if (write_refusal_.ok()) MergeSmallTableFiles();
  return LoadState(options.upgrade_notes);
}

void DbImpl::MergeSmallTableFiles() {
  for (int family = 0; family < kColumnFamilyCount; ++family) {
    rocksdb::ColumnFamilyMetaData files;
    db_->GetColumnFamilyMetaData(cf(family), &files);
    if (!TooManySmallTableFiles(files.file_count, files.size)) continue;
    rocksdb::CompactRangeOptions compact;
    compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
    db_->CompactRange(compact, cf(family), nullptr, nullptr).PermitUncheckedError();
  }
}

absl::Status DbImpl::OpenRocks(const std::string& path, const Options& options) {
  namespace fs = std::filesystem;
  rocksdb::DB* raw = nullptr;
  const std::string failed = absl::StrCat("cannot open database ", path);
  if (!options.read_only) {
    // Only the primary has a row cache: in a secondary instance of RocksDB
    // 7.8, a record answered from the row cache is not found (the second
    // read of a key in a table file finds nothing).
    rocksdb::DBOptions db_options = MakeDbOptions();
    db_options.info_log = PrepareToOpen(path);
    if (options.row_cache_bytes > 0) db_options.row_cache = rocksdb::NewLRUCache(options.row_cache_bytes);
    const rocksdb::Status s =
        rocksdb::DB::Open(db_options, path, MakeDescriptors(options.block_cache_bytes), &handles_, &raw);
    if (s.ok()) {
      db_.reset(raw);
      return absl::OkStatus();
    }
    // Opening to write replays the write-ahead log into table files, which
    // a full disk refuses; a secondary instance replays it in memory.
    if (!options.read_only_if_in_use || !(IsLockHeld(s) || s.IsNoSpace())) return FromRocks(s, failed);
    write_refusal_ = IsLockHeld(s)
                         ? absl::FailedPreconditionError(
                               "this process reads the database beside the process that holds it (hindsight serve?): "
                               "write through that process, e.g. psql -h HOST -p PORT -c 'assert ...'")
                         : absl::ResourceExhaustedError(absl::StrCat(
                               "the disk is too full to open the database for writing (", s.ToString(),
                               "), so this process only reads it: free space on the disk and open it again to write"));
  } else {
    write_refusal_ = absl::FailedPreconditionError("the database was opened read-only (Options::read_only)");
  }
  // A secondary instance beside the writer: it keeps every table file open
  // (the writer may delete them) and its own log in a scratch directory.
  std::string scratch = (fs::temp_directory_path() / "hindsight-reader-XXXXXX").string();
  if (mkdtemp(scratch.data()) == nullptr) return absl::InternalError(absl::StrCat(failed, ": no scratch directory"));
  rocksdb::DBOptions db_options = MakeDbOptions();
  db_options.info_log = StartInfoLog(scratch);
  db_options.max_open_files = -1;
  const rocksdb::Status s = rocksdb::DB::OpenAsSecondary(db_options, path, scratch,
                                                         MakeDescriptors(options.block_cache_bytes), &handles_, &raw);
  if (!s.ok()) {
    std::error_code ec;
    fs::remove_all(scratch, ec);
    return FromRocks(s, absl::StrCat(failed, " to read it"));
  }
  db_.reset(raw);
  secondary_dir_ = std::move(scratch);
  return absl::OkStatus();
}

absl::Status DbImpl::CatchUp() {
  if (!read_only()) return absl::OkStatus();
  HS_RETURN_IF_ERROR(FromRocks(db_->TryCatchUpWithPrimary(), "cannot catch up with what the database has committed"));
  return LoadState();
}

absl::Status DbImpl::LoadState(const std::function<void(std::string_view)>& upgrade_notes) {
  std::string bytes;
  const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kMetaCf), kMetaKey, &bytes);
  if (s.IsNotFound()) return absl::FailedPreconditionError("not a Hindsight database (no meta record)");
  HS_RETURN_IF_ERROR(FromRocks(s, "cannot read meta record"));
  HS_ASSIGN_OR_RETURN(MetaRecord meta, DecodeMeta(bytes));
  const bool upgradable = meta.format_version >= kOldestUpgradableFormat && meta.format_version < kFormatVersion;
  if (upgradable && read_only()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the database is in format ", meta.format_version, ": open it once to write, to upgrade it"));
  }
  if (meta.format_version != kFormatVersion && !upgradable) {
    return absl::FailedPreconditionError(
        absl::StrCat("unsupported database format version ", meta.format_version, " (this build reads ",
                     kFormatVersion, ")"));
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kNamesCf)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->value().size() != kIdBytes) {
      return absl::DataLossError(absl::StrCat("damaged name record for key '", it->key().ToString(), "'"));
    }
    const NameId id = DecodeNameId(it->value().data());
    if (id >= meta.next_name_id) {
      return absl::DataLossError(absl::StrCat("damaged name record for key '", it->key().ToString(), "': id ", id,
                                              " was never assigned"));
    }
    names_.Load(std::string_view(it->key().data(), it->key().size()), id);
  }
  HS_RETURN_IF_ERROR(FromRocks(it->status(), "cannot read names"));
  names_.FinishLoading(meta.next_name_id);
  if (upgradable) {
    if (upgrade_notes) {
      upgrade_notes(absl::StrCat("upgrading the database from format ", meta.format_version, " to ", kFormatVersion,
                                 ": it reads its keys and its whole log once (", meta.last_tx_id,
                                 " transactions)"));
    }
    HS_RETURN_IF_ERROR(Upgrade(&meta));
  }
  HS_RETURN_IF_ERROR(slice_catalog_.Load(db_.get(), cf(kSlicesCf)));
  TransactionInfo last{0, kNegInf, "", 0};
  if (meta.last_tx_id > 0) {
    HS_ASSIGN_OR_RETURN(last, ReadTransactionInfo(meta.last_tx_id, nullptr));
  }
  if (last.id != meta.last_tx_id || last.time != meta.last_tx_time) {
    return absl::DataLossError("meta record disagrees with the transaction log");
  }
  Publish(last);
  return absl::OkStatus();
}

std::shared_ptr<const rocksdb::Snapshot> DbImpl::TakeSnapshot() const {
  if (read_only()) return nullptr;
  rocksdb::DB* db = db_.get();
  return {db->GetSnapshot(), [db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); }};
}

void DbImpl::Publish(const TransactionInfo& last) {
  std::shared_ptr<const rocksdb::Snapshot> snapshot = TakeSnapshot();
  {
    absl::MutexLock lock(&state_mu_);
    snapshot_.swap(snapshot);
    last_ = last;
    published_.SignalAll();
  }
  // The snapshot replaced is released here, after the lock (unless a read
  // still holds it): releasing takes RocksDB's own mutex.
}

void DbImpl::PublishLocked(const TransactionInfo& last) {
  snapshot_ = TakeSnapshot();
  last_ = last;
  published_.SignalAll();
}

DbImpl::~DbImpl() {
  {
    absl::MutexLock lock(&state_mu_);
    snapshot_.reset();
  }
  if (db_ != nullptr) {
    for (rocksdb::ColumnFamilyHandle* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
    db_.reset();
  }
  std::error_code ec;
  if (!secondary_dir_.empty()) std::filesystem::remove_all(secondary_dir_, ec);
}

absl::StatusOr<TransactionInfo> DbImpl::ReadTransactionInfo(uint64_t id, const rocksdb::Snapshot* snapshot) const {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  rocksdb::PinnableSlice value;
  const std::string key = TxKey(id);
  const rocksdb::Status s = db_->Get(ro, cf(kTxInfoCf), key, &value);
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat("no transaction ", id));
  HS_RETURN_IF_ERROR(FromRocks(s, "cannot read transaction info"));
  auto info = DecodeTransactionInfo(std::string_view(value.data(), value.size()));
  if (!info.ok()) return absl::DataLossError(absl::StrCat(info.status().message(), " (txinfo key ", id, ")"));
  return info;
}

absl::StatusOr<TransactionInfo> DbImpl::GetTransaction(uint64_t id) const {
  std::shared_ptr<const rocksdb::Snapshot> snapshot;
  {
    absl::MutexLock lock(&state_mu_);
    snapshot = snapshot_;
  }
  return ReadTransactionInfo(id, snapshot.get());
}

absl::Status DbImpl::Compact() {
  HS_RETURN_IF_ERROR(write_refusal_);
  // No lock: commits go on, into the write buffers, while the files as the
  // flush leaves them are rewritten.
  rocksdb::FlushOptions flush;
  flush.wait = true;
  HS_RETURN_IF_ERROR(FromRocks(db_->Flush(flush, handles_), "cannot flush"));
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    HS_RETURN_IF_ERROR(FromRocks(db_->CompactRange(compact, h, nullptr, nullptr), "cannot compact"));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> DbImpl::Checkpoint(const std::string& dir) {
  HS_RETURN_IF_ERROR(write_refusal_);
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) return absl::AlreadyExistsError(absl::StrCat(dir, " already exists"));
  absl::MutexLock write_lock(&write_mu_);
  rocksdb::Checkpoint* raw = nullptr;
  HS_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "cannot take a checkpoint"));
  const std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush 0: the write buffers are flushed, so the copy needs
  // no write-ahead log. No commit runs meanwhile: the copy ends at last_.
  HS_RETURN_IF_ERROR(
      FromRocks(checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0), "cannot write the checkpoint"));
  return LastTransaction().id;
}

TransactionInfo DbImpl::LastTransaction() const {
  absl::MutexLock lock(&state_mu_);
  return last_;
}

absl::Status DbImpl::AwaitTransaction(uint64_t id, absl::Duration timeout, const std::atomic<bool>* cancel) const {
  constexpr absl::Duration kCancelSeen = absl::Milliseconds(50);
  absl::MutexLock lock(&state_mu_);
  const absl::Time deadline = absl::Now() + timeout;
  while (last_.id < id) {
    if (cancel != nullptr && cancel->load()) return absl::CancelledError("cancelled");
    const absl::Time wake = cancel == nullptr ? deadline : std::min(deadline, absl::Now() + kCancelSeen);
    if (published_.WaitWithDeadline(&state_mu_, wake) && absl::Now() >= deadline) break;
  }
  if (last_.id >= id) return absl::OkStatus();
  return absl::DeadlineExceededError(absl::StrCat("transaction ", id, " is not here after ",
                                                  absl::FormatDuration(timeout), " (last: ", last_.id, ")"));
}

}  // namespace internal
}  // namespace hindsight
