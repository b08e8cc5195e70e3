#include "cluster/node.h"

#include <algorithm>
#include <cstdio>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "cluster/log_prefix.h"
#include "hindsight/log_record.h"

namespace hindsight::cluster {
namespace {

// How long the follower waits for an entry before it looks again whether
// it should stop, and how long it rests after the log failed it.
constexpr absl::Duration kPoll = absl::Milliseconds(200);
// An idle follower asks the log this often whether it missed entries (a
// consumer the servers dropped while they failed over).
constexpr absl::Duration kIdleCheck = absl::Seconds(2);
// How long a follower that is behind waits for the log's next entry before
// it applies the group it has.
constexpr absl::Duration kCatchUpWait = absl::Milliseconds(100);
// How long a follower whose entries the disk has no room for rests before
// it tries them again (the engine asks RocksDB at most once a second
// whether it takes writes again).
constexpr absl::Duration kPauseOnFullDisk = absl::Seconds(1);

// Whether a node whose database failed its check against the log with
// `s` starts anyway and checks again every little while: the log does not
// answer, or it has fewer entries than the database (lost, until the
// stream is re-seeded; or not yet there, as servers restarted together
// catch up).
bool CheckedAgainLater(const absl::Status& s) { return absl::IsUnavailable(s) || absl::IsDataLoss(s); }

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
  if (absl::Status s = node->CheckPrefixOfLog(); CheckedAgainLater(s)) {
    const std::string until = absl::IsUnavailable(s) ? absl::StrCat(node->log_->description(), " does not answer (",
                                                                     s.message(), "): until it does")
                                                     : absl::StrCat(s.message(), ": until then");
    std::fprintf(stderr, "hindsight: %s, reads answer as of this node's transaction %llu and commits fail\n",
                 until.c_str(), static_cast<unsigned long long>(node->db_->LastTransaction().id));
  } else if (!s.ok()) {
    return s;
  }
  node->follower_ = std::thread([n = node.get()] { n->Follow(); });
  return node;
}

Node::~Node() {
  stopping_ = true;
  log_->Close();  // a follower waiting on a log that does not answer stops now
  if (follower_.joinable()) follower_.join();
}

absl::Status Node::CheckPrefixOfLog() {
  absl::StatusOr<std::optional<LogEntry>> entry = cluster::CheckPrefixOfLog(*db_, log_.get());
  // The entry's attempt is noted before commits may name it.
  if (entry.ok() && *entry) NoteApplied((*entry)->id, (*entry)->attempt_id);
  absl::MutexLock lock(&follower_mu_);
  unchecked_ = entry.status();
  return entry.status();
}

bool Node::AwaitPrefixChecked() {
  if (PrefixChecked().ok()) return true;
  for (;;) {
    if (stopping_) return false;
    const absl::Status s = CheckPrefixOfLog();
    if (s.ok()) break;
    if (!CheckedAgainLater(s)) {
      Stop(s);
      return false;
    }
    absl::SleepFor(kPoll);
  }
  std::fprintf(stderr, "hindsight: %s answers: following it from transaction %llu\n", log_->description().c_str(),
               static_cast<unsigned long long>(db_->LastTransaction().id + 1));
  return true;
}

absl::Status Node::PrefixChecked() const {
  absl::MutexLock lock(&follower_mu_);
  if (unchecked_.ok()) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("this node has not reached ", log_->description(),
                                             " since it started (", unchecked_.message(),
                                             "): the transaction is not committed"));
}

void Node::NoteApplied(uint64_t id, const std::string& attempt_id) {
  constexpr size_t kKept = 4096;
  absl::MutexLock lock(&follower_mu_);
  applied_attempts_.emplace_back(id, attempt_id);
  if (applied_attempts_.size() > kKept) applied_attempts_.pop_front();
}

