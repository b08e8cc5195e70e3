// hindsight serve [options] DB_DIR
#include <sys/resource.h>

#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cluster/jetstream_log.h"
#include "cluster/nats_notification_relay.h"
#include "cluster/node.h"
#include "command_line.h"
#include "server/server.h"
#include "server/statement_timeout.h"

namespace hindsight::tools {
namespace {

constexpr char kHelp[] =
    "usage: hindsight serve [--listen HOST:PORT] [--users FILE] [--tls-cert FILE --tls-key FILE\n"
    "                       [--require-tls]] [--max-connections N]\n"
    "                       [--idle-in-transaction-timeout SECONDS]\n"
    "                       [--authentication-timeout SECONDS] [--tcp-keepalive SECONDS]\n"
    "                       [--statement-timeout TIME]\n"
    "                       [--log-min-duration-statement TIME]\n"
    "                       [--max-session-memory SIZE]\n"
    "                       [--nats URL[,URL...] [--stream NAME] [--replicas N]] DB_DIR\n"
    "\n"
    "Serves the database in DB_DIR (creating it if needed) over the PostgreSQL wire\n"
    "protocol, so psql and every PostgreSQL driver are Hindsight clients:\n"
    "  psql -h 127.0.0.1 -p 5433 -c 'Syria * Ukraine at 2025-10-01'\n"
    "Statements are the query language's (docs/query-language.md); BEGIN, COMMIT,\n"
    "ROLLBACK and the SET/SHOW statements drivers send work too (docs/server.md).\n"
    "Prints one line when ready and serves until SIGTERM or SIGINT, then lets running\n"
    "statements finish, rolls back open transactions and exits 0. On SIGHUP it reads\n"
    "the users file and the TLS certificate and key again, for new connections.\n"
    "\n"
    "  --listen HOST:PORT      where to listen (default 127.0.0.1:5433; port 0: any);\n"
    "                          HOST an address or a name (localhost: 127.0.0.1)\n"
    "  --users FILE            clients authenticate with SCRAM-SHA-256 against FILE\n"
    "                          (hindsight user add); without it only loopback clients\n"
    "                          are accepted, without a password\n"
    "  --tls-cert, --tls-key   PEM files: offer TLS (sslmode=require)\n"
    "  --require-tls           refuse clients that do not use TLS\n"
    "  --max-connections N     the client past N is refused with 53300 (default 100)\n"
    "  --idle-in-transaction-timeout SECONDS\n"
    "                          disconnect a client idle inside a transaction this long,\n"
    "                          rolling it back (default 600; 0: never)\n"
    "  --authentication-timeout SECONDS\n"
    "                          disconnect a client that has not finished start-up,\n"
    "                          TLS and authentication this long after connecting\n"
    "                          (default 60)\n"
    "  --tcp-keepalive SECONDS probe a client's connection silent this long, and close\n"
    "                          it when four probes a quarter of it apart go unanswered\n"
    "                          (its machine or network gone; default 60; 0: never)\n"
    "  --statement-timeout TIME\n"
    "                          cancel a statement that runs longer (57014), unless its\n"
    "                          session sets statement_timeout: milliseconds, or 500ms,\n"
    "                          5s, 1min, 2h (default 0: never)\n"
    "  --log-min-duration-statement TIME\n"
    "                          log each statement that takes at least this long\n"
    "                          (0: every one) with its time, session and text\n"
    "  --max-session-memory SIZE\n"
    "                          what one session may hold in memory: its open\n"
    "                          transaction's operations and its prepared statements;\n"
    "                          a write or a Parse past it fails with 54000, a write's\n"
    "                          transaction with it (default 256M; K, M, G)\n"
    "\n"
    "A node of a cluster (docs/cluster.md): with --nats the database is an index of\n"
    "a transaction log on a NATS JetStream stream that every node follows; commits\n"
    "through any node go through the stream, and NOTIFY reaches the listeners of\n"
    "every node (over NATS subject STREAM.notify).\n"
    "  --nats URL[,URL...]     the NATS servers (e.g. nats://127.0.0.1:4222)\n"
    "  --stream NAME           the stream (default hindsight; created if missing)\n"
    "  --replicas N            its replicas when this node creates it (default 3)\n";

// "HOST:PORT" or "[V6]:PORT".
bool ParseListen(const std::string& text, std::string* host, uint16_t* port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  std::string h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  uint32_t p = 0;
  if (h.empty() || !absl::SimpleAtoi(text.substr(colon + 1), &p) || p > 65535) return false;
  *host = h;
  *port = static_cast<uint16_t>(p);
  return true;
}

// Takes as many file descriptors as the hard limit allows: RocksDB keeps up
// to 512 table files open, and each connection a socket and perhaps a
// temporary file, which the usual soft limit (1024) may not hold.
void RaiseDescriptorLimit() {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur >= files.rlim_max) return;
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
}

// Starts a cluster node over `db` following the stream of `log_options`,
// and has the server's SHOW hindsight_status report it.
absl::StatusOr<std::unique_ptr<Database>> StartNode(std::unique_ptr<Database> db,
                                                    const cluster::JetStreamOptions& log_options,
                                                    const std::string& name, server::ServerOptions* options) {
  absl::StatusOr<std::unique_ptr<cluster::JetStreamLog>> log = cluster::JetStreamLog::Connect(log_options);
  if (!log.ok()) return log.status();
  cluster::NodeOptions node_options;
  node_options.name = name;
  absl::StatusOr<std::unique_ptr<cluster::Node>> node =
      cluster::Node::Start(std::move(db), *std::move(log), node_options);
  if (!node.ok()) return node.status();
  cluster::Node* n = node->get();
  options->status = [n] { return cluster::StatusRows(n->Status()); };
  return std::unique_ptr<Database>(*std::move(node));
}

// The options as typed, before they are read.
struct TypedOptions {
  std::string listen = "127.0.0.1:5433", max_connections = "100", idle_timeout = "600", auth_timeout = "60";
  std::string keepalive = "60";
  std::string max_session_memory, statement_timeout, slow, nats, replicas = "3";
};

// A time option, as PostgreSQL reads its time settings; nullopt (said
// through `cl`) if it does not read.
std::optional<absl::Duration> ReadTimeOption(CommandLine& cl, const char* flag, const std::string& text) {
  absl::StatusOr<absl::Duration> d = server::ParseTimeSetting(text, flag);
  if (!d.ok())
    cl.Error(absl::StrCat(flag, " takes milliseconds or a time such as 250ms, 5s or 1min, not '", text, "'"));
  return d.ok() ? std::optional<absl::Duration>(*d) : std::nullopt;
}

// Reads the limits and timeouts of `typed` into `options`; false (said
// through `cl`) at the first that does not read.
bool ReadLimits(const TypedOptions& typed, CommandLine& cl, server::ServerOptions* options) {
  if (!absl::SimpleAtoi(typed.max_connections, &options->max_connections) || options->max_connections < 1) {
    cl.Error(absl::StrCat("--max-connections takes a positive number, not '", typed.max_connections, "'"));
    return false;
  }
  int64_t idle_seconds = 0;
  if (!absl::SimpleAtoi(typed.idle_timeout, &idle_seconds) || idle_seconds < 0) {
    cl.Error(absl::StrCat("--idle-in-transaction-timeout takes seconds, not '", typed.idle_timeout, "'"));
    return false;
  }
  options->idle_in_transaction_timeout = std::chrono::seconds(idle_seconds);
  int64_t auth_seconds = 0;
  if (!absl::SimpleAtoi(typed.auth_timeout, &auth_seconds) || auth_seconds < 1 || auth_seconds > 600) {
    cl.Error(absl::StrCat("--authentication-timeout takes seconds from 1 to 600, not '", typed.auth_timeout, "'"));
    return false;
  }
  options->authentication_timeout = std::chrono::seconds(auth_seconds);
  int64_t keepalive_seconds = 0;
  if (!absl::SimpleAtoi(typed.keepalive, &keepalive_seconds) || keepalive_seconds < 0 || keepalive_seconds > 32767) {
    cl.Error(absl::StrCat("--tcp-keepalive takes seconds from 0 to 32767, not '", typed.keepalive, "'"));
    return false;
  }
  options->tcp_keepalive = std::chrono::seconds(keepalive_seconds);
  if (!typed.statement_timeout.empty()) {
    const std::optional<absl::Duration> timeout = ReadTimeOption(cl, "--statement-timeout", typed.statement_timeout);
    if (!timeout) return false;
    options->statement_timeout = *timeout;
  }
  if (!typed.slow.empty()) {
    options->log_min_duration_statement = ReadTimeOption(cl, "--log-min-duration-statement", typed.slow);
    if (!options->log_min_duration_statement) return false;
  }
  if (!typed.max_session_memory.empty()) {
    const std::optional<size_t> bytes = ParseSize(typed.max_session_memory);
    if (!bytes) {
      cl.Error(
          absl::StrCat("--max-session-memory takes a size such as 64M or 1G, not '", typed.max_session_memory, "'"));
      return false;
    }
    options->max_session_bytes = *bytes;
  }
  return true;
}

// Opens DB_DIR (as a cluster node named `listen` when `log_options` names
// servers) and serves it until SIGTERM or SIGINT.
int Serve(CommandLine& cl, const std::string& dir, const std::string& listen,
          const cluster::JetStreamOptions& log_options, server::ServerOptions options) {
  options.db_dir = dir;
  RaiseDescriptorLimit();
  absl::StatusOr<std::unique_ptr<Database>> db = OpenOrCreate(cl, dir, Options());
  std::unique_ptr<cluster::NatsNotificationRelay> relay;
  if (db.ok() && !log_options.servers.empty()) {
    db = StartNode(*std::move(db), log_options, listen, &options);
  }
  if (db.ok() && !log_options.servers.empty()) {
    absl::StatusOr<std::unique_ptr<cluster::NatsNotificationRelay>> connected =
        cluster::NatsNotificationRelay::Connect(log_options.servers, log_options.stream);
    if (connected.ok()) {
      relay = *std::move(connected);
      options.notification_relay = relay.get();  // NOTIFY reaches every node's listeners
    } else {
      db = connected.status();
    }
  }
  if (!db.ok()) {
    cl.Error(std::string(db.status().message()));
    return kExitFailure;
  }
  absl::StatusOr<std::unique_ptr<server::Server>> server = server::Server::Create(db->get(), options);
  if (!server.ok()) {
    cl.Error(std::string(server.status().message()));
    return kExitFailure;
  }
  std::printf("hindsight: serving %s on %s%s\n", dir.c_str(), (*server)->address().c_str(),
              options.users_file.empty() ? " (no users file: loopback clients only, no password)" : "");
  std::fflush(stdout);
  (*server)->Run();
  std::fprintf(stderr, "hindsight: stopped serving %s\n", dir.c_str());
  return kExitOk;
}

}  // namespace

