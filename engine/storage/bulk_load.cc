// DbImpl::CommitAll and DbImpl::BulkLoad: many transactions planned in turn
// over the writes of those before them (pending_writes.h), then written
// together: as one write batch per group, or as sorted table files
// ingested at once.
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <atomic>
#include <filesystem>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "storage/column_families.h"
#include "storage/db_impl.h"
#include "storage/pending_writes.h"
#include "storage/read_ahead_source.h"
#include "storage/rocks_status.h"
#include "storage/store_reader.h"
#include "storage/write_sink.h"
#include "util/status_macros.h"

namespace hindsight::internal {

namespace {

// `first` if it is an error, else `second`.
absl::Status AlsoFailing(const absl::Status& first, const absl::Status& second) { return first.ok() ? second : first; }

}  // namespace

absl::Status DbImpl::CommitAll(const TransactionSource& next, SourceCalls calls, size_t* committed) {
  size_t bytes = 0;
  const absl::Status status = PlanInGroups(next, calls, WriteMode::kWriteBatch, committed, &bytes);
  return bytes >= kReshapeAfterBytes ? AlsoFailing(status, Reshape()) : status;
}

absl::Status DbImpl::BulkLoad(const TransactionSource& next, SourceCalls calls, size_t* loaded) {
  size_t bytes = 0;
  const absl::Status status = PlanInGroups(next, calls, WriteMode::kIngest, loaded, &bytes);
  return bytes >= kReshapeAfterBytes ? AlsoFailing(status, Reshape()) : status;
}

absl::Status DbImpl::PlanInGroups(const TransactionSource& next, SourceCalls calls, WriteMode mode, size_t* written,
                                  size_t* bytes_written) {
  *written = 0;
  *bytes_written = 0;
  HS_RETURN_IF_ERROR(write_refusal_);
  absl::MutexLock write_lock(&write_mu_);
  HS_RETURN_IF_ERROR(WritesGoOn());
  RocksReader reader(db_.get(), handles_, RocksReader::BlockCache::kDrop);
  std::optional<ReadAheadSource> ahead;
  if (calls == SourceCalls::kAhead) ahead.emplace(next, &reader, &names_);
  PendingWrites pending(ahead ? static_cast<StoreReader*>(&*ahead) : &reader, merge_operators_);
  const size_t limit = mode == WriteMode::kIngest ? bulk_load_bytes_ : group_commit_bytes_;
  TransactionInfo previous = LastTransaction();
  if (ahead && previous.id > 0) ahead->Start();  // (an empty database has nothing to read ahead)
  size_t planned = 0;  // transactions in `pending`
  // What a failed write must undo in the name dictionary.
  size_t names_written = names_.size();
  std::vector<std::pair<std::string, NameId>> names_removed;
  const auto undo_names = [&] {
    names_.Truncate(names_written);
    for (const auto& [name, id] : names_removed) names_.Load(name, id);
  };
  const auto write = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) -> absl::Status {
    *bytes_written += pending.bytes();
    const bool ingest = mode == WriteMode::kIngest || pending.bytes() > commit_ingest_bytes_;
    const absl::Status s = ingest ? Ingest(&pending, previous)
                                  : WriteGroup(&pending, previous, pending.bytes() >= kWholeBucketsFromBytes);
    if (!s.ok()) {
      undo_names();
      return s;
    }
    pending.Clear();
    if (ahead) ahead->Invalidate();
    *written += planned;
    planned = 0;
    names_written = names_.size();
    names_removed.clear();
    return absl::OkStatus();
  };
  absl::Status stopped;  // a rejected transaction, or the source's error
  for (size_t t = 1;; ++t) {
    const absl::StatusOr<const Transaction*> txn = ahead ? ahead->Next() : next();
    if (!txn.ok()) {
      stopped = txn.status();
      break;
    }
    if (*txn == nullptr) break;
    absl::StatusOr<CommitPlan> plan = Plan(**txn, previous, &pending);
    if (!plan.ok()) {  // those before it are still written
      stopped = absl::IsInvalidArgument(plan.status())
                    ? absl::InvalidArgumentError(absl::StrCat("transaction ", t, ": ", plan.status().message()))
                    : plan.status();
      break;
    }
    WritePlan(&*plan, &pending, &slice_catalog_);
    InternNewNames(*plan);
    if (!pending.status().ok()) {  // a damaged record: the group is not written
      undo_names();
      return pending.status();
    }
    ForgetRemovedNames(*plan);
    names_removed.insert(names_removed.end(), plan->names_removed.begin(), plan->names_removed.end());
    previous = plan->info;
    ++planned;
    if (pending.bytes() >= limit) {
      HS_RETURN_IF_ERROR(write());
      if (ahead) ahead->Start();  // (the database has data now)
    }
  }
  if (planned > 0) HS_RETURN_IF_ERROR(write());
  return stopped;
}

