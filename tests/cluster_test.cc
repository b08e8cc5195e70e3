// The transaction log on a real NATS server (nats-server from Debian,
// started by the test on a private port and directory, stopped by its pid)
// and cluster nodes over it: random transactions written concurrently
// through two nodes leave both nodes with the same bytes as one database
// fed the log, and the reference model's answers. The three-server cluster
// with real clients is tests/cluster/cluster_test.py.
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <random>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_cat.h"
#include "cluster/jetstream_log.h"
#include "cluster/log_prefix.h"
#include "cluster/nats_notification_relay.h"
#include "cluster/node.h"
#include "database_dump.h"
#include "format/query_file.h"
#include "gtest/gtest.h"
#include "hindsight/db.h"
#include "hindsight/log_record.h"
#include "random_transaction.h"
#include "reference_model.h"
#include "test_util.h"

namespace hindsight::testing {
namespace {

using cluster::CheckPrefixOfLog;
using cluster::JetStreamLog;
using cluster::JetStreamOptions;
using cluster::LogEntry;
using cluster::Node;
using cluster::NodeOptions;
using cluster::TransactionLog;

// A port nothing listens on now.
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool Listening(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// One nats-server with JetStream, messages up to 256 KiB.
class NatsServer {
 public:
  NatsServer() : port_(FreePort()) {
    WriteFile(dir_.Sub("nats.conf"), absl::StrCat("listen: 127.0.0.1:", port_, "\nmax_payload: 262144\n",
                                                  "jetstream { store_dir: \"", dir_.Sub("store"), "\" }\n"));
    Start();
  }
  ~NatsServer() { Stop(); }
  // Starts the server (again, after Stop: the same port and store).
  void Start() {
    const std::string conf = dir_.Sub("nats.conf");
    const std::string log = dir_.Sub("nats.log");
    pid_ = fork();
    if (pid_ == 0) {
      // The server goes with the test, also when the test dies.
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      execlp("nats-server", "nats-server", "-c", conf.c_str(), nullptr);
      _exit(127);
    }
    for (int i = 0; i < 200 && !Listening(port_); ++i) usleep(50'000);
  }
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  bool ok() const { return Listening(port_); }
  std::string url() const { return absl::StrCat("nats://127.0.0.1:", port_); }

  // A log on a stream of its own (one replica: one server).
  std::unique_ptr<JetStreamLog> Log(const std::string& stream,
                                    absl::Duration request_timeout = JetStreamOptions().request_timeout) const {
    JetStreamOptions options;
    options.servers = {url()};
    options.stream = stream;
    options.replicas = 1;
    options.request_timeout = request_timeout;
    absl::StatusOr<std::unique_ptr<JetStreamLog>> log = JetStreamLog::Connect(options);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? *std::move(log) : nullptr;
  }

 private:
  ScratchDir dir_;
  int port_;
  pid_t pid_ = -1;
};

class ClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { nats_ = new NatsServer(); }
  static void TearDownTestSuite() {
    delete nats_;
    nats_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(nats_->ok()) << "nats-server did not start (scripts/install-deps.sh installs it)"; }

  static std::unique_ptr<Node> StartNode(const std::string& path, const std::string& stream, const Options& options,
                                         std::unique_ptr<TransactionLog> log = nullptr) {
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(path, options);
    EXPECT_TRUE(db.ok()) << db.status();
    if (log == nullptr) log = nats_->Log(stream);
    NodeOptions node_options;
    node_options.name = path;
    node_options.max_attempts = 1000;
    absl::StatusOr<std::unique_ptr<Node>> node = Node::Start(*std::move(db), std::move(log), node_options);
    EXPECT_TRUE(node.ok()) << node.status();
    return node.ok() ? *std::move(node) : nullptr;
  }

  void RunConcurrentSequence(uint32_t seed);

  // `txn` committed through `node`, tried every 100 ms for up to 30 s while
  // the node refuses it (it waits for its log); the last refusal after.
  static absl::StatusOr<TransactionInfo> CommitOnceTaken(Node* node, const Transaction& txn) {
    absl::StatusOr<TransactionInfo> committed = node->Commit(txn);
    for (const absl::Time deadline = absl::Now() + absl::Seconds(30); !committed.ok() && absl::Now() < deadline;) {
      absl::SleepFor(absl::Milliseconds(100));
      committed = node->Commit(txn);
    }
    return committed;
  }

  // Commits `count` random transactions through `writer`.
  static void CommitRandom(Node* writer, std::mt19937* rng, int count) {
    for (int i = 0; i < count; ++i) {
      Transaction as_keys;
      ASSERT_TRUE(writer->Commit(RandomTransaction(*rng, std::nullopt, &as_keys)).ok());
    }
  }

  static NatsServer* nats_;
};
NatsServer* ClusterTest::nats_ = nullptr;

std::string Record(uint64_t id, const std::string& source) {
  LogRecord r;
  r.txn.Assert({"s", "p", "o"}, Value::Int64(static_cast<int64_t>(id)), {0, kDay});
  r.txn.SetTime(static_cast<Instant>(id) * kDay);
  r.txn.SetSource(source);
  r.info = {id, static_cast<Instant>(id) * kDay, source, 1};
  return EncodeLogRecord(r);
}

TEST_F(ClusterTest, AppendsNeedTheExpectedLastEntry) {
  std::unique_ptr<JetStreamLog> log = nats_->Log("expect");
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->LastId().value(), 0u);
  absl::StatusOr<TransactionLog::Appended> first = log->Append(Record(1, "a"), 0, "", "attempt-1");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->id, 1u);
  EXPECT_FALSE(first->duplicate);
  // A writer that validated against an empty log lost the race.
  EXPECT_TRUE(absl::IsAborted(log->Append(Record(1, "b"), 0, "", "attempt-2").status()));
  EXPECT_TRUE(absl::IsAborted(log->Append(Record(3, "b"), 2, "attempt-1", "attempt-3").status()));
  // The right last entry, but not the one the writer has: its history is
  // not the log's.
  const absl::Status other = log->Append(Record(2, "b"), 1, "attempt-2", "attempt-4").status();
  EXPECT_TRUE(absl::IsFailedPrecondition(other)) << other;
  EXPECT_EQ(log->LastId().value(), 1u);
  ASSERT_TRUE(log->Append(Record(2, "b"), 1, "attempt-1", "attempt-5").ok());
  std::unique_ptr<cluster::LogReader> reader = log->Read(1).value();
  const LogEntry first_entry = reader->Next(absl::Seconds(5)).value();
  const LogEntry second_entry = reader->Next(absl::Seconds(5)).value();
  EXPECT_EQ(first_entry.attempt_id, "attempt-1");
  EXPECT_EQ(first_entry.previous_attempt_id, "");
  EXPECT_EQ(second_entry.attempt_id, "attempt-5");
  EXPECT_EQ(second_entry.previous_attempt_id, "attempt-1");
}

TEST_F(ClusterTest, ARetriedAttemptIsStoredOnce) {
  std::unique_ptr<JetStreamLog> log = nats_->Log("retry");
  ASSERT_NE(log, nullptr);
  ASSERT_EQ(log->Append(Record(1, "a"), 0, "", "attempt-a").value().id, 1u);
  // The answer was lost; the writer retries the same attempt.
  absl::StatusOr<TransactionLog::Appended> again = log->Append(Record(1, "a"), 0, "", "attempt-a");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->id, 1u);
  EXPECT_TRUE(again->duplicate);
  // Even once another writer has appended after it.
  ASSERT_EQ(log->Append(Record(2, "b"), 1, "attempt-a", "attempt-b").value().id, 2u);
  again = log->Append(Record(1, "a"), 0, "", "attempt-a");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->id, 1u);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(log->LastId().value(), 2u);
}

