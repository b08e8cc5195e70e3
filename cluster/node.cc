#include "cluster/node.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "hindsight/log_record.h"

namespace hindsight::cluster {
namespace {

// How long the follower waits for an entry before it looks again whether
// it should stop, and how long it rests after the log failed it.
constexpr absl::Duration kPoll = absl::Milliseconds(200);
// An idle follower asks the log this often whether it missed entries (a
// consumer the servers dropped while they failed over).
constexpr absl::Duration kIdleCheck = absl::Seconds(2);

}  // namespace

Node::Node(std::unique_ptr<Database> db, std::unique_ptr<TransactionLog> log, const NodeOptions& options)
    : db_(std::move(db)),
      log_(std::move(log)),
      options_(options),
      attempt_prefix_(absl::StrCat(options.name, "-", absl::ToUnixNanos(absl::Now()), "-")) {}

absl::StatusOr<std::unique_ptr<Node>> Node::Start(std::unique_ptr<Database> db, std::unique_ptr<TransactionLog> log,
                                                  const NodeOptions& options) {
  if (db->read_only()) return absl::FailedPreconditionError("a cluster node needs its database open for writing");
  std::unique_ptr<Node> node(new Node(std::move(db), std::move(log), options));
  if (absl::Status s = node->CheckPrefixOfLog(); !s.ok()) return s;
  node->follower_ = std::thread([n = node.get()] { n->Follow(); });
  return node;
}

Node::~Node() {
  stopping_ = true;
  if (follower_.joinable()) follower_.join();
}

absl::Status Node::CheckPrefixOfLog() {
  const TransactionInfo local = db_->LastTransaction();
  absl::StatusOr<uint64_t> log_last = log_->LastId();
  if (!log_last.ok()) return log_last.status();
  if (local.id > *log_last) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the database has ", local.id, " transactions but ", log_->description(), " has ", *log_last,
        ": it is not a node of this log (to put a database's history on an empty stream: hindsight cluster init)"));
  }
  if (local.id == 0) return absl::OkStatus();
  absl::StatusOr<std::unique_ptr<LogReader>> reader = log_->Read(local.id);
  if (!reader.ok()) return reader.status();
  absl::StatusOr<LogEntry> entry = (*reader)->Next(absl::Seconds(10));
  if (!entry.ok()) return absl::UnavailableError(absl::StrCat("cannot read entry ", local.id, ": ", entry.status().message()));
  absl::StatusOr<LogRecord> record = DecodeLogRecord(entry->record);
  if (!record.ok() || entry->id != local.id || record->info.time != local.time || record->info.source != local.source) {
    return absl::FailedPreconditionError(absl::StrCat("transaction ", local.id, " of the database is not entry ", local.id,
                                                      " of ", log_->description(),
                                                      ": the database belongs to another log"));
  }
  return absl::OkStatus();
}

absl::Status Node::follower_status() const {
  std::lock_guard lock(follower_mu_);
  return follower_status_;
}

void Node::Follow() {
  std::unique_ptr<LogReader> reader;
  absl::Time last_entry = absl::Now();
  while (!stopping_) {
    const uint64_t applied = db_->LastTransaction().id;
    if (reader == nullptr) {
      absl::StatusOr<std::unique_ptr<LogReader>> opened = log_->Read(applied + 1);
      if (!opened.ok()) {
        absl::SleepFor(kPoll);
        continue;
      }
      reader = *std::move(opened);
      last_entry = absl::Now();
    }
    absl::StatusOr<LogEntry> entry = reader->Next(kPoll);
    if (absl::IsDeadlineExceeded(entry.status())) {
      if (absl::Now() - last_entry < kIdleCheck) continue;
      last_entry = absl::Now();
      absl::StatusOr<uint64_t> log_last = log_->LastId();
      if (log_last.ok() && *log_last > applied) reader.reset();  // entries are there, but not coming
      continue;
    }
    if (!entry.ok()) {
      reader.reset();
      absl::SleepFor(kPoll);
      continue;
    }
    last_entry = absl::Now();
    // This entry and whatever else has arrived, up to a group.
    std::vector<LogEntry> group;
    uint64_t next = applied + 1;
    bool gap = false;
    for (;;) {
      if (entry->id == next) {
        group.push_back(*std::move(entry));
        ++next;
      } else if (entry->id > next) {
        gap = true;
        break;
      }
      if (group.size() >= options_.apply_group) break;
      entry = reader->Next(absl::ZeroDuration());
      if (!entry.ok()) break;
    }
    if (!group.empty()) {
      if (absl::Status s = Apply(group); !s.ok()) {
        std::fprintf(stderr, "hindsight: stopped following %s: %s\n", log_->description().c_str(),
                     std::string(s.message()).c_str());
        std::lock_guard lock(follower_mu_);
        follower_status_ = s;
        return;
      }
    }
    if (gap || (!entry.ok() && !absl::IsDeadlineExceeded(entry.status()))) reader.reset();
  }
}