namespace {

// The sorted runs of a column family above its bottom level: each level-0
// file, and each other level holding files above the last that does.
int RunsAboveBottom(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family) {
  rocksdb::ColumnFamilyMetaData meta;
  db->GetColumnFamilyMetaData(family, &meta);
  int runs = 0, bottom_runs = 0;
  for (const rocksdb::LevelMetaData& level : meta.levels) {
    if (level.files.empty()) continue;
    runs += bottom_runs;
    bottom_runs = level.level == 0 ? static_cast<int>(level.files.size()) : 1;
  }
  return runs + (bottom_runs > 1 ? bottom_runs - 1 : 0);  // level-0 as the bottom: all but one
}

}  // namespace

absl::Status DbImpl::Reshape() {
  rocksdb::FlushOptions flush;
  flush.wait = true;
  HS_RETURN_IF_ERROR(FromRocks(db_->Flush(flush, handles_), "cannot flush"));
  // Index scans read every run of "keys" (one run more above the bottom
  // took subject and object reads to 1.5x their time); point reads find a
  // timeline record, a bucket or a chunk of history through each run's
  // bloom filter, and one run more costs them nothing measurable. So
  // "keys" is compacted below its bottom level whenever it has runs above
  // it, the other families once they have two.
  std::vector<int> families;
  for (const int family : {kKeysCf, kTimelinesCf, kSlicesCf, kHistoryCf}) {
    if (RunsAboveBottom(db_.get(), cf(family)) > (family == kKeysCf ? 0 : 1)) families.push_back(family);
  }
  // Each family's compaction is one thread's work: two run at once, the
  // largest first.
  std::vector<rocksdb::Status> compacted(families.size());
  std::atomic<size_t> next{0};
  const auto compact_remaining = [&] {
    for (size_t i; (i = next.fetch_add(1)) < families.size();) {
      compacted[i] = db_->CompactRange(rocksdb::CompactRangeOptions(), cf(families[i]), nullptr, nullptr);
    }
  };
  std::thread helper(compact_remaining);
  compact_remaining();
  helper.join();
  for (const rocksdb::Status& s : compacted) HS_RETURN_IF_ERROR(FromRocks(s, "cannot compact"));
  return absl::OkStatus();
}

absl::Status DbImpl::WriteGroup(PendingWrites* pending, const TransactionInfo& last, bool whole_buckets) {
  rocksdb::WriteBatch batch;
  BatchSink sink(handles_, &batch);
  HS_RETURN_IF_ERROR(pending->WriteTo(&sink, whole_buckets));
  // Durable, then visible (see state_mu_).
  rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch);
  // A batch whose write failed never reached the write buffers (RocksDB
  // writes its log first); one whose sync failed did.
  const bool buffered = s.ok();
  if (s.ok() && sync_) s = db_->SyncWAL();
  if (!s.ok()) {
    resumable_ = !buffered && s.IsNoSpace();
    write_failure_ = FromRocks(s, resumable_ ? "cannot commit" : "cannot commit (reopen the database to go on)");
    return write_failure_;
  }
  Publish(last);
  return absl::OkStatus();
}

absl::Status DbImpl::WritesGoOn() {
  if (write_failure_.ok()) return absl::OkStatus();
  if (!resumable_ || absl::Now() < next_resume_) return write_failure_;
  next_resume_ = absl::Now() + absl::Seconds(1);
  if (!db_->Resume().ok()) return write_failure_;
  write_failure_ = absl::OkStatus();
  resumable_ = false;
  return absl::OkStatus();
}