TEST_F(ClusterTest, ReadersFollowFromAnyEntry) {
  std::unique_ptr<JetStreamLog> log = nats_->Log("read");
  ASSERT_NE(log, nullptr);
  for (uint64_t id = 1; id <= 5; ++id) ASSERT_TRUE(log->Append(Record(id, "a"), id - 1, absl::StrCat("r", id - 1), absl::StrCat("r", id)).ok());
  std::unique_ptr<cluster::LogReader> reader = log->Read(3).value();
  for (uint64_t id = 3; id <= 5; ++id) {
    absl::StatusOr<LogEntry> entry = reader->Next(absl::Seconds(5));
    ASSERT_TRUE(entry.ok()) << entry.status();
    EXPECT_EQ(entry->id, id);
    EXPECT_EQ(entry->record, Record(id, "a"));
  }
  EXPECT_TRUE(absl::IsDeadlineExceeded(reader->Next(absl::Milliseconds(100)).status()));
  ASSERT_TRUE(log->Append(Record(6, "a"), 5, "r5", "r6").ok());
  EXPECT_EQ(reader->Next(absl::Seconds(5)).value().id, 6u);
}

TEST_F(ClusterTest, ATooLargeRecordIsRefusedBeforeItIsSent) {
  std::unique_ptr<JetStreamLog> log = nats_->Log("large");
  ASSERT_NE(log, nullptr);
  EXPECT_LT(log->max_record_bytes(), 262144u);
  EXPECT_GT(log->max_record_bytes(), 200000u);
  const absl::Status s = log->Append(std::string(log->max_record_bytes() + 1, 'x'), 0, "", "big").status();
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_EQ(log->LastId().value(), 0u);

  // Through a node: its error says what to do, and nothing is published.
  ScratchDir dir;
  std::unique_ptr<Node> node = StartNode(dir.Sub("n"), "large", {});
  ASSERT_NE(node, nullptr);
  Transaction txn;
  for (int i = 0; i < 80; ++i) txn.Assert({std::string(4000, 'a' + i % 26) + std::to_string(i), "p", "o"}, Value::Int64(i), {0, kDay});
  const absl::Status commit = node->Commit(txn).status();
  EXPECT_TRUE(absl::IsInvalidArgument(commit)) << commit;
  EXPECT_NE(commit.message().find("max_payload"), std::string::npos) << commit;
  EXPECT_EQ(log->LastId().value(), 0u);
  EXPECT_EQ(node->LastTransaction().id, 0u);
}

