// DbImpl::Commit: transactions planned against the database
// (commit_planner.h) and written as one WriteBatch; commits that arrive
// while one is written are written together next (group commit).
#include <cassert>

#include <rocksdb/write_batch.h>

#include "storage/column_families.h"
#include "storage/db_impl.h"
#include "storage/key_change.h"
#include "storage/rocks_status.h"
#include "storage/store_reader.h"
#include "storage/write_sink.h"
#include "util/sha256.h"
#include "util/status_macros.h"

namespace hindsight {

std::string KeyDigest(const FactKey& key) {
  constexpr std::string_view kNul("\0", 1);
  return internal::Sha256({key.subject, kNul, key.predicate, kNul, key.object});
}

namespace internal {
namespace {

absl::Status ValidateTransaction(const Transaction& txn) {
  for (size_t i = 0; i < txn.operations().size(); ++i) HS_RETURN_IF_ERROR(ValidateOperation(txn.operations()[i], i));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CommitPlan> DbImpl::Plan(const Transaction& txn, const TransactionInfo& previous,
                                        StoreReader* reader) {
  HS_RETURN_IF_ERROR(ValidateTransaction(txn));
  HS_ASSIGN_OR_RETURN(const Instant time, TransactionTime(txn, previous.time, clock_->Now()));
  HS_ASSIGN_OR_RETURN(const TransactionState state, ReadTransactionState(reader, names_, txn.operations()));
  return PlanCommit(state, txn, previous.id + 1, time, names_, record_limits_);
}

std::vector<absl::StatusOr<LogRecord>> DbImpl::PrepareCommits(const std::vector<const Transaction*>& txns) {
  std::vector<absl::StatusOr<LogRecord>> records;
  if (read_only()) {
    records.assign(txns.size(), write_refusal_);
    return records;
  }
  absl::MutexLock write_lock(&write_mu_);
  RocksReader reader(db_.get(), handles_);
  TransactionInfo previous = LastTransaction();
  for (const Transaction* txn : txns) {
    absl::StatusOr<CommitPlan> plan = Plan(*txn, previous, &reader);
    if (!plan.ok()) {
      records.push_back(plan.status());
      continue;
    }
    records.push_back(DecodeLogRecord(plan->log_record));
    if (records.back().ok()) previous = plan->info;
  }
  return records;
}

void DbImpl::InternNewNames(const CommitPlan& plan) {
  for (const auto& [name, id] : plan.new_names) {
    bool added = false;
    const NameId interned = names_.Intern(name, &added);
    assert(added && interned == id);
    (void)interned;
  }
}

void DbImpl::ForgetRemovedNames(const CommitPlan& plan) {
  for (const auto& [name, id] : plan.names_removed) names_.Remove(id);
}

// A Commit call's transaction, and what became of it.
struct DbImpl::CommitRequest {
  const Transaction* txn;
  absl::StatusOr<TransactionInfo> result = absl::UnknownError("not committed");
};

absl::StatusOr<TransactionInfo> DbImpl::Commit(const Transaction& txn) {
  HS_RETURN_IF_ERROR(write_refusal_);
  CommitRequest request{&txn};
  // The first of the calls queued writes their transactions as one group.
  commit_queue_.Run(&request, [this](const std::vector<CommitRequest*>& group) { CommitGroup(group); });
  return request.result;
}

void DbImpl::CommitGroup(const std::vector<CommitRequest*>& group) {
  absl::MutexLock write_lock(&write_mu_);
  if (const absl::Status failed = WritesGoOn(); !failed.ok()) {
    for (CommitRequest* r : group) r->result = failed;
    return;
  }
  RocksReader reader(db_.get(), handles_);
  PendingWrites pending(&reader, merge_operators_);
  TransactionInfo previous = LastTransaction();
  // Readers resolve the new names' ids as soon as the group is visible;
  // they are forgotten again if it never is.
  const size_t names_before = names_.size();
  std::vector<std::pair<std::string, NameId>> names_removed;
  std::vector<CommitRequest*> planned;
  const auto fail_planned = [&](const absl::Status& status) {
    names_.Truncate(names_before);
    for (const auto& [name, id] : names_removed) names_.Load(name, id);
    for (CommitRequest* r : planned) r->result = status;
  };
  for (CommitRequest* r : group) {
    absl::StatusOr<CommitPlan> plan = Plan(*r->txn, previous, &pending);
    if (!plan.ok()) {  // this transaction only
      r->result = plan.status();
      continue;
    }
    WritePlan(&*plan, &pending, &slice_catalog_);
    InternNewNames(*plan);
    planned.push_back(r);
    if (!pending.status().ok()) return fail_planned(pending.status());
    ForgetRemovedNames(*plan);
    names_removed.insert(names_removed.end(), plan->names_removed.begin(), plan->names_removed.end());
    r->result = plan->info;
    previous = plan->info;
  }
  if (planned.empty()) return;
  if (const absl::Status s = WriteGroup(&pending, previous, /*whole_buckets=*/false); !s.ok()) fail_planned(s);
}

}  // namespace internal
}  // namespace hindsight