namespace {

// Writes the pending changes of `family` to table file `file`; false in
// `*written` when there were none (and no file).
absl::Status WriteTable(PendingWrites* pending, int family, const rocksdb::Options& options, const std::string& file,
                        bool* written) {
  // The page cache keeps what is written: the next group of a load reads
  // these tables back, and RocksDB's compactions read them too.
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), options, /*column_family=*/nullptr,
                                /*invalidate_page_cache=*/false);
  HS_RETURN_IF_ERROR(FromRocks(writer.Open(file), "bulk load"));
  size_t entries = 0;
  HS_RETURN_IF_ERROR(pending->VisitTable(
      family, [&](PendingWrites::EntryKind kind, std::string_view key, std::string_view value) {
        ++entries;
        const rocksdb::Slice k(key.data(), key.size()), v(value.data(), value.size());
        switch (kind) {
          case PendingWrites::EntryKind::kPut:
            return FromRocks(writer.Put(k, v), "bulk load");
          case PendingWrites::EntryKind::kDelete:
            return FromRocks(writer.Delete(k), "bulk load");
          case PendingWrites::EntryKind::kDeleteRange:
            return FromRocks(writer.DeleteRange(k, v), "bulk load");
        }
        return absl::OkStatus();
      }));
  *written = entries > 0;
  return entries > 0 ? FromRocks(writer.Finish(), "bulk load") : absl::OkStatus();
}

}  // namespace

absl::Status DbImpl::AddTables(const std::vector<rocksdb::IngestExternalFileArg>& tables, const TransactionInfo& last) {
  {
    absl::MutexLock lock(&state_mu_);
    if (snapshot_.use_count() == 1) {
      // No read holds the published snapshot, and none can take it
      // meanwhile. Without it RocksDB has no snapshot to keep apart from
      // the new tables, and gives those that land at the bottom of their
      // family, overlapping nothing, sequence number 0. With it they would
      // keep a number, and once a later snapshot passed it RocksDB would
      // rewrite each of them in the background only to clear the number: a
      // whole bulk-loaded database rewritten after its first commit.
      snapshot_.reset();
      const absl::Status status = FromRocks(db_->IngestExternalFiles(tables), "bulk load");
      PublishLocked(status.ok() ? last : last_);
      return status;
    }
  }
  const absl::Status status = FromRocks(db_->IngestExternalFiles(tables), "bulk load");
  if (status.ok()) Publish(last);
  return status;
}

absl::Status DbImpl::Ingest(PendingWrites* pending, const TransactionInfo& last) {
  namespace fs = std::filesystem;
  const std::string staging = db_->GetName() + "/bulk-load";
  std::error_code ec;
  fs::create_directories(staging, ec);
  const auto file_of = [&staging](int family) {
    return absl::StrCat(staging, "/", kColumnFamilyNames[family], ".sst");
  };
  pending->SettleIndexCopies();  // (from the timeline records the first thread visits)
  HS_RETURN_IF_ERROR(pending->status());
  // Two threads write the tables, the larger families split between them.
  std::array<bool, kColumnFamilyCount> written{};
  const auto write_tables = [&](std::initializer_list<int> families) {
    for (const int family : families) {
      const rocksdb::Options options(db_->GetDBOptions(), db_->GetOptions(cf(family)));
      HS_RETURN_IF_ERROR(WriteTable(pending, family, options, file_of(family), &written[family]));
    }
    return absl::OkStatus();
  };
  absl::Status second_status;
  std::thread second([&] { second_status = write_tables({kKeysCf, kSlicesCf, kTxInfoCf, kMetaCf}); });
  absl::Status status = write_tables({kTimelinesCf, kTxLogCf, kHistoryCf, kNamesCf});
  second.join();
  if (status.ok()) status = second_status;
  if (status.ok()) {  // (ingestion syncs the files it adds)
    std::vector<rocksdb::IngestExternalFileArg> args;
    for (int family = 0; family < kColumnFamilyCount; ++family) {
      if (!written[family]) continue;
      rocksdb::IngestExternalFileArg arg;
      arg.column_family = cf(family);
      arg.external_files = {file_of(family)};
      arg.options.move_files = true;
      args.push_back(std::move(arg));
    }
    status = AddTables(args, last);
  }
  fs::remove_all(staging, ec);
  return status;
}

}  // namespace hindsight::internal