// Random transactions written by three threads through two nodes at once.
void ClusterTest::RunConcurrentSequence(uint32_t seed) {
  std::mt19937 rng(seed);
  const int n = std::uniform_int_distribution<int>(5, 40)(rng);
  std::vector<Transaction> txns, as_keys;
  for (int i = 0; i < n; ++i) txns.push_back(RandomTransaction(rng, std::nullopt, &as_keys.emplace_back()));
  ScratchDir dir;
  Options options;
  options.sync = false;
  options.closed_bytes_in_record = std::uniform_int_distribution<size_t>(64, 2048)(rng);
  options.live_chunk_segments = std::uniform_int_distribution<size_t>(1, 4)(rng);
  const std::string stream = absl::StrCat("seq", seed);
  const std::string where = absl::StrCat("seed ", seed, ", ", n, " transactions");
  std::unique_ptr<Node> a = StartNode(dir.Sub("a"), stream, options);
  std::unique_ptr<Node> b = StartNode(dir.Sub("b"), stream, options);
  ASSERT_TRUE(a != nullptr && b != nullptr);

  std::vector<uint64_t> ids(txns.size(), 0);
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      Node* node = w == 1 ? b.get() : a.get();
      for (size_t i = w; i < txns.size(); i += 3) {
        absl::StatusOr<TransactionInfo> info = node->Commit(txns[i]);
        ASSERT_TRUE(info.ok()) << info.status() << " " << where;
        ids[i] = info->id;
      }
    });
  }
  for (std::thread& t : writers) t.join();
  ASSERT_FALSE(::testing::Test::HasFailure());
  ASSERT_TRUE(a->AwaitTransaction(txns.size(), absl::Seconds(20)).ok());
  ASSERT_TRUE(b->AwaitTransaction(txns.size(), absl::Seconds(20)).ok());

  // The model commits the transactions in the order the log took them.
  std::vector<size_t> by_id(txns.size() + 1, SIZE_MAX);
  for (size_t i = 0; i < ids.size(); ++i) {
    ASSERT_TRUE(ids[i] >= 1 && ids[i] <= txns.size() && by_id[ids[i]] == SIZE_MAX) << where;
    by_id[ids[i]] = i;
  }
  ReferenceModel model;
  for (uint64_t id = 1; id <= txns.size(); ++id) model.Commit(as_keys[by_id[id]], a->GetTransaction(id)->time);
  std::string expected;
  for (uint64_t id = 1; id <= txns.size(); ++id) {
    for (const Row& r : model.Query({{}, ValidTimeClause::All(), TxTimeClause::AsOfTx(id)})) internal::AppendRow(r, &expected);
  }
  for (const HistoryRow& r : model.History({})) internal::AppendHistoryRow(r, &expected);
  EXPECT_EQ(FirstDifference(DumpQueries(*a, txns.size()), expected), "") << "node a, " << where;
  EXPECT_EQ(FirstDifference(DumpQueries(*b, txns.size()), expected), "") << "node b, " << where;
  // Each node's log is the contract's: no erased key's operations.
  EXPECT_EQ(FirstDifference(LogText(*a), ModelLogText(model)), "") << "node a, " << where;
  EXPECT_EQ(FirstDifference(LogText(*b), ModelLogText(model)), "") << "node b, " << where;

  // The records as the stream holds them (a node's own log has the erased
  // keys' operations taken out of earlier records).
  std::vector<LogRecord> log;
  std::unique_ptr<JetStreamLog> stream_log = nats_->Log(stream);
  std::unique_ptr<cluster::LogReader> reader = stream_log->Read(1).value();
  for (size_t i = 0; i < txns.size(); ++i) {
    absl::StatusOr<LogEntry> entry = reader->Next(absl::Seconds(5));
    ASSERT_TRUE(entry.ok()) << entry.status();
    log.push_back(DecodeLogRecord(entry->record).value());
  }
  a.reset();
  b.reset();
  {
    auto single = Database::Open(dir.Sub("single"), options);
    ASSERT_TRUE(single.ok());
    for (const LogRecord& r : log) ASSERT_TRUE((*single)->Commit(r.txn).ok()) << where;
  }
  const std::string bytes = DumpAllFamilies(dir.Sub("single"));
  EXPECT_EQ(FirstDifference(DumpAllFamilies(dir.Sub("a")), bytes), "") << "node a, " << where;
  EXPECT_EQ(FirstDifference(DumpAllFamilies(dir.Sub("b")), bytes), "") << "node b, " << where;
  EXPECT_EQ(Unsound(dir.Sub("a")), "") << "node a, " << where;
}

TEST_F(ClusterTest, ConcurrentWritesThroughTwoNodesMatchTheModelAndOneDatabase) {
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    RunConcurrentSequence(seed);
    if (HasFailure()) return;
  }
}

// A real log with what a test changes in its appends: reading, the last id
// and the limits are the log's own.
class AlteredLog : public TransactionLog {
 public:
  explicit AlteredLog(std::unique_ptr<TransactionLog> log) : log_(std::move(log)) {}
  absl::StatusOr<uint64_t> LastId() override { return log_->LastId(); }
  absl::StatusOr<uint64_t> FirstId() override { return log_->FirstId(); }
  absl::Status Trim(uint64_t first_kept) override { return log_->Trim(first_kept); }
  size_t max_record_bytes() const override { return log_->max_record_bytes(); }
  absl::StatusOr<std::unique_ptr<cluster::LogReader>> Read(uint64_t first) override { return log_->Read(first); }
  std::string description() const override { return log_->description(); }
  void Close() override { log_->Close(); }

 protected:
  std::unique_ptr<TransactionLog> log_;
};