absl::StatusOr<std::string> Node::AttemptOf(uint64_t id) const {
  if (id == 0) return std::string();
  absl::MutexLock lock(&follower_mu_);
  for (auto it = applied_attempts_.rbegin(); it != applied_attempts_.rend(); ++it) {
    if (it->first == id) return it->second;
  }
  return absl::NotFoundError(absl::StrCat("the attempt id of entry ", id, " is not kept"));
}

void Node::Stop(const absl::Status& status) {
  std::fprintf(stderr, "hindsight: stopped following %s: %s\n", log_->description().c_str(),
               std::string(status.message()).c_str());
  absl::MutexLock lock(&follower_mu_);
  if (!follower_status_.ok() && !paused_) return;  // stopped already
  follower_status_ = status;
  paused_ = false;
}

void Node::Pause(const absl::Status& status) {
  absl::MutexLock lock(&follower_mu_);
  if (!follower_status_.ok()) return;
  std::fprintf(stderr, "hindsight: following %s waits for room on the disk: %s\n", log_->description().c_str(),
               std::string(status.message()).c_str());
  follower_status_ = status;
  paused_ = true;
}

void Node::Resume() {
  absl::MutexLock lock(&follower_mu_);
  if (!paused_) return;
  std::fprintf(stderr, "hindsight: following %s again\n", log_->description().c_str());
  follower_status_ = absl::OkStatus();
  paused_ = false;
}

absl::Status Node::follower_status() const {
  absl::MutexLock lock(&follower_mu_);
  return follower_status_;
}

void Node::Follow() {
  if (!AwaitPrefixChecked()) return;
  std::unique_ptr<LogReadAhead> reader;
  absl::Time last_entry = absl::Now();
  const auto going = [this] {
    absl::MutexLock lock(&follower_mu_);
    return follower_status_.ok() || paused_;
  };
  while (!stopping_ && going()) {
    const uint64_t applied = db_->LastTransaction().id;
    if (reader == nullptr) {
      // A log trimmed past this node while it was away or behind: what it
      // lacks is gone (a reader would start past it).
      if (absl::Status s = CheckNotTrimmedPast(log_.get(), applied); absl::IsFailedPrecondition(s)) return Stop(s);
      absl::StatusOr<std::unique_ptr<LogReader>> opened = log_->Read(applied + 1);
      if (!opened.ok()) {
        absl::SleepFor(kPoll);
        continue;
      }
      reader = std::make_unique<LogReadAhead>(*std::move(opened));
      last_entry = absl::Now();
    }
    absl::StatusOr<DecodedEntry> entry = reader->Next(kPoll);
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
    bool reopen = false;
    const absl::Status applied_status = ApplyGroup(*std::move(entry), applied + 1, reader.get(), &reopen);
    if (absl::IsResourceExhausted(applied_status)) {  // the disk is full: the same entries again, later
      Pause(applied_status);
      reader.reset();
      absl::SleepFor(kPauseOnFullDisk);
      continue;
    }
    if (!applied_status.ok()) return Stop(applied_status);
    Resume();
    if (reopen) reader.reset();
  }
}

Node::GroupOfEntries::GroupOfEntries(DecodedEntry first, uint64_t next, LogReadAhead* reader,
                                     const NodeOptions& options)
    : entry_(std::move(first)), next_(next), reader_(reader), options_(options) {}

DecodedEntry* Node::GroupOfEntries::Next() {
  while (!done_) {
    if (!have_entry_) {
      if (taken_ >= options_.apply_group || bytes_ >= options_.apply_group_bytes) break;
      // While the log holds more, the next entry is worth a short wait.
      absl::StatusOr<DecodedEntry> entry = reader_->Next(more_in_log_ ? kCatchUpWait : absl::ZeroDuration());
      if (!entry.ok()) {
        reopen_ = !absl::IsDeadlineExceeded(entry.status());
        break;
      }
      entry_ = *std::move(entry);
    }
    have_entry_ = false;
    more_in_log_ = entry_.entry.later > 0;
    if (entry_.entry.id > next_) {  // a gap: read again from a new reader
      reopen_ = true;
      break;
    }
    if (entry_.entry.id < next_) continue;  // applied already
    ++next_;
    ++taken_;
    bytes_ += entry_.bytes;
    return &entry_;
  }
  done_ = true;
  return nullptr;
}

