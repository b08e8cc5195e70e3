#include "storage/read_ahead_source.h"

#include <array>
#include <utility>
#include <vector>

#include "storage/column_families.h"

namespace hindsight::internal {

ReadAheadSource::ReadAheadSource(const Database::TransactionSource& next, StoreReader* base,
                                 const NameDictionary* names, size_t max_operations)
    : next_(next), base_(base), names_(names), max_operations_(max_operations) {}

ReadAheadSource::~ReadAheadSource() {
  if (!thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    changed_.SignalAll();
  }
  thread_.join();
}

void ReadAheadSource::Start() {
  if (!thread_.joinable() && !source_done_) thread_ = std::thread([this] { Run(); });
}

void ReadAheadSource::Run() {
  for (;;) {
    Item item;
    const absl::StatusOr<const Transaction*> txn = next_();
    if (!txn.ok()) {
      item.txn = txn.status();
    } else if (*txn == nullptr) {
      item.txn = std::nullopt;
    } else {
      item.keys = StoredKeysOf(**txn);
      ReadRecords(item.keys);
      item.operations = (*txn)->operations().size();
      item.txn = std::optional<Transaction>(**txn);
    }
    const bool last = !item.txn.ok() || !item.txn->has_value();
    absl::MutexLock lock(&mu_);
    while (!stopping_ && ahead_operations_ >= max_operations_) changed_.Wait(&mu_);
    if (stopping_) return;
    ahead_operations_ += item.operations;
    ahead_.push_back(std::move(item));
    changed_.SignalAll();
    if (last) return;
  }
}

std::vector<KeyIds> ReadAheadSource::StoredKeysOf(const Transaction& txn) const {
  std::vector<KeyIds> keys;
  for (const Operation& op : txn.operations()) {
    if (!op.key_digest.empty()) continue;  // (an erase by digest: rare)
    if (const std::optional<KeyIds> ids = names_->FindKey(op.key)) keys.push_back(*ids);  // (else nothing stored)
  }
  return keys;
}

void ReadAheadSource::ReadRecords(const std::vector<KeyIds>& keys) {
  uint64_t epoch;
  std::vector<KeyIds> queued;  // of the transactions read ahead in an earlier epoch
  {
    absl::MutexLock lock(&mu_);
    epoch = epoch_;
    if (epoch != asked_epoch_) {
      for (const Item& item : ahead_) queued.insert(queued.end(), item.keys.begin(), item.keys.end());
    }
  }
  if (epoch != asked_epoch_) {
    asked_.clear();
    asked_epoch_ = epoch;
  }
  std::vector<std::pair<KeyIds, std::optional<std::string>>> read;
  for (const std::vector<KeyIds>* list : std::array<const std::vector<KeyIds>*, 2>{&queued, &keys}) {
    for (const KeyIds& ids : *list) {
      if (!asked_.insert(ids).second) continue;
      std::string record;
      const absl::StatusOr<bool> found = base_->Get(kTimelinesCf, LiveKey(ids), &record);
      if (!found.ok()) continue;  // the planner reads it again, and meets the error
      read.emplace_back(ids, *found ? std::optional<std::string>(std::move(record)) : std::nullopt);
    }
  }
  absl::MutexLock lock(&mu_);
  if (epoch_ != epoch) return;  // the database changed meanwhile
  for (auto& [ids, record] : read) records_.insert_or_assign(ids, std::move(record));
}

absl::StatusOr<const Transaction*> ReadAheadSource::Next() {
  if (!thread_.joinable()) {
    absl::StatusOr<const Transaction*> txn = next_();
    source_done_ = !txn.ok() || *txn == nullptr;
    return txn;
  }
  const bool ended = current_ && (!current_->txn.ok() || !current_->txn->has_value());
  if (!ended) {  // (after the end or an error, the same answer again)
    absl::MutexLock lock(&mu_);
    while (ahead_.empty()) changed_.Wait(&mu_);
    current_ = std::move(ahead_.front());
    ahead_.pop_front();
    ahead_operations_ -= current_->operations;
    changed_.SignalAll();
  }
  if (!current_->txn.ok()) return current_->txn.status();
  if (!current_->txn->has_value()) return nullptr;
  return &**current_->txn;
}

absl::StatusOr<bool> ReadAheadSource::Get(int family, std::string_view key, std::string* value) {
  if (family == kTimelinesCf && key.size() == kKeyIdsBytes) {
    absl::MutexLock lock(&mu_);
    const auto it = records_.find(DecodeLiveKey(key));
    if (it != records_.end()) {
      const bool found = it->second.has_value();
      if (found) *value = std::move(*it->second);
      records_.erase(it);
      return found;
    }
  }
  return base_->Get(family, key, value);
}

absl::Status ReadAheadSource::Scan(int family, std::string_view prefix, EntryVisitor visit) {
  return base_->Scan(family, prefix, visit);
}

void ReadAheadSource::Invalidate() {
  absl::MutexLock lock(&mu_);
  ++epoch_;
  records_.clear();
}

}  // namespace hindsight::internal
