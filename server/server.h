// `hindsight serve`: one database, many clients, over the PostgreSQL wire
// protocol (version 3); docs/server.md describes what clients see.
//
// Threads: each connection (connection.h) is served by a thread of its
// own, with blocking reads and writes on its socket (TLS through OpenSSL),
// as each PostgreSQL session is a process of its own: a long statement
// holds only its own client. A thread whose connection ended serves the
// next one. Reads run in parallel on snapshots; commits go through the
// engine one at a time, the commits of several connections sharing one
// sync. The thread that calls Run accepts connections (standalone Asio)
// and handles signals and shutdown.
#ifndef HINDSIGHT_SERVER_SERVER_H_
#define HINDSIGHT_SERVER_SERVER_H_

#include <chrono>
#include <functional>
#include <utility>
#include <vector>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hindsight/db.h"

namespace hindsight::server {

class NotificationRelay;  // server/notification_relay.h

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 5433;  // 0: any free port (address() tells which)
  // With a users file every client authenticates with SCRAM-SHA-256;
  // without one the server trusts loopback clients and refuses others.
  std::string users_file;
  std::string tls_cert;  // both or neither (PEM files)
  std::string tls_key;
  bool require_tls = false;
  // Clients past this are refused with 53300. Each connection has a thread;
  // the server keeps as many threads as connections were ever open at once.
  int max_connections = 100;
  // A client that leaves a transaction open and idle this long is
  // disconnected (its transaction rolled back); 0: never.
  std::chrono::seconds idle_in_transaction_timeout{600};
  // What one session may hold in memory from one statement to the next
  // (its open transaction's operations, its prepared statements): a write or
  // a Parse that takes it past this fails with 54000.
  size_t max_session_bytes = size_t{256} << 20;
  // A client's connection silent this long gets TCP keepalive probes, one
  // every quarter of it (at least 1 s); after four unanswered the server
  // closes it (its transaction rolled back): a client whose machine or
  // network vanished without closing its connection frees its slot within
  // twice this. 0: no probes (the connection waits for the client).
  std::chrono::seconds tcp_keepalive{60};
  // A client that has not finished start-up (TLS included) and
  // authentication this long after connecting is disconnected
  // (PostgreSQL's authentication_timeout).
  std::chrono::seconds authentication_timeout{60};
  // A statement that runs longer is cancelled (57014), unless its session
  // sets another statement_timeout; 0: never (server/statement_timeout.h).
  absl::Duration statement_timeout = absl::ZeroDuration();
  // Simple queries and Executes that take at least this long are logged
  // with their time and text (PostgreSQL's log_min_duration_statement);
  // unset: none.
  std::optional<absl::Duration> log_min_duration_statement;
  // On shutdown, running statements get this long to finish, then are
  // cancelled.
  std::chrono::seconds shutdown_grace{10};
  // What `SHOW hindsight_status` answers: one row, these (column, value)
  // pairs; a cluster node's replication state (cluster::StatusRows).
  // Unset: the last transaction id, as column "applied".
  std::function<std::vector<std::pair<std::string, std::string>>()> status;
  // The database's directory: SHOW hindsight_stats reports the bytes under
  // it. Empty: it leaves them out.
  std::string db_dir;
  // A cluster node's relay of NOTIFY's notifications to and from the other
  // nodes (nullptr: they reach this server's sessions only). Must outlive
  // Run; Run starts and stops it.
  NotificationRelay* notification_relay = nullptr;
};

class Server {
 public:
  // Reads the users file and TLS files and binds the listening socket.
  // Errors: InvalidArgument for inconsistent options, NotFound/InvalidArgument
  // for the users file, FailedPrecondition when TLS files do not load or the
  // address cannot be bound (the message says why).
  static absl::StatusOr<std::unique_ptr<Server>> Create(Database* db, const ServerOptions& options);
  virtual ~Server() = default;

  // The address it listens on, "HOST:PORT".
  virtual std::string address() const = 0;

  // Serves until Stop(), SIGTERM or SIGINT; then stops accepting, lets
  // running statements finish within the grace period (cancelling them
  // after it), rolls back open transactions, closes every connection and
  // returns. The database is untouched after it returns.
  virtual void Run() = 0;

  // Thread-safe; Run returns soon after.
  virtual void Stop() = 0;
};

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_SERVER_H_