absl::Status Node::ApplyGroup(DecodedEntry first, uint64_t next, LogReadAhead* reader, bool* reopen) {
  const uint64_t first_id = next;
  GroupOfEntries group(std::move(first), next, reader, options_);
  absl::StatusOr<std::string> previous = AttemptOf(first_id - 1);
  absl::Status damaged;  // an entry that cannot be applied
  // Each entry checked as the planner asks for it.
  const auto next_entry = [&]() -> absl::StatusOr<const Transaction*> {
    DecodedEntry* decoded = group.Next();
    if (decoded == nullptr) return nullptr;
    const LogEntry& entry = decoded->entry;
    // A node that restarted does not know the attempt before its first
    // entry; the start-up check compared that entry itself.
    if (previous.ok() && entry.id > 1 && entry.previous_attempt_id != *previous) {
      return damaged = absl::DataLossError(absl::StrCat(
          "entry ", entry.id, " of the log follows an entry ", entry.id - 1,
          " this node does not have: it applied an entry the log did not keep (a NATS server delivered it around "
          "a leader change); re-seed this node from another node's checkpoint or an empty directory "
          "(docs/cluster.md)"));
    }
    if (!decoded->record.ok()) {
      return damaged = absl::DataLossError(absl::StrCat("entry ", entry.id, ": ", decoded->record.status().message()));
    }
    if (decoded->record->info.id != entry.id) {
      return damaged =
                 absl::DataLossError(absl::StrCat("entry ", entry.id, " holds transaction ", decoded->record->info.id));
    }
    // Noted before it is written: a commit planned on the new last
    // transaction names it. (If the group fails, the node stops, or pauses
    // and applies the same entries again.)
    NoteApplied(entry.id, entry.attempt_id);
    previous = entry.attempt_id;
    return &decoded->record->txn;
  };
  size_t committed = 0;
  const absl::Status s = db_->CommitAll(next_entry, &committed);
  *reopen = group.reopen();
  if (s.ok() || !damaged.ok()) return s;
  return absl::Status(s.code(), absl::StrCat("entry ", first_id + committed, " cannot be applied: ", s.message()));
}

absl::Status Node::AppendGroup(const std::vector<std::string>& records, uint64_t expected_last,
                               const std::string& expected_attempt, const std::vector<std::string>& attempt_ids,
                               absl::Time deadline, size_t* stored, bool* lost_answer) {
  *stored = 0;
  for (;;) {
    const std::vector<std::string> rest(records.begin() + *stored, records.end());
    const std::vector<std::string> rest_ids(attempt_ids.begin() + *stored, attempt_ids.end());
    const std::vector<absl::StatusOr<TransactionLog::Appended>> answers = log_->AppendAll(
        rest, expected_last + *stored, *stored == 0 ? expected_attempt : attempt_ids[*stored - 1], rest_ids, deadline);
    // Each record names the one before it: one the log took means all
    // before it are in too, answered or not. A record the log says it
    // stored elsewhere than after the one before it (a server that had lost
    // entries took it) is not vouched for: its outcome is unknown.
    size_t in_log = 0;
    for (size_t i = 0; i < answers.size(); ++i) {
      if (!answers[i].ok()) continue;
      if (answers[i]->id != expected_last + *stored + i + 1) {
        const uint64_t assumed = expected_last + *stored + i + 1;
        *stored += in_log;
        *lost_answer = true;
        return absl::UnavailableError(absl::StrCat("the log stored a record as entry ", answers[i]->id,
                                                   ", not as entry ", assumed));
      }
      in_log = i + 1;
    }
    for (size_t i = in_log; i < answers.size(); ++i) *lost_answer |= absl::IsUnavailable(answers[i].status());
    *stored += in_log;
    if (*stored == records.size()) return absl::OkStatus();
    const absl::Status refused = answers[in_log].status();
    const uint64_t next = expected_last + *stored + 1;
    if (absl::IsAborted(refused)) {
      if (absl::Status s = CheckLogNotBehind(next - 1); !s.ok()) return s;
    }
    // After an unanswered append, a retry can be refused because the first
    // one is in the log: then the log's next entry is it.
    // (Refused, the log answered: the entry is on its way to this node.)
    const absl::Duration left = deadline - absl::Now();
    const absl::Duration wait = absl::IsAborted(refused) ? std::max(left, absl::Seconds(1))
                                                         : std::clamp(left, absl::ZeroDuration(), absl::Seconds(1));
    if ((absl::IsAborted(refused) || absl::IsUnavailable(refused)) && AppliedAs(next, attempt_ids[*stored], wait)) {
      ++*stored;
      continue;
    }
    if (!absl::IsUnavailable(refused) || absl::Now() >= deadline) return refused;
    absl::SleepFor(std::min(absl::Milliseconds(100), deadline - absl::Now()));
  }
}