absl::Status Node::Apply(const std::vector<LogEntry>& entries) {
  std::vector<LogRecord> records;
  records.reserve(entries.size());
  for (const LogEntry& entry : entries) {
    absl::StatusOr<LogRecord> record = DecodeLogRecord(entry.record);
    if (!record.ok()) return absl::DataLossError(absl::StrCat("entry ", entry.id, ": ", record.status().message()));
    if (record->info.id != entry.id) {
      return absl::DataLossError(absl::StrCat("entry ", entry.id, " holds transaction ", record->info.id));
    }
    records.push_back(*std::move(record));
  }
  size_t i = 0;
  size_t committed = 0;
  const absl::Status s = db_->CommitAll(
      [&]() -> absl::StatusOr<const Transaction*> { return i < records.size() ? &records[i++].txn : nullptr; },
      &committed);
  if (!s.ok()) {
    return absl::Status(s.code(), absl::StrCat("entry ", entries.front().id + committed, " cannot be applied: ", s.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<TransactionLog::Appended> Node::AppendRetrying(const std::string& record, uint64_t expected_last,
                                                              absl::Time deadline) {
  const std::string attempt_id = absl::StrCat(attempt_prefix_, ++attempts_);
  for (;;) {
    absl::StatusOr<TransactionLog::Appended> appended = log_->Append(record, expected_last, attempt_id);
    if (!absl::IsUnavailable(appended.status()) || absl::Now() >= deadline) return appended;
    absl::SleepFor(absl::Milliseconds(100));
  }
}

absl::StatusOr<TransactionInfo> Node::Commit(const Transaction& txn) {
  std::lock_guard lock(writer_mu_);
  const absl::Time deadline = absl::Now() + options_.commit_timeout;
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    if (absl::Status s = follower_status(); !s.ok()) return s;
    absl::StatusOr<LogRecord> record = db_->PrepareCommit(txn);
    if (!record.ok()) return record.status();
    const uint64_t expected_last = record->info.id - 1;
    const std::string bytes = EncodeLogRecord(*record);
    if (bytes.size() > log_->max_record_bytes()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the transaction is ", bytes.size(), " bytes as a log record, over the ", log_->max_record_bytes(),
          " bytes ", log_->description(), " takes: split it, or raise the servers' max_payload (docs/cluster.md)"));
    }
    absl::StatusOr<TransactionLog::Appended> appended = AppendRetrying(bytes, expected_last, deadline);
    if (appended.ok()) {
      if (absl::Status s = db_->AwaitTransaction(appended->id, std::max(deadline - absl::Now(), absl::Seconds(1)));
          !s.ok()) {
        return absl::UnavailableError(absl::StrCat("transaction ", appended->id,
                                                   " is in the log but not yet applied on this node: ", s.message()));
      }
      record->info.id = appended->id;
      return record->info;
    }
    if (absl::IsAborted(appended.status())) {  // another node appended first: catch up, validate again
      if (absl::Status s = db_->AwaitTransaction(expected_last + 1, std::max(deadline - absl::Now(), absl::Seconds(1)));
          !s.ok()) {
        return absl::UnavailableError(absl::StrCat("cannot catch up with ", log_->description(), ": ", s.message()));
      }
      continue;
    }
    if (absl::IsUnavailable(appended.status())) {
      return absl::UnavailableError(absl::StrCat(appended.status().message(), " within ",
                                                 absl::FormatDuration(options_.commit_timeout),
                                                 ": the transaction may or may not be committed"));
    }
    return appended.status();
  }
  return absl::AbortedError(absl::StrCat("other nodes appended first ", options_.max_attempts,
                                         " times in a row: the transaction is not committed, try again"));
}

absl::Status Node::CommitAll(const TransactionSource& next, size_t* committed) {
  *committed = 0;
  for (;;) {
    absl::StatusOr<const Transaction*> txn = next();
    if (!txn.ok()) return txn.status();
    if (*txn == nullptr) return absl::OkStatus();
    absl::StatusOr<TransactionInfo> info = Commit(**txn);
    if (!info.ok()) {
      if (!absl::IsInvalidArgument(info.status())) return info.status();
      return absl::InvalidArgumentError(absl::StrCat("transaction ", *committed + 1, ": ", info.status().message()));
    }
    ++*committed;
  }
}

absl::Status Node::BulkLoad(const TransactionSource& next, size_t* loaded) { return CommitAll(next, loaded); }

std::vector<std::pair<std::string, std::string>> StatusRows(const NodeStatus& status) {
  const bool answered = status.log_last.ok();
  std::string state = "following";
  if (!status.follower.ok()) {
    state = absl::StrCat("stopped: ", status.follower.message());
  } else if (!answered) {
    state = absl::StrCat("log unavailable: ", status.log_last.status().message());
  }
  return {{"node", status.name},
          {"applied", absl::StrCat(status.applied)},
          {"log_last", answered ? absl::StrCat(*status.log_last) : ""},
          {"lag", answered && *status.log_last >= status.applied ? absl::StrCat(*status.log_last - status.applied) : ""},
          {"state", state}};
}

NodeStatus Node::Status() {
  return {options_.name, db_->LastTransaction().id, log_->LastId(), follower_status()};
}

}  // namespace hindsight::cluster
