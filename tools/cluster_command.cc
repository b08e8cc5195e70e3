// hindsight checkpoint DB_DIR|URI OUT_DIR, hindsight cluster init DB_DIR --nats URL
// and hindsight cluster trim DB_DIR --nats URL
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "cluster/jetstream_log.h"
#include "cluster/log_prefix.h"
#include "command_line.h"
#include "hindsight/db.h"
#include "hindsight/log_record.h"
#include "server_statement.h"

namespace hindsight::tools {
namespace {

constexpr char kCheckpointHelp[] =
    "usage: hindsight checkpoint DB_DIR|URI OUT_DIR\n"
    "\n"
    "Writes a consistent copy of the database in DB_DIR to OUT_DIR (which must not\n"
    "exist), sharing its table files by hard links where it can. A cluster node\n"
    "started on the copy replays only the log entries after the copy's last\n"
    "transaction (docs/cluster.md).\n"
    "\n"
    "For a database a server is running (a cluster node, say), give the server's\n"
    "URI (postgresql://USER@HOST:PORT/hindsight): the server writes the copy, so\n"
    "OUT_DIR is a path on its machine, and the user must be allowed to write. It\n"
    "keeps serving; commits wait while the write buffers are flushed. A password\n"
    "comes from PGPASSWORD or ~/.pgpass, as for psql.\n";

constexpr char kClusterHelp[] =
    "usage: hindsight cluster init DB_DIR --nats URL[,URL...] [--stream NAME] [--replicas N]\n"
    "                              [--replace]\n"
    "       hindsight cluster trim DB_DIR --nats URL[,URL...] [--stream NAME]\n"
    "\n"
    "Publishes the transaction log of the database in DB_DIR, transaction by\n"
    "transaction, onto an empty NATS JetStream stream (created if missing, default\n"
    "name hindsight, 3 replicas), so that the database becomes the first node of a\n"
    "cluster: then start it with hindsight serve DB_DIR --nats URL, and other nodes\n"
    "on empty directories (docs/cluster.md). Erased keys stay erased: the stream gets\n"
    "the log as it is now. Refuses a stream that has entries. DB_DIR must not be in\n"
    "use.\n"
    "\n"
    "  --replace   delete the stream first: re-seeds a stream the NATS servers lost\n"
    "              entries of from a node that has them all (docs/cluster.md)\n"
    "\n"
    "trim removes from the stream the entries before the last transaction of the\n"
    "database in DB_DIR (a checkpoint, or a node's directory, in use or not), so\n"
    "that the stream stops growing for ever: a new node then starts from that\n"
    "checkpoint or a later one, not from an empty directory, and a node behind it\n"
    "stops with an error saying so. DB_DIR must hold a prefix of the stream.\n";

// Appends `records`, transactions `first_id` on, as entries of the same
// ids (attempt ids `prefix` + id): sent back to back, the ones unanswered
// sent again (as the same attempts, so none is stored twice), up to 20
// times.
absl::Status AppendBatch(cluster::TransactionLog* log, const std::vector<std::string>& records, uint64_t first_id,
                         const std::string& prefix) {
  size_t stored = 0;
  absl::Status why = absl::OkStatus();
  for (int attempt = 0; attempt < 20 && stored < records.size(); ++attempt) {
    const uint64_t last = first_id + stored - 1;
    std::vector<std::string> rest(records.begin() + stored, records.end());
    std::vector<std::string> attempt_ids;
    for (size_t i = 0; i < rest.size(); ++i) attempt_ids.push_back(absl::StrCat(prefix, last + 1 + i));
    const std::vector<absl::StatusOr<cluster::TransactionLog::Appended>> answers =
        log->AppendAll(rest, last, absl::StrCat(prefix, last), attempt_ids, absl::InfiniteFuture());
    size_t k = 0;
    for (; k < answers.size() && answers[k].ok(); ++k) {
      if (answers[k]->id != last + 1 + k) {
        return absl::DataLossError(absl::StrCat("transaction ", last + 1 + k, " was stored as entry ",
                                                answers[k]->id, ": another writer uses the stream"));
      }
    }
    stored += k;
    if (stored == records.size()) break;
    why = answers[k].status();
    // A refused record after an unanswered one: sent again with it.
    if (!absl::IsUnavailable(why) && !absl::IsAborted(why)) break;
  }
  if (stored == records.size()) return absl::OkStatus();
  return absl::Status(why.code(), absl::StrCat("transaction ", first_id + stored, ": ", why.message()));
}

// Puts every transaction of `db` on `log`, which must be empty, in
// batches sent back to back.
absl::Status Publish(const Database& db, cluster::TransactionLog* log) {
  constexpr size_t kBatchRecords = 1024;
  constexpr size_t kBatchBytes = size_t{16} << 20;
  absl::StatusOr<uint64_t> last = log->LastId();
  if (!last.ok()) return last.status();
  if (*last != 0) {
    return absl::FailedPreconditionError(absl::StrCat(log->description(), " already has ", *last,
                                                      " entries: cluster init needs an empty stream"));
  }
  const std::string prefix = absl::StrCat("init-", absl::ToUnixNanos(absl::Now()), "-");
  absl::Status status = absl::OkStatus();
  const TransactionInfo newest = db.LastTransaction();
  std::vector<std::string> batch;
  size_t batch_bytes = 0;
  uint64_t published = 0;
  const auto send = [&] {
    status = AppendBatch(log, batch, published + 1, prefix);
    if (!status.ok()) return false;
    // Progress at each 10,000 passed.
    if ((published + batch.size()) / 10000 > published / 10000) {
      std::fprintf(stderr, "published %llu of %llu transactions\n",
                   static_cast<unsigned long long>(published + batch.size()),
                   static_cast<unsigned long long>(newest.id));
    }
    published += batch.size();
    batch.clear();
    batch_bytes = 0;
    return true;
  };
  absl::Status scan = db.ScanLog(1, [&](const TransactionInfo& info, const Transaction& txn) {
    std::string record = EncodeLogRecord({info, txn});
    if (record.size() > log->max_record_bytes()) {
      status = absl::InvalidArgumentError(absl::StrCat("transaction ", info.id, " is ", record.size(),
                                                       " bytes as a log record, over the ", log->max_record_bytes(),
                                                       " bytes the stream takes: raise the servers' max_payload"));
      return false;
    }
    batch_bytes += record.size();
    batch.push_back(std::move(record));
    return batch.size() < kBatchRecords && batch_bytes < kBatchBytes ? true : send();
  });
  if (scan.ok() && status.ok() && !batch.empty()) send();
  return scan.ok() ? status : scan;
}

// Removes the entries of `log` before `db`'s last transaction, after
// checking that `db` holds a prefix of it; prints what it did.
absl::Status Trim(const Database& db, const std::string& dir, cluster::TransactionLog* log) {
  absl::StatusOr<std::optional<cluster::LogEntry>> compared = cluster::CheckPrefixOfLog(db, log);
  if (!compared.ok()) return compared.status();
  const uint64_t kept = db.LastTransaction().id;
  if (kept == 0) return absl::FailedPreconditionError(absl::StrCat(dir, " has no transactions: nothing to trim"));
  absl::StatusOr<uint64_t> first = log->FirstId();
  if (!first.ok()) return first.status();
  if (*first >= kept) {
    std::printf("%s holds entries from %llu on: nothing before transaction %llu to trim\n", log->description().c_str(),
                static_cast<unsigned long long>(*first), static_cast<unsigned long long>(kept));
    return absl::OkStatus();
  }
  if (absl::Status s = log->Trim(kept); !s.ok()) return s;
  absl::StatusOr<uint64_t> last = log->LastId();
  std::printf("trimmed entries %llu..%llu from %s: it holds %llu..%s; new nodes start from %s or a later checkpoint\n",
              static_cast<unsigned long long>(*first), static_cast<unsigned long long>(kept - 1),
              log->description().c_str(), static_cast<unsigned long long>(kept),
              last.ok() ? absl::StrCat(*last).c_str() : "", dir.c_str());
  return absl::OkStatus();
}

}  // namespace

int RunCheckpoint(const Args& args) {
  CommandLine cl("checkpoint", kCheckpointHelp);
  if (auto exit = cl.Parse(args, 2)) return *exit;
  if (IsServerUri(cl.positional()[0])) {
    return RunOnServer(cl, cl.positional()[0], "CHECKPOINT " + QuoteLiteral(cl.positional()[1]));
  }
  std::unique_ptr<Database> db =
      OpenIdle(cl, cl.positional()[0],
               "give the server's URI: hindsight checkpoint postgresql://USER@HOST:PORT/hindsight OUT_DIR");
  if (db == nullptr) return kExitFailure;
  absl::StatusOr<uint64_t> last = db->Checkpoint(cl.positional()[1]);
  if (!last.ok()) {
    cl.Error(std::string(last.status().message()));
    return kExitFailure;
  }
  std::printf("checkpoint of transactions 1..%llu written to %s\n", static_cast<unsigned long long>(*last),
              cl.positional()[1].c_str());
  return kExitOk;
}

int RunCluster(const Args& args) {
  CommandLine cl("cluster", kClusterHelp);
  std::string nats, replicas = "3";
  cluster::JetStreamOptions options;
  cl.Value("--nats", &nats);
  cl.Value("--stream", &options.stream);
  cl.Value("--replicas", &replicas);
  bool replace = false;
  cl.Flag("--replace", &replace);
  if (auto exit = cl.Parse(args, 2)) return *exit;
  const std::string& subcommand = cl.positional()[0];
  if (subcommand != "init" && subcommand != "trim") {
    cl.Error(absl::StrCat("unknown subcommand '", subcommand, "' (there are: init, trim)"));
    return kExitUsage;
  }
  if (subcommand == "trim" && replace) {
    cl.Error("--replace is for cluster init");
    return kExitUsage;
  }
  if (nats.empty()) {
    cl.Error("--nats is required");
    return kExitUsage;
  }
  if (!absl::SimpleAtoi(replicas, &options.replicas) || options.replicas < 1 || options.replicas > 5) {
    cl.Error(absl::StrCat("--replicas takes a number from 1 to 5, not '", replicas, "'"));
    return kExitUsage;
  }
  options.servers = absl::StrSplit(nats, ',', absl::SkipEmpty());
  std::unique_ptr<Database> db = subcommand == "init"
                                     ? OpenIdle(cl, cl.positional()[1], "stop the server or node that has it first")
                                     : OpenExisting(cl, cl.positional()[1]);
  if (db == nullptr) return kExitFailure;
  absl::StatusOr<std::unique_ptr<cluster::JetStreamLog>> log = cluster::JetStreamLog::Connect(options);
  if (!log.ok()) {
    cl.Error(std::string(log.status().message()));
    return kExitFailure;
  }
  if (subcommand == "trim") {
    if (absl::Status s = Trim(*db, cl.positional()[1], log->get()); !s.ok()) {
      cl.Error(std::string(s.message()));
      return kExitFailure;
    }
    return kExitOk;
  }
  if (replace) {
    if (absl::Status s = (*log)->Recreate(); !s.ok()) {
      cl.Error(std::string(s.message()));
      return kExitFailure;
    }
  }
  if (absl::Status s = Publish(*db, log->get()); !s.ok()) {
    cl.Error(std::string(s.message()));
    return kExitFailure;
  }
  std::printf("published %llu transactions to %s\n", static_cast<unsigned long long>(db->LastTransaction().id),
              (*log)->description().c_str());
  return kExitOk;
}

}  // namespace hindsight::tools