// A log whose first answer to an append is lost after the append happened.
class LosingFirstAnswer final : public AlteredLog {
 public:
  using AlteredLog::AlteredLog;
  absl::StatusOr<Appended> Append(std::string_view record, uint64_t expected_last,
                                  const std::string& expected_last_attempt, const std::string& attempt_id) override {
    absl::StatusOr<Appended> appended = log_->Append(record, expected_last, expected_last_attempt, attempt_id);
    if (appended.ok() && !lost_) {
      lost_ = true;
      return absl::UnavailableError("the answer was lost");
    }
    return appended;
  }
  std::vector<absl::StatusOr<Appended>> AppendAll(const std::vector<std::string>& records, uint64_t expected_last,
                                                  const std::string& expected_last_attempt,
                                                  const std::vector<std::string>& attempt_ids,
                                                  absl::Time deadline) override {
    std::vector<absl::StatusOr<Appended>> answers =
        log_->AppendAll(records, expected_last, expected_last_attempt, attempt_ids, deadline);
    if (!answers.empty() && answers[0].ok() && !lost_) {
      lost_ = true;
      answers[0] = absl::UnavailableError("the answer was lost");
    }
    return answers;
  }

 private:
  bool lost_ = false;
};

TEST_F(ClusterTest, AnAppendWhoseAnswerWasLostIsAppliedOnce) {
  ScratchDir dir;
  std::unique_ptr<Node> node =
      StartNode(dir.Sub("n"), "lost", {}, std::make_unique<LosingFirstAnswer>(nats_->Log("lost")));
  ASSERT_NE(node, nullptr);
  Transaction txn;
  txn.Assert({"Ukraine", "relation", "Syria"}, Value::String("severed"), {0, kPosInf});
  absl::StatusOr<TransactionInfo> info = node->Commit(txn);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->id, 1u);
  EXPECT_EQ(nats_->Log("lost")->LastId().value(), 1u);
  info = node->Commit(txn);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->id, 2u);
  EXPECT_EQ(node->LastTransaction().id, 2u);
}

// A log whose appends are never answered: each waits until the deadline
// it is given, as a stream without a quorum leaves them, noting it.
class UnansweredAppends final : public AlteredLog {
 public:
  using AlteredLog::AlteredLog;
  absl::StatusOr<Appended> Append(std::string_view, uint64_t, const std::string&, const std::string&) override {
    return absl::UnavailableError("no answer");
  }
  std::vector<absl::StatusOr<Appended>> AppendAll(const std::vector<std::string>& records, uint64_t,
                                                  const std::string&, const std::vector<std::string>&,
                                                  absl::Time deadline) override {
    deadlines_.push_back(deadline);
    absl::SleepFor(std::min(deadline - absl::Now(), absl::Milliseconds(100)));
    return std::vector<absl::StatusOr<Appended>>(records.size(), absl::UnavailableError("no answer"));
  }
  const std::vector<absl::Time>& deadlines() const { return deadlines_; }

 private:
  std::vector<absl::Time> deadlines_;
};

TEST_F(ClusterTest, ACommitTheLogDoesNotAnswerFailsAtItsTimeout) {
  ScratchDir dir;
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(dir.Sub("n"));
  ASSERT_TRUE(db.ok()) << db.status();
  auto log = std::make_unique<UnansweredAppends>(nats_->Log("unanswered"));
  const UnansweredAppends* appends = log.get();
  NodeOptions options;
  options.commit_timeout = absl::Seconds(3);
  absl::StatusOr<std::unique_ptr<Node>> node = Node::Start(*std::move(db), std::move(log), options);
  ASSERT_TRUE(node.ok()) << node.status();
  Transaction txn;
  txn.Assert({"Ukraine", "relation", "Syria"}, Value::String("severed"), {0, kPosInf});
  const absl::Time start = absl::Now();
  absl::StatusOr<TransactionInfo> info = (*node)->Commit(txn);
  ASSERT_TRUE(absl::IsUnavailable(info.status())) << info.status();
  EXPECT_TRUE(absl::StrContains(info.status().message(), "(within 3s): the transaction may or may not be committed"))
      << info.status();
  // Retried while time was left, every append told the commit's deadline,
  // none sent past it.
  ASSERT_GE(appends->deadlines().size(), 2u);
  for (const absl::Time deadline : appends->deadlines()) {
    EXPECT_EQ(deadline, appends->deadlines().front());
    EXPECT_LE(deadline, start + absl::Seconds(3) + absl::Milliseconds(100));
  }
  EXPECT_EQ((*node)->LastTransaction().id, 0u);
}

// A log that, at the first append, stores the record under another
// attempt's id (as another writer's entry would be) and acknowledges it
// as the caller's: what a NATS server that acknowledged a record and then
// lost its leadership can leave.
class StoringAnotherFirst final : public AlteredLog {
 public:
  using AlteredLog::AlteredLog;
  absl::StatusOr<Appended> Append(std::string_view record, uint64_t expected_last,
                                  const std::string& expected_last_attempt, const std::string& attempt_id) override {
    const bool replace = !replaced_;
    replaced_ = true;
    return log_->Append(record, expected_last, expected_last_attempt, replace ? attempt_id + "-other" : attempt_id);
  }
  std::vector<absl::StatusOr<Appended>> AppendAll(const std::vector<std::string>& records, uint64_t expected_last,
                                                  const std::string& expected_last_attempt,
                                                  const std::vector<std::string>& attempt_ids,
                                                  absl::Time /*deadline*/) override {
    std::vector<absl::StatusOr<Appended>> answers;
    for (size_t i = 0; i < records.size(); ++i) {
      answers.push_back(Append(records[i], expected_last + i, i == 0 ? expected_last_attempt : attempt_ids[i - 1],
                               attempt_ids[i]));
    }
    return answers;
  }