absl::Status Node::CheckLogNotBehind(uint64_t applied) {
  absl::StatusOr<uint64_t> log_last = log_->LastId();
  if (!log_last.ok() || *log_last >= applied) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat(
      log_->description(), " has ", *log_last, " entries but this node applied ", applied,
      ": the NATS servers lost entries they had acknowledged; re-seed the stream from a node (docs/cluster.md)"));
}

bool Node::AppliedAs(uint64_t id, const std::string& attempt_id, absl::Duration wait) {
  if (!db_->AwaitTransaction(id, wait).ok()) return false;
  absl::StatusOr<std::string> applied = AttemptOf(id);
  return applied.ok() && *applied == attempt_id;
}

// A Commit call's transaction, and what became of it.
struct Node::CommitRequest {
  const Transaction* txn;
  absl::StatusOr<TransactionInfo> result = absl::UnknownError("not committed");
};

absl::StatusOr<TransactionInfo> Node::Commit(const Transaction& txn) {
  // The first of the calls queued appends their transactions one after
  // another and waits for them together.
  CommitRequest request{&txn};
  commit_queue_.Run(&request, [this](const std::vector<CommitRequest*>& group) { CommitGroup(group); });
  return request.result;
}

void Node::CommitGroup(const std::vector<CommitRequest*>& requests) {
  const absl::Time deadline = absl::Now() + options_.commit_timeout;
  GroupInFlight group(this, requests);
  for (int attempt = 0; attempt < options_.max_attempts && !group.done(); ++attempt) {
    if (absl::Status s = follower_status(); !s.ok()) return group.AnswerAll(s);
    if (absl::Status s = PrefixChecked(); !s.ok()) return group.AnswerAll(s);
    group.AnswerApplied();
    if (group.done()) return;
    const std::vector<Prepared> prepared = Prepare(group.waiting());
    if (prepared.empty()) continue;  // all rejected, or one too large
    const absl::Status refused = AppendAttempt(prepared, deadline, &group);
    if (refused.ok() || PauseToRetry(refused, attempt)) continue;
    return group.AnswerAll(refused);  // says "may or may not" of the appends it sent
  }
  if (group.done()) return;
  if (absl::Status s = follower_status(); !s.ok()) return group.AnswerAll(s);
  group.AnswerAll(absl::AbortedError(absl::StrCat("other nodes appended first ", options_.max_attempts,
                                                  " times in a row: the transaction is not committed, try again")));
}

