#include "cluster/node.h"

#include <algorithm>
#include <cstdio>

#include "absl/random/distributions.h"
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
  NoteApplied(entry->id, entry->attempt_id);
  return absl::OkStatus();
}

void Node::NoteApplied(uint64_t id, const std::string& attempt_id) {
  constexpr size_t kKept = 4096;
  std::lock_guard lock(follower_mu_);
  applied_attempts_.emplace_back(id, attempt_id);
  if (applied_attempts_.size() > kKept) applied_attempts_.pop_front();
}

absl::StatusOr<std::string> Node::AttemptOf(uint64_t id) const {
  if (id == 0) return std::string();
  std::lock_guard lock(follower_mu_);
  for (auto it = applied_attempts_.rbegin(); it != applied_attempts_.rend(); ++it) {
    if (it->first == id) return it->second;
  }
  return absl::NotFoundError(absl::StrCat("the attempt id of entry ", id, " is not kept"));
}

void Node::Stop(const absl::Status& status) {
  std::fprintf(stderr, "hindsight: stopped following %s: %s\n", log_->description().c_str(),
               std::string(status.message()).c_str());
  std::lock_guard lock(follower_mu_);
  if (follower_status_.ok()) follower_status_ = status;
}

absl::Status Node::follower_status() const {
  std::lock_guard lock(follower_mu_);
  return follower_status_;
}

void Node::Follow() {
  std::unique_ptr<LogReader> reader;
  absl::Time last_entry = absl::Now();
  while (!stopping_ && follower_status().ok()) {
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
      if (absl::Status s = Apply(group); !s.ok()) return Stop(s);
    }
    if (gap || (!entry.ok() && !absl::IsDeadlineExceeded(entry.status()))) reader.reset();
  }
}

absl::Status Node::Apply(const std::vector<LogEntry>& entries) {
  absl::StatusOr<std::string> previous = AttemptOf(entries.front().id - 1);
  std::vector<LogRecord> records;
  records.reserve(entries.size());
  for (const LogEntry& entry : entries) {
    // A node that restarted does not know the attempt before its first
    // entry; the start-up check compared that entry itself.
    if (previous.ok() && entry.id > 1 && entry.previous_attempt_id != *previous) {
      return absl::DataLossError(absl::StrCat(
          "entry ", entry.id, " of the log follows an entry ", entry.id - 1,
          " this node does not have: it applied an entry the log did not keep (a NATS server delivered it around a "
          "leader change); re-seed this node from another node's checkpoint or an empty directory (docs/cluster.md)"));
    }
    previous = entry.attempt_id;
    absl::StatusOr<LogRecord> record = DecodeLogRecord(entry.record);
    if (!record.ok()) return absl::DataLossError(absl::StrCat("entry ", entry.id, ": ", record.status().message()));
    if (record->info.id != entry.id) {
      return absl::DataLossError(absl::StrCat("entry ", entry.id, " holds transaction ", record->info.id));
    }
    records.push_back(*std::move(record));
  }
  // Noted first: a commit planned on the new last transaction names it.
  // (If the group fails, the node stops.)
  for (const LogEntry& entry : entries) NoteApplied(entry.id, entry.attempt_id);
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
                                                              const std::string& attempt_id, absl::Time deadline) {
  absl::StatusOr<std::string> expected_attempt = AttemptOf(expected_last);
  if (!expected_attempt.ok()) return expected_attempt.status();
  for (;;) {
    absl::StatusOr<TransactionLog::Appended> appended =
        log_->Append(record, expected_last, *expected_attempt, attempt_id);
    if (!absl::IsUnavailable(appended.status()) || absl::Now() >= deadline) return appended;
    absl::SleepFor(absl::Milliseconds(100));
  }
}

absl::Status Node::CheckLogNotBehind(uint64_t applied) {
  absl::StatusOr<uint64_t> log_last = log_->LastId();
  if (!log_last.ok() || *log_last >= applied) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      log_->description(), " has ", *log_last, " entries but this node applied ", applied,
      ": the NATS servers lost entries they had acknowledged; re-seed the stream from a node (docs/cluster.md)"));
}

bool Node::AppliedAs(uint64_t id, const std::string& attempt_id, absl::Duration wait) {
  if (!db_->AwaitTransaction(id, wait).ok()) return false;
  absl::StatusOr<std::string> applied = AttemptOf(id);
  return applied.ok() && *applied == attempt_id;
}

absl::StatusOr<TransactionInfo> Node::Commit(const Transaction& txn) {
  std::lock_guard lock(writer_mu_);
  const absl::Time deadline = absl::Now() + options_.commit_timeout;
  const auto time_left = [&] { return std::max(deadline - absl::Now(), absl::Seconds(1)); };
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
    const std::string attempt_id = absl::StrCat(attempt_prefix_, ++attempts_);
    absl::StatusOr<TransactionLog::Appended> appended = AppendRetrying(bytes, expected_last, attempt_id, deadline);
    if (absl::IsAborted(appended.status())) {
      if (absl::Status s = CheckLogNotBehind(expected_last); !s.ok()) return s;
    }
    // After an unanswered append, a retry can be refused because the first
    // one is in the log: then the entry after expected_last is this one.
    if ((absl::IsAborted(appended.status()) && AppliedAs(expected_last + 1, attempt_id, time_left())) ||
        (absl::IsUnavailable(appended.status()) && AppliedAs(expected_last + 1, attempt_id, absl::Seconds(1)))) {
      appended = TransactionLog::Appended{expected_last + 1, true};
    }
    if (appended.ok()) {
      if (absl::Status s = db_->AwaitTransaction(appended->id, time_left()); !s.ok()) {
        return absl::UnavailableError(absl::StrCat("transaction ", appended->id,
                                                   " is in the log but not yet applied on this node: ", s.message()));
      }
      record->info.id = appended->id;
      return record->info;
    }
    if (absl::IsAborted(appended.status())) {
      // Another node appended first (and this one has applied it). Nodes
      // that lost together would race again at once: a random pause,
      // longer after each loss, spreads them out.
      absl::SleepFor(absl::Microseconds(absl::Uniform(rng_, 0, 500 * (attempt + 1))));
      continue;
    }
    if (absl::IsFailedPrecondition(appended.status())) {
      // The log's entry `expected_last` is not the one applied here: a
      // server that lost its leadership may still answer for a moment, or
      // this node applied an entry the log did not keep, and then the
      // follower stops the node when the next entry arrives.
      absl::SleepFor(absl::Milliseconds(50 * (attempt + 1)));
      if (attempt + 1 == options_.max_attempts) {
        Stop(absl::DataLossError(absl::StrCat(appended.status().message(),
                                              ": this node's history is not the log's; re-seed it (docs/cluster.md)")));
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
  if (absl::Status s = follower_status(); !s.ok()) return s;
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
  } else if (*status.log_last < status.applied) {
    state = "ahead of the log: the stream reports fewer entries than this node applied";
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