 private:
  bool replaced_ = false;
};

TEST_F(ClusterTest, AnAcknowledgedAppendTheLogDidNotKeepIsNotReportedCommitted) {
  ScratchDir dir;
  std::unique_ptr<Node> node =
      StartNode(dir.Sub("n"), "replaced", {}, std::make_unique<StoringAnotherFirst>(nats_->Log("replaced")));
  ASSERT_NE(node, nullptr);
  Transaction txn;
  txn.Assert({"Ukraine", "relation", "Syria"}, Value::String("severed"), {0, kPosInf});
  absl::StatusOr<TransactionInfo> info = node->Commit(txn);
  EXPECT_TRUE(absl::IsUnavailable(info.status())) << info.status();
  EXPECT_EQ(node->LastTransaction().id, 1u);  // the entry the log holds, applied
  info = node->Commit(txn);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->id, 2u);
}

// A node stops at once when its log's servers are gone, without waiting
// out the request its follower has made (which would take a minute here).
TEST_F(ClusterTest, ANodeStopsAtOnceWhenItsLogIsGone) {
  NatsServer own;
  ASSERT_TRUE(own.ok());
  ScratchDir dir;
  std::unique_ptr<Node> node = StartNode(dir.Sub("n"), "gone", {}, own.Log("gone", absl::Minutes(1)));
  ASSERT_NE(node, nullptr);
  own.Stop();
  // A follower with no entry for 2 s asks the log for its last id.
  absl::SleepFor(absl::Seconds(3));
  const absl::Time start = absl::Now();
  node.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));
}

TEST_F(ClusterTest, ANodeStartsWhileItsServersAreAwayAndFollowsOnceTheyAnswer) {
  NatsServer own;
  ASSERT_TRUE(own.ok());
  ScratchDir dir;
  Transaction txn;
  txn.Assert({"Ukraine", "relation", "Syria"}, Value::String("severed"), {0, kPosInf});
  {
    std::unique_ptr<Node> writer = StartNode(dir.Sub("n"), "away", {}, own.Log("away"));
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(writer->Commit(txn).ok());
    ASSERT_TRUE(writer->Commit(txn).ok());
    // A database whose transaction 1 is not the stream's.
    ASSERT_TRUE(Database::Open(dir.Sub("other")).value()->Commit(txn).ok());
  }
  own.Stop();
  const auto start_away = [&](const std::string& name) {
    JetStreamOptions options;
    options.servers = {own.url()};
    options.stream = "away";
    options.replicas = 1;
    options.connect_in_background = true;
    absl::StatusOr<std::unique_ptr<JetStreamLog>> log = JetStreamLog::Connect(options);
    EXPECT_TRUE(log.ok()) << log.status();
    return StartNode(dir.Sub(name), "away", {}, log.ok() ? *std::move(log) : nullptr);
  };
  std::unique_ptr<Node> node = start_away("n");
  std::unique_ptr<Node> fresh = start_away("fresh");
  std::unique_ptr<Node> other = start_away("other");
  ASSERT_TRUE(node != nullptr && fresh != nullptr && other != nullptr);
  // Reads answer from what the node has; commits fail, committing nothing.
  EXPECT_EQ(node->LastTransaction().id, 2u);
  EXPECT_TRUE(node->GetTransaction(2).ok());
  const absl::StatusOr<TransactionInfo> refused = node->Commit(txn);
  EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "the transaction is not committed")) << refused.status();
  EXPECT_TRUE(absl::StrContains(StatusRows(node->Status()).back().second, "log unavailable")) << node->Status().name;
  // Once the server answers, the node checks its database against the
  // stream and follows it; a new node replays it; a database that is not
  // the stream's stops.
  own.Start();
  ASSERT_TRUE(own.ok());
  const absl::StatusOr<TransactionInfo> committed = CommitOnceTaken(node.get(), txn);
  ASSERT_TRUE(committed.ok()) << committed.status();
  EXPECT_EQ(committed->id, 3u);
  ASSERT_TRUE(fresh->AwaitTransaction(3, absl::Seconds(10)).ok());
  EXPECT_EQ(DumpQueries(*fresh, 3), DumpQueries(*node, 3));
  for (const absl::Time deadline = absl::Now() + absl::Seconds(10);
       other->Status().follower.ok() && absl::Now() < deadline;) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(absl::IsFailedPrecondition(other->Status().follower)) << other->Status().follower;
  EXPECT_EQ(other->LastTransaction().id, 1u);
}

