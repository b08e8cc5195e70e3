// A node of a Hindsight cluster (docs/cluster.md): a local database that is
// an index of a shared transaction log. A background thread follows the log
// and commits each entry, in order, through the database's own commit
// planner; entry N becomes transaction N, and the database's last
// transaction id, written in the same batch as the transaction's changes,
// is how far the node has applied. Commits go through the log: validated
// here, appended if no other node appended first, and returned once this
// node has applied them. Reads are the local database's.
//
// Each entry names the entry before it (the append that stored it), and
// the log checks that name at the append, so every entry the log keeps was
// validated against the log's own history. A node that has applied an
// entry the log did not keep (a NATS server can deliver one, around a
// leader change) sees a predecessor it does not have, and stops with
// DataLoss rather than go on with another history: re-seed it
// (docs/cluster.md).
#ifndef HINDSIGHT_CLUSTER_NODE_H_
#define HINDSIGHT_CLUSTER_NODE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cluster/log_read_ahead.h"
#include "cluster/transaction_log.h"
#include "hindsight/db.h"
#include "util/group_queue.h"

namespace hindsight::cluster {

struct NodeOptions {
  // Names this node in append attempt ids and in its status.
  std::string name = "node";
  // A commit that loses the race to append this many times in a row (other
  // nodes appended first each time) fails with Aborted.
  int max_attempts = 32;
  // A commit the log has not acknowledged (or this node not applied) by
  // then fails with Unavailable: it may or may not be in the log.
  absl::Duration commit_timeout = absl::Seconds(10);
  // The most log entries, and about the most bytes of their records, the
  // node applies as one group (one write batch and one sync, or table files
  // ingested at once).
  size_t apply_group = 65536;
  size_t apply_group_bytes = size_t{256} << 20;
};

// What `hindsight status` and SHOW hindsight_status report of a node.
struct NodeStatus {
  std::string name;
  uint64_t applied = 0;                // the last transaction applied here
  absl::StatusOr<uint64_t> log_first;  // the log's first entry (1 unless trimmed), if it answered
  absl::StatusOr<uint64_t> log_last;   // the log's last entry, if it answered
  absl::Status follower = absl::OkStatus();  // why the node stopped following, if it did
};

// `status` as the columns of one row: node, applied, log_first (from which
// entry a node on an empty directory could replay the log: 1 unless it was
// trimmed), log_last, lag (log_last - applied) and state ("following", or
// why it stopped; the log's error when it did not answer, then log_first,
// log_last and lag are empty).
std::vector<std::pair<std::string, std::string>> StatusRows(const NodeStatus& status);

class Node final : public Database {
 public:
  // Starts a node over `db`, which from now on only this node writes, and
  // `log`. The database must hold a prefix of the log: FailedPrecondition
  // when it has transactions and the log is empty, or a transaction that
  // differs from the log's entry of the same id (another cluster's, or one
  // written beside the cluster). When the log cannot be read, or has fewer
  // entries than the database (its servers lost entries they had
  // acknowledged, until an operator re-seeds the stream), the node starts
  // all the same: it answers reads from the database, fails commits with
  // Unavailable (nothing committed), and checks the database against the
  // log every little while, then follows it, or stops with the
  // FailedPrecondition above.
  static absl::StatusOr<std::unique_ptr<Node>> Start(std::unique_ptr<Database> db, std::unique_ptr<TransactionLog> log,
                                                     const NodeOptions& options);
  ~Node() override;  // stops following

  // Validates `txn` against this node's last applied transaction H, appends
  // its record to the log as entry H+1, and returns once this node has
  // applied it. When another node appended first, waits until this node has
  // applied that entry and tries again. Concurrent calls are appended one
  // after another by the first of them, and wait for their apply together. Errors: Commit's own (nothing
  // appended); InvalidArgument when the record is over the log's record
  // limit (nothing appended); Aborted after NodeOptions::max_attempts lost
  // races; Unavailable when the log did not acknowledge in time (the commit
  // may or may not be in the log), or when the node has not reached the log
  // since it started (not committed); the follower's error when it stopped.
  absl::StatusOr<TransactionInfo> Commit(const Transaction& txn) override;
  // One Commit per transaction (a cluster commits through its log), each
  // call of the source in turn.
  using Database::BulkLoad;
  using Database::CommitAll;
  absl::Status CommitAll(const TransactionSource& next, SourceCalls calls, size_t* committed) override;
  absl::Status BulkLoad(const TransactionSource& next, SourceCalls calls, size_t* loaded) override;

