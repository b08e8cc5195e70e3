// DbImpl::Commit: one transaction planned against the database
// (commit_planner.h) and written as one WriteBatch.
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
  std::string text = key.subject;
  text.push_back('\0');
  text += key.predicate;
  text.push_back('\0');
  text += key.object;
  return internal::Sha256(text);
}

namespace internal {
namespace {

absl::Status ValidateTransaction(const Transaction& txn) {
  for (size_t i = 0; i < txn.operations().size(); ++i) HS_RETURN_IF_ERROR(ValidateOperation(txn.operations()[i], i));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CommitPlan> DbImpl::Plan(const Transaction& txn, const TransactionInfo& previous, StoreReader* reader) {
  HS_RETURN_IF_ERROR(ValidateTransaction(txn));
  HS_ASSIGN_OR_RETURN(const Instant time, TransactionTime(txn, previous.time, clock_->Now()));
  HS_ASSIGN_OR_RETURN(const TransactionState state, ReadTransactionState(reader, names_, txn.operations()));
  return PlanCommit(state, txn, previous.id + 1, time, names_, closed_bytes_in_record_);
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

absl::StatusOr<TransactionInfo> DbImpl::Commit(const Transaction& txn) {
  if (read_only()) return RefuseWrite();
  std::lock_guard write_lock(write_mu_);
  RocksReader reader(db_.get(), handles_);
  HS_ASSIGN_OR_RETURN(const CommitPlan plan, Plan(txn, LastTransaction(), &reader));
  rocksdb::WriteBatch batch;
  BatchSink sink(handles_, &batch);
  WritePlan(plan, &sink, &slice_catalog_);
  // Readers resolve the new names' ids as soon as the batch is visible;
  // they are forgotten again if it never is.
  const size_t names_before = names_.size();
  InternNewNames(plan);
  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  {
    std::lock_guard state_lock(state_mu_);
    const rocksdb::Status written = db_->Write(wo, &batch);
    if (!written.ok()) {
      names_.Truncate(names_before);
      return FromRocks(written, "cannot commit");
    }
    last_ = plan.info;
  }
  ForgetRemovedNames(plan);
  return plan.info;
}

}  // namespace internal
}  // namespace hindsight