TEST_F(ClusterTest, ARestartedNodeCatchesUpExactly) {
  ScratchDir dir;
  Options options;
  options.sync = false;
  std::unique_ptr<Node> writer = StartNode(dir.Sub("w"), "restart", options);
  std::unique_ptr<Node> follower = StartNode(dir.Sub("f"), "restart", options);
  ASSERT_TRUE(writer != nullptr && follower != nullptr);
  std::mt19937 rng(7);
  const auto commit_some = [&](int count) { CommitRandom(writer.get(), &rng, count); };
  commit_some(10);
  ASSERT_TRUE(follower->AwaitTransaction(10, absl::Seconds(10)).ok());
  follower.reset();
  commit_some(15);
  follower = StartNode(dir.Sub("f"), "restart", options);
  ASSERT_NE(follower, nullptr);
  ASSERT_TRUE(follower->AwaitTransaction(25, absl::Seconds(10)).ok());
  EXPECT_EQ(DumpQueries(*follower, 25), DumpQueries(*writer, 25));
  writer.reset();
  follower.reset();
  EXPECT_EQ(FirstDifference(DumpAllFamilies(dir.Sub("f")), DumpAllFamilies(dir.Sub("w"))), "");
}

TEST_F(ClusterTest, ATrimmedLogStartsNodesFromACheckpointAndRefusesThoseBehindIt) {
  ScratchDir dir;
  Options options;
  options.sync = false;
  std::unique_ptr<Node> writer = StartNode(dir.Sub("w"), "trim", options);
  std::unique_ptr<Node> behind = StartNode(dir.Sub("behind"), "trim", options);
  ASSERT_TRUE(writer != nullptr && behind != nullptr);
  std::mt19937 rng(11);
  const auto commit_some = [&](int count) { CommitRandom(writer.get(), &rng, count); };
  commit_some(10);
  ASSERT_TRUE(behind->AwaitTransaction(10, absl::Seconds(10)).ok());
  behind.reset();
  commit_some(15);
  absl::StatusOr<uint64_t> copied = writer->Checkpoint(dir.Sub("copy"));
  ASSERT_TRUE(copied.ok() && *copied == 25) << copied.status();
  {
    std::unique_ptr<TransactionLog> log = nats_->Log("trim");
    auto copy = Database::Open(dir.Sub("copy"));
    ASSERT_TRUE(copy.ok()) << copy.status();
    absl::StatusOr<std::optional<LogEntry>> compared = CheckPrefixOfLog(**copy, log.get());
    ASSERT_TRUE(compared.ok() && compared->has_value() && (*compared)->id == 25) << compared.status();
    ASSERT_TRUE(log->Trim(25).ok());
    EXPECT_EQ(log->FirstId().value(), 25u);
    EXPECT_EQ(log->LastId().value(), 25u);
    absl::StatusOr<std::unique_ptr<cluster::LogReader>> reader = log->Read(1);
    ASSERT_TRUE(reader.ok()) << reader.status();
    EXPECT_EQ((*reader)->Next(absl::Seconds(5)).value().id, 25u);
  }
  commit_some(5);
  // From the checkpoint, a node replays the rest.
  std::unique_ptr<Node> from_copy = StartNode(dir.Sub("copy"), "trim", options);
  ASSERT_NE(from_copy, nullptr);
  ASSERT_TRUE(from_copy->AwaitTransaction(30, absl::Seconds(10)).ok());
  EXPECT_EQ(DumpQueries(*from_copy, 30), DumpQueries(*writer, 30));
  // Its status says where the log now starts.
  const std::vector<std::pair<std::string, std::string>> status = StatusRows(from_copy->Status());
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"node", dir.Sub("copy")}, {"applied", "30"}, {"log_first", "25"}, {"log_last", "30"}, {"lag", "0"}, {"state", "following"}};
  EXPECT_EQ(status, expected);
  // What the log no longer has, a node cannot get: it is told where to start.
  for (const char* name : {"empty", "behind"}) {
    absl::StatusOr<std::unique_ptr<Node>> node =
        Node::Start(Database::Open(dir.Sub(name), options).value(), nats_->Log("trim"), NodeOptions{});
    EXPECT_TRUE(absl::IsFailedPrecondition(node.status())) << name << ": " << node.status();
    EXPECT_TRUE(absl::StrContains(node.status().message(), "from a checkpoint of transaction 24 or later"))
        << node.status();
  }
}

// A log whose readers hand out nothing: a node on it stays behind.
class SilentReads final : public AlteredLog {
 public:
  using AlteredLog::AlteredLog;
  absl::StatusOr<Appended> Append(std::string_view record, uint64_t expected_last, const std::string& expected_attempt,
                                  const std::string& attempt_id) override {
    return log_->Append(record, expected_last, expected_attempt, attempt_id);
  }
  std::vector<absl::StatusOr<Appended>> AppendAll(const std::vector<std::string>& records, uint64_t expected_last,
                                                  const std::string& expected_attempt,
                                                  const std::vector<std::string>& attempt_ids,
                                                  absl::Time deadline) override {
    return log_->AppendAll(records, expected_last, expected_attempt, attempt_ids, deadline);
  }
  absl::StatusOr<std::unique_ptr<cluster::LogReader>> Read(uint64_t) override {
    return std::make_unique<Silent>();
  }

 private:
  struct Silent final : cluster::LogReader {
    absl::StatusOr<LogEntry> Next(absl::Duration timeout) override {
      absl::SleepFor(std::min(timeout, absl::Milliseconds(50)));
      return absl::DeadlineExceededError("nothing");
    }
  };
};