absl::Status Node::AppendAttempt(const std::vector<Prepared>& prepared, absl::Time deadline, GroupInFlight* group) {
  // Appended in order, each naming the one before it; the first follows
  // the last entry applied here.
  const uint64_t expected_last = prepared.front().id - 1;
  absl::StatusOr<std::string> expected_attempt = AttemptOf(expected_last);
  if (!expected_attempt.ok()) return expected_attempt.status();
  std::vector<std::string> records;
  for (const Prepared& p : prepared) records.push_back(p.record);
  const std::vector<std::string> attempt_ids = group->Send(prepared);
  size_t stored = 0;
  bool lost_answer = false;
  const absl::Status refused =
      AppendGroup(records, expected_last, *expected_attempt, attempt_ids, deadline, &stored, &lost_answer);
  if (lost_answer) {
    for (size_t k = stored; k < prepared.size(); ++k) group->MayBeStored(prepared[k].request);
  }
  if (stored > 0) group->AnswerStored(prepared, attempt_ids, expected_last, stored, deadline);
  return refused;
}

bool Node::PauseToRetry(const absl::Status& refused, int attempt) {
  if (absl::IsAborted(refused)) {
    // Another node appended first (and this one has applied it). Nodes
    // that lost together would race again at once: a random pause,
    // longer after each loss, spreads them out.
    absl::SleepFor(absl::Microseconds(absl::Uniform(rng_, 0, 500 * (attempt + 1))));
    return true;
  }
  if (absl::IsFailedPrecondition(refused)) {
    // The log's entry before the group is not the one applied here: a
    // server that lost its leadership may still answer for a moment, or
    // this node applied an entry the log did not keep, and then the
    // follower stops the node when the next entry arrives.
    absl::SleepFor(absl::Milliseconds(50 * (attempt + 1)));
    if (attempt + 1 == options_.max_attempts) {
      Stop(absl::DataLossError(
          absl::StrCat(refused.message(), ": this node's history is not the log's; re-seed it (docs/cluster.md)")));
    }
    return true;
  }
  return false;
}

absl::Status Node::MayOrMayNot(const absl::Status& status) const {
  return absl::UnavailableError(absl::StrCat(status.message(), " (within ",
                                             absl::FormatDuration(options_.commit_timeout),
                                             "): the transaction may or may not be committed"));
}

Node::GroupInFlight::GroupInFlight(Node* node, const std::vector<CommitRequest*>& group)
    : node_(node), waiting_(group), scanned_(node->db_->LastTransaction().id) {}

std::vector<std::string> Node::GroupInFlight::Send(const std::vector<Prepared>& prepared) {
  std::vector<std::string> attempt_ids;
  for (const Prepared& p : prepared) {
    attempt_ids.push_back(absl::StrCat(node_->attempt_prefix_, ++node_->attempts_));
    sent_[attempt_ids.back()] = p.request;
  }
  return attempt_ids;
}

void Node::GroupInFlight::Answer(CommitRequest* request, absl::StatusOr<TransactionInfo> result) {
  request->result = std::move(result);
  waiting_.erase(std::find(waiting_.begin(), waiting_.end(), request));
}

void Node::GroupInFlight::AnswerStored(const std::vector<Prepared>& prepared,
                                       const std::vector<std::string>& attempt_ids, uint64_t expected_last,
                                       size_t stored, absl::Time deadline) {
  const absl::Status applied =
      node_->db_->AwaitTransaction(expected_last + stored, std::max(deadline - absl::Now(), absl::Seconds(1)));
  for (size_t k = 0; k < stored; ++k) {
    const uint64_t id = expected_last + 1 + k;
    if (!applied.ok()) {
      Answer(prepared[k].request, absl::UnavailableError(absl::StrCat(
                                      "transaction ", id, " is in the log but not yet applied on this node: ",
                                      applied.message())));
    } else if (absl::StatusOr<std::string> kept = node_->AttemptOf(id); kept.ok() && *kept == attempt_ids[k]) {
      Answer(prepared[k].request, node_->db_->GetTransaction(id));
    } else {
      Answer(prepared[k].request,
             node_->MayOrMayNot(absl::UnavailableError(
                 absl::StrCat("the stream acknowledged the transaction as entry ", id, " but holds another there"))));
    }
  }
  scanned_ = std::max(scanned_, expected_last + stored);
}