  std::vector<absl::StatusOr<LogRecord>> PrepareCommits(const std::vector<const Transaction*>& txns) override {
    return db_->PrepareCommits(txns);
  }
  absl::Status AwaitTransaction(uint64_t id, absl::Duration timeout,
                                const std::atomic<bool>* cancel = nullptr) const override {
    return db_->AwaitTransaction(id, timeout, cancel);
  }
  absl::Status Scan(const struct Query& query, const RowSink& sink) const override { return db_->Scan(query, sink); }
  absl::Status ScanHistory(const Pattern& pattern, const HistorySink& sink) const override {
    return db_->ScanHistory(pattern, sink);
  }
  absl::Status ScanHistoryChanged(const Pattern& pattern, Instant after, Instant through,
                                  const HistorySink& sink) const override {
    return db_->ScanHistoryChanged(pattern, after, through, sink);
  }
  absl::Status ScanLog(uint64_t first_id,
                       const std::function<bool(const TransactionInfo&, const Transaction&)>& sink) const override {
    return db_->ScanLog(first_id, sink);
  }
  absl::Status ListTransactions(uint64_t first_id,
                                const std::function<bool(const TransactionInfo&)>& sink) const override {
    return db_->ListTransactions(first_id, sink);
  }
  absl::Status Compact() override { return db_->Compact(); }
  absl::StatusOr<CheckReport> Check(const std::function<void(const CheckProgress&)>& progress) const override {
    return db_->Check(progress);
  }
  absl::StatusOr<uint64_t> Checkpoint(const std::string& dir) override { return db_->Checkpoint(dir); }
  absl::StatusOr<std::vector<std::string>> NamesWithPrefix(const std::string& prefix, size_t limit) const override {
    return db_->NamesWithPrefix(prefix, limit);
  }
  absl::StatusOr<TransactionInfo> GetTransaction(uint64_t id) const override { return db_->GetTransaction(id); }
  TransactionInfo LastTransaction() const override { return db_->LastTransaction(); }
  bool read_only() const override { return false; }
  absl::Status WriteRefusal() const override { return absl::OkStatus(); }
  absl::Status CatchUp() override { return absl::OkStatus(); }

  // This node's state; asks the log for its last entry and, if the log
  // answered, its first (two requests; one when the log does not answer,
  // which takes JetStreamOptions::request_timeout).
  NodeStatus Status();

 private:
  Node(std::unique_ptr<Database> db, std::unique_ptr<TransactionLog> log, const NodeOptions& options);
  // The follower thread: reads the log from the entry after the last
  // applied one and applies what arrives, until stopped or an entry fails;
  // an entry the disk has no room for is tried again (Pause) until it has.
  void Follow();
  // The entries of one group to apply, taken from `reader` as they are
  // asked for, so that the later ones arrive while the earlier are
  // planned: `first` and the entries after it, from entry `next` on,
  // while the log holds more (each waited for briefly) or they have
  // arrived, up to NodeOptions::apply_group entries or apply_group_bytes.
  // Entries before `next` are skipped; at a gap, or when the reader fails,
  // the group ends and reopen() asks for a new reader.
  class GroupOfEntries {
   public:
    GroupOfEntries(DecodedEntry first, uint64_t next, LogReadAhead* reader, const NodeOptions& options);
    // The group's next entry, valid until the next call; nullptr at its end.
    DecodedEntry* Next();
    bool reopen() const { return reopen_; }

   private:
    DecodedEntry entry_;  // the entry read last
    bool have_entry_ = true;  // entry_ is not handed out or skipped yet
    bool more_in_log_ = false;
    bool done_ = false;
    bool reopen_ = false;
    uint64_t next_;
    size_t taken_ = 0, bytes_ = 0;
    LogReadAhead* const reader_;
    const NodeOptions& options_;
  };
  // Applies the group of entries that starts with `first` (see
  // GroupOfEntries), consecutive from `next`, the one after the last
  // applied, as one CommitAll. An error here stops the follower.
  absl::Status ApplyGroup(DecodedEntry first, uint64_t next, LogReadAhead* reader, bool* reopen);
  struct CommitRequest;
  // A transaction's record, ready to append as entry `id`.
  struct Prepared {
    CommitRequest* request;
    std::string record;
    uint64_t id;
  };
  // Appends the transactions of `requests` (Commit calls queued together),
  // one after another, and answers each request.
  void CommitGroup(const std::vector<CommitRequest*>& requests);
  // The records of the `*waiting` requests, numbered from the entry after
  // the last applied one. Answers the rejected requests and drops them
  // from `*waiting`; after a record too large for the log, returns only
  // the ones before it (the rest stay waiting, to be numbered again).
  std::vector<Prepared> Prepare(std::vector<CommitRequest*>* waiting);
  // Appends `records` as TransactionLog::AppendAll does, retrying the
  // unanswered ones with the same attempt ids until `deadline`. Sets
  // `*stored` to how many of them, from the first, are in the log; returns
  // why the next one is not (OK when all are).
  absl::Status AppendGroup(const std::vector<std::string>& records, uint64_t expected_last,
                           const std::string& expected_attempt, const std::vector<std::string>& attempt_ids,
                           absl::Time deadline, size_t* stored, bool* lost_answer);
  // A group's requests while they are appended: which are still
  // unanswered, and the attempts made for them (an attempt whose
  // answer was lost can still be in the log, and then it is that
  // request's commit).
  class GroupInFlight {
   public:
    GroupInFlight(Node* node, const std::vector<CommitRequest*>& group);
    std::vector<CommitRequest*>* waiting() { return &waiting_; }
    bool done() const { return waiting_.empty(); }
    // New attempt ids for `prepared`, noted as sent.
    std::vector<std::string> Send(const std::vector<Prepared>& prepared);
    // Notes that `request` may be in the log though its append failed.
    void MayBeStored(CommitRequest* request) { uncertain_.insert(request); }
    // Answers the first `stored` of `prepared`, entries from
    // `expected_last` + 1 on, once the node has applied them, each by
    // whether the entry applied is the one its attempt `attempt_ids[k]`
    // appended (a server that acknowledged a record and then lost its
    // leadership can have it replaced by another).
    void AnswerStored(const std::vector<Prepared>& prepared, const std::vector<std::string>& attempt_ids,
                      uint64_t expected_last, size_t stored, absl::Time deadline);
    // Answers the requests an earlier attempt put in the log (its answer
    // lost), as the node has applied them.
    void AnswerApplied();
    // Answers every waiting request with `status`, but those an attempt
    // may have put in the log: they may or may not be committed. Only a
    // lost race (Aborted) or a refused record says a sent one is not;
    // after any other failure (the stream lost entries, the node stopped)
    // a node that applied the entry may be the one the stream is re-seeded
    // from.
    void AnswerAll(const absl::Status& status);