TEST_F(ClusterTest, ANodeTheLogIsTrimmedPastStopsAndSaysWhereToStartAgain) {
  ScratchDir dir;
  Options options;
  options.sync = false;
  std::unique_ptr<Node> writer = StartNode(dir.Sub("w"), "trim-past", options);
  std::unique_ptr<Node> behind =
      StartNode(dir.Sub("behind"), "trim-past", options, std::make_unique<SilentReads>(nats_->Log("trim-past")));
  ASSERT_TRUE(writer != nullptr && behind != nullptr);
  std::mt19937 rng(5);
  CommitRandom(writer.get(), &rng, 5);
  ASSERT_TRUE(nats_->Log("trim-past")->Trim(5).ok());
  // The follower looks again once its reader has been quiet a while.
  absl::Status stopped;
  for (int i = 0; i < 100 && stopped.ok(); ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    stopped = behind->Status().follower;
  }
  EXPECT_TRUE(absl::IsFailedPrecondition(stopped)) << stopped;
  EXPECT_TRUE(absl::StrContains(stopped.message(), "from a checkpoint of transaction 4 or later")) << stopped;
  EXPECT_EQ(behind->LastTransaction().id, 0u);
  Transaction txn;
  txn.Assert({"s", "p", "o"}, Value::Int64(1), {0, kDay});
  EXPECT_TRUE(absl::IsFailedPrecondition(behind->Commit(txn).status()));
}

// Servers restarted together can come back with fewer entries than a node
// applied, lost or not yet caught up: the node starts, answers reads,
// refuses commits saying so, and follows the log once it has the node's
// last entry again.
TEST_F(ClusterTest, ANodeAheadOfItsLogStartsAndFollowsOnceTheLogHasItsEntries) {
  ScratchDir dir;
  Options options;
  options.sync = false;
  std::vector<LogEntry> entries;
  {
    std::unique_ptr<Node> writer = StartNode(dir.Sub("n"), "ahead", options);
    ASSERT_NE(writer, nullptr);
    std::mt19937 rng(13);
    CommitRandom(writer.get(), &rng, 3);
    std::unique_ptr<cluster::LogReader> reader = nats_->Log("ahead")->Read(1).value();
    for (int i = 0; i < 3; ++i) entries.push_back(reader->Next(absl::Seconds(5)).value());
  }
  std::unique_ptr<JetStreamLog> log = nats_->Log("ahead");
  ASSERT_TRUE(log->Recreate().ok());
  const auto append = [&](size_t i) {
    const uint64_t before = entries[i].id - 1;
    ASSERT_TRUE(log->Append(entries[i].record, before, before == 0 ? "" : entries[i - 1].attempt_id,
                            entries[i].attempt_id).ok());
  };
  append(0);
  append(1);
  std::unique_ptr<Node> node = StartNode(dir.Sub("n"), "ahead", options);
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->LastTransaction().id, 3u);
  Transaction txn;
  txn.Assert({"s", "p", "o"}, Value::Int64(1), {0, kDay});
  const absl::Status refused = node->Commit(txn).status();
  EXPECT_TRUE(absl::IsUnavailable(refused)) << refused;
  EXPECT_TRUE(absl::StrContains(refused.message(), "lost entries they had acknowledged")) << refused;
  EXPECT_TRUE(absl::StartsWith(StatusRows(node->Status()).back().second, "ahead of the log"));
  EXPECT_EQ(log->LastId().value(), 2u);
  append(2);
  const absl::StatusOr<TransactionInfo> committed = CommitOnceTaken(node.get(), txn);
  ASSERT_TRUE(committed.ok()) << committed.status();
  EXPECT_EQ(committed->id, 4u);
  EXPECT_EQ(StatusRows(node->Status()).back().second, "following");
}

TEST_F(ClusterTest, ADatabaseThatIsNotAPrefixOfTheLogIsRefused) {
  ScratchDir dir;
  Transaction txn;
  txn.Assert({"s", "p", "o"}, Value::Int64(1), {0, kDay});
  {
    std::unique_ptr<Node> node = StartNode(dir.Sub("n"), "prefix", {});
    ASSERT_NE(node, nullptr);
    ASSERT_TRUE(node->Commit(txn).ok());
  }
  {  // a database whose transaction 1 is not the log's
    auto db = Database::Open(dir.Sub("other"));
    ASSERT_TRUE((*db)->Commit(txn).ok());
  }
  // That one, and a database with transactions over a log with none.
  for (const auto& [name, stream] : {std::pair{"other", "prefix"}, std::pair{"n", "prefix-empty"}}) {
    absl::StatusOr<std::unique_ptr<Node>> node =
        Node::Start(Database::Open(dir.Sub(name)).value(), nats_->Log(stream), NodeOptions{});
    EXPECT_TRUE(absl::IsFailedPrecondition(node.status())) << name << ": " << node.status();
  }
  // The node's own directory starts again where it was.
  EXPECT_NE(StartNode(dir.Sub("n"), "prefix", {}), nullptr);
}