void Node::GroupInFlight::AnswerApplied() {
  const uint64_t last = node_->db_->LastTransaction().id;
  for (uint64_t id = scanned_ + 1; id <= last; ++id) {
    absl::StatusOr<std::string> attempt = node_->AttemptOf(id);
    if (!attempt.ok()) continue;
    const auto it = sent_.find(*attempt);
    if (it == sent_.end()) continue;
    if (std::find(waiting_.begin(), waiting_.end(), it->second) != waiting_.end()) {
      Answer(it->second, node_->db_->GetTransaction(id));
    }
  }
  scanned_ = std::max(scanned_, last);
}

void Node::GroupInFlight::AnswerAll(const absl::Status& status) {
  AnswerApplied();
  if (!absl::IsAborted(status) && !absl::IsInvalidArgument(status)) {
    for (const auto& [attempt_id, request] : sent_) uncertain_.insert(request);
  }
  for (CommitRequest* r : waiting_) {
    r->result = uncertain_.contains(r) ? node_->MayOrMayNot(status) : status;
  }
  waiting_.clear();
}

std::vector<Node::Prepared> Node::Prepare(std::vector<CommitRequest*>* waiting) {
  std::vector<const Transaction*> txns;
  for (CommitRequest* r : *waiting) txns.push_back(r->txn);
  std::vector<absl::StatusOr<LogRecord>> records = db_->PrepareCommits(txns);
  std::vector<Prepared> prepared;
  std::vector<CommitRequest*> still_waiting;
  for (size_t i = 0; i < records.size(); ++i) {
    CommitRequest* r = (*waiting)[i];
    if (!records[i].ok()) {
      r->result = records[i].status();
      continue;
    }
    std::string bytes = EncodeLogRecord(*records[i]);
    if (bytes.size() > log_->max_record_bytes()) {
      r->result = absl::InvalidArgumentError(absl::StrCat(
          "the transaction is ", bytes.size(), " bytes as a log record, over the ", log_->max_record_bytes(),
          " bytes ", log_->description(), " takes: split it, or raise the servers' max_payload (docs/cluster.md)"));
      // The ones after it were numbered as if it would be appended.
      for (size_t j = i + 1; j < records.size(); ++j) still_waiting.push_back((*waiting)[j]);
      break;
    }
    prepared.push_back({r, std::move(bytes), records[i]->info.id});
    still_waiting.push_back(r);
  }
  *waiting = std::move(still_waiting);
  return prepared;
}

absl::Status Node::CommitAll(const TransactionSource& next, SourceCalls /*calls*/, size_t* committed) {
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

absl::Status Node::BulkLoad(const TransactionSource& next, SourceCalls calls, size_t* loaded) {
  return CommitAll(next, calls, loaded);
}

std::vector<std::pair<std::string, std::string>> StatusRows(const NodeStatus& status) {
  const bool answered = status.log_last.ok() && status.log_first.ok();
  std::string state = "following";
  if (!status.follower.ok()) {
    state = absl::StrCat("stopped: ", status.follower.message());
  } else if (!answered) {
    const absl::Status& why = status.log_last.ok() ? status.log_first.status() : status.log_last.status();
    state = absl::StrCat("log unavailable: ", why.message());
  } else if (*status.log_last < status.applied) {
    state = "ahead of the log: the stream reports fewer entries than this node applied";
  }
  return {
      {"node", status.name},
      {"applied", absl::StrCat(status.applied)},
      {"log_first", answered ? absl::StrCat(*status.log_first) : ""},
      {"log_last", answered ? absl::StrCat(*status.log_last) : ""},
      {"lag", answered && *status.log_last >= status.applied ? absl::StrCat(*status.log_last - status.applied) : ""},
      {"state", state}};
}

NodeStatus Node::Status() {
  // A log that does not answer is asked once: each request waits out its
  // timeout.
  absl::StatusOr<uint64_t> last = log_->LastId();
  absl::StatusOr<uint64_t> first = last.ok() ? log_->FirstId() : last.status();
  return {options_.name, db_->LastTransaction().id, std::move(first), std::move(last), follower_status()};
}

}  // namespace hindsight::cluster