   private:
    void Answer(CommitRequest* request, absl::StatusOr<TransactionInfo> result);

    Node* const node_;
    std::vector<CommitRequest*> waiting_;                     // not yet answered
    absl::flat_hash_map<std::string, CommitRequest*> sent_;  // attempt id -> request
    absl::flat_hash_set<CommitRequest*> uncertain_;           // an attempt of theirs may be in the log
    uint64_t scanned_;                                        // entries looked at for them
  };
  // One attempt to append the `prepared` requests of `group`, as the
  // entries after the last one applied here; returns why not all were
  // appended (OK when all were), having answered those that were.
  absl::Status AppendAttempt(const std::vector<Prepared>& prepared, absl::Time deadline, GroupInFlight* group);
  // After an attempt refused with `refused`: pauses and returns true when
  // the group may try again (it lost a race to another node, or the log's
  // last entry was not the one applied here), false otherwise.
  bool PauseToRetry(const absl::Status& refused, int attempt);
  // `status` (why a commit was not acknowledged) as Unavailable: the
  // transaction may or may not be committed.
  absl::Status MayOrMayNot(const absl::Status& status) const;
  // DataLoss when the log has fewer entries than `applied`.
  absl::Status CheckLogNotBehind(uint64_t applied);
  // Whether this node applies entry `id` within `wait`, and it is the one
  // `attempt_id` appended.
  bool AppliedAs(uint64_t id, const std::string& attempt_id, absl::Duration wait);
  absl::Status follower_status() const;
  // cluster::CheckPrefixOfLog, noting the attempt of the entry compared;
  // notes the node checked when it is. At Start, and until the check
  // passes or fails for good, on the follower's thread.
  absl::Status CheckPrefixOfLog();
  // Until the log answers with at least the database's entries, checks the
  // database against it every little while; true once checked, false when
  // the node stops first.
  bool AwaitPrefixChecked();
  // OK once the database was checked against the log; Unavailable before.
  absl::Status PrefixChecked() const;
  // Stops the node for good: commits and the follower fail with `status`.
  void Stop(const absl::Status& status);
  // Until Resume: commits fail with `status` (the disk is full), and the
  // follower waits a little before it tries again.
  void Pause(const absl::Status& status);
  void Resume();
  // The attempt id of applied entry `id` ("" for 0; NotFound once it is
  // older than the ones kept).
  absl::StatusOr<std::string> AttemptOf(uint64_t id) const;
  void NoteApplied(uint64_t id, const std::string& attempt_id);

  std::unique_ptr<Database> db_;
  std::unique_ptr<TransactionLog> log_;
  const NodeOptions options_;
  const std::string attempt_prefix_;  // name and start time: attempt ids never repeat
  std::atomic<uint64_t> attempts_{0};
  internal::GroupQueue<CommitRequest> commit_queue_{64};  // Commit calls; the first appends a group
  absl::BitGen rng_;  // pauses after a lost race (the first in the queue's)

  std::atomic<bool> stopping_{false};
  mutable absl::Mutex follower_mu_;
  // Set when the follower stops on an error, or pauses (paused_).
  absl::Status follower_status_ ABSL_GUARDED_BY(follower_mu_);
  bool paused_ ABSL_GUARDED_BY(follower_mu_) = false;
  // Why the database is not yet checked against the log (OK once it is).
  absl::Status unchecked_ ABSL_GUARDED_BY(follower_mu_);
  // The attempt ids of the last applied entries, oldest first: what a
  // commit names as the entry it follows, and what the next entry must
  // name as its predecessor.
  std::deque<std::pair<uint64_t, std::string>> applied_attempts_ ABSL_GUARDED_BY(follower_mu_);
  std::thread follower_;
};

}  // namespace hindsight::cluster

#endif  // HINDSIGHT_CLUSTER_NODE_H_