TEST(RelayedNotificationsTest, ReadBackAsWrittenAndOtherMessagesRefused) {
  const server::RelayedNotifications batch{42, {{7, "jobs", "{\"id\": 1}"}, {-3, "c", ""}, {8, "d", "x,y"}}};
  const std::string message = cluster::EncodeRelayed(batch);
  EXPECT_EQ(cluster::DecodeRelayed(message), batch);
  // Fields, each ended by a NUL byte.
  const auto fields = [](std::initializer_list<std::string_view> parts) {
    std::string out;
    for (std::string_view part : parts) {
      out.append(part);
      out.push_back('\0');
    }
    return out;
  };
  for (const std::string& other :
       {std::string(), std::string("hello"), fields({"42"}), fields({"42", "7", "c"}), fields({"x", "7", "c", "p"}),
        fields({"42", "7", "", "p"}), fields({"42", "seven", "c", "p"}), fields({"42", "7", "c", "p"}) + "tail"}) {
    EXPECT_EQ(cluster::DecodeRelayed(other), std::nullopt) << absl::CHexEscape(other);
  }
  EXPECT_EQ(cluster::DecodeRelayed(fields({"42", "7", "c", "p"})), (server::RelayedNotifications{42, {{7, "c", "p"}}}));
  EXPECT_EQ(cluster::DecodeRelayed(message.substr(0, message.size() - 1)), std::nullopt);
  // Pieces of at most the size asked, each read back on its own, together
  // the batch in order.
  server::RelayedNotifications large{7, {}};
  for (int i = 0; i < 300; ++i) large.notes.push_back({i, "c", std::string(static_cast<size_t>(i) * 7, 'p')});
  large.notes.push_back({1, "c", std::string(5000, 'q')});  // alone past the limit
  for (const size_t max_bytes : {size_t{1}, size_t{4096}, size_t{100000}, size_t{1} << 20}) {
    const std::vector<std::string> pieces = cluster::EncodeRelayedInPieces(large, max_bytes);
    server::RelayedNotifications joined{7, {}};
    for (const std::string& piece : pieces) {
      if (piece.size() > max_bytes) EXPECT_EQ(cluster::DecodeRelayed(piece)->notes.size(), 1u) << max_bytes;
      const std::optional<server::RelayedNotifications> read = cluster::DecodeRelayed(piece);
      ASSERT_TRUE(read.has_value());
      EXPECT_EQ(read->applied, 7u);
      joined.notes.insert(joined.notes.end(), read->notes.begin(), read->notes.end());
    }
    EXPECT_EQ(joined, large) << max_bytes;
    EXPECT_EQ(pieces.size() == 1, max_bytes == size_t{1} << 20) << max_bytes;
  }
}

// Two nodes' relays over a real server: each hears the other's batches in
// the order sent and never its own; after Stop, nothing more is received.
TEST_F(ClusterTest, NotificationsRelayedToTheOtherNodesInOrder) {
  using server::RelayedNotifications;
  struct Heard {
    absl::Mutex mu;
    std::vector<RelayedNotifications> batches ABSL_GUARDED_BY(mu);
    void Add(RelayedNotifications b) {
      absl::MutexLock lock(&mu);
      batches.push_back(std::move(b));
    }
    // What was heard once it is `n` batches, or after 10 s.
    std::vector<RelayedNotifications> Await(size_t n) {
      for (const absl::Time deadline = absl::Now() + absl::Seconds(10); absl::Now() < deadline;) {
        {
          absl::MutexLock lock(&mu);
          if (batches.size() >= n) break;
        }
        absl::SleepFor(absl::Milliseconds(10));
      }
      absl::MutexLock lock(&mu);
      return batches;
    }
  };
  Heard heard_a, heard_b;
  absl::StatusOr<std::unique_ptr<cluster::NatsNotificationRelay>> a =
      cluster::NatsNotificationRelay::Connect({nats_->url()}, "relay");
  absl::StatusOr<std::unique_ptr<cluster::NatsNotificationRelay>> b =
      cluster::NatsNotificationRelay::Connect({nats_->url()}, "relay");
  absl::StatusOr<std::unique_ptr<cluster::NatsNotificationRelay>> elsewhere =
      cluster::NatsNotificationRelay::Connect({nats_->url()}, "another-stream");
  ASSERT_TRUE(a.ok() && b.ok() && elsewhere.ok());
  (*a)->Start([&heard_a](RelayedNotifications n) { heard_a.Add(std::move(n)); });
  (*b)->Start([&heard_b](RelayedNotifications n) { heard_b.Add(std::move(n)); });
  (*elsewhere)->Start([](RelayedNotifications) { ADD_FAILURE() << "another stream's node heard it"; });
  std::vector<RelayedNotifications> sent;
  for (int i = 0; i < 50; ++i) {
    sent.push_back({static_cast<uint64_t>(i), {{i, "c", absl::StrCat("from a ", i)}}});
    (*a)->Send(sent.back());
  }
  (*b)->Send({99, {{1, "c", "from b"}}});
  const std::vector<RelayedNotifications> b_heard = heard_b.Await(sent.size());
  EXPECT_EQ(b_heard, sent);
  const std::vector<RelayedNotifications> a_heard = heard_a.Await(1);
  const std::vector<RelayedNotifications> from_b = {{99, {{1, "c", "from b"}}}};
  EXPECT_EQ(a_heard, from_b);
  (*b)->Stop();
  (*a)->Send({100, {{1, "c", "late"}}});
  (*b)->Send({101, {{1, "c", "from b again"}}});  // it still sends
  EXPECT_EQ(heard_a.Await(2).size(), 2u);
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(heard_b.Await(0).size(), sent.size());
}

}  // namespace
}  // namespace hindsight::testing