int RunServe(const Args& args) {
  CommandLine cl("serve", kHelp);
  TypedOptions typed;
  server::ServerOptions options;
  cluster::JetStreamOptions log_options;
  cl.Value("--listen", &typed.listen);
  cl.Value("--users", &options.users_file);
  cl.Value("--tls-cert", &options.tls_cert);
  cl.Value("--tls-key", &options.tls_key);
  cl.Flag("--require-tls", &options.require_tls);
  cl.Value("--max-connections", &typed.max_connections);
  cl.Value("--idle-in-transaction-timeout", &typed.idle_timeout);
  cl.Value("--authentication-timeout", &typed.auth_timeout);
  cl.Value("--tcp-keepalive", &typed.keepalive);
  cl.Value("--max-session-memory", &typed.max_session_memory);
  cl.Value("--statement-timeout", &typed.statement_timeout);
  cl.Value("--log-min-duration-statement", &typed.slow);
  cl.Value("--nats", &typed.nats);
  cl.Value("--stream", &log_options.stream);
  cl.Value("--replicas", &typed.replicas);
  if (auto exit = cl.Parse(args, 1)) return *exit;
  if (!ParseListen(typed.listen, &options.host, &options.port)) {
    cl.Error(absl::StrCat("--listen takes HOST:PORT, not '", typed.listen, "'"));
    return kExitUsage;
  }
  if (!ReadLimits(typed, cl, &options)) return kExitUsage;
  if (!absl::SimpleAtoi(typed.replicas, &log_options.replicas) || log_options.replicas < 1 ||
      log_options.replicas > 5) {
    cl.Error(absl::StrCat("--replicas takes a number from 1 to 5, not '", typed.replicas, "'"));
    return kExitUsage;
  }
  log_options.servers = absl::StrSplit(typed.nats, ',', absl::SkipEmpty());
  log_options.connect_in_background = true;  // a node serves reads while its servers are away
  return Serve(cl, cl.positional()[0], typed.listen, log_options, std::move(options));
}

}  // namespace hindsight::tools
