// A client connection of `hindsight serve`, and what it asks of the server
// that accepted it.
#ifndef HINDSIGHT_SERVER_CONNECTION_H_
#define HINDSIGHT_SERVER_CONNECTION_H_

#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "hindsight/db.h"
#include "server/notification_queue.h"
#include "server/pg_protocol.h"
#include "server/protocol_handler.h"
#include "server/server.h"
#include "server/server_log.h"
#include "server/session_activity.h"
#include "server/statement_timeout.h"
#include "server/users_file.h"

namespace hindsight::server {

// What a connection asks of the server that accepted it (ServerImpl, in
// server.cc), from the connection's own thread. Besides these, the
// sessions list and signals of SessionDirectory, which a session's SHOW
// hindsight_sessions and pg_cancel_backend reach.
class ConnectionHost : public SessionDirectory {
 public:
  virtual Database* db() const = 0;
  virtual const ServerOptions& options() const = 0;
  // The TLS context a new connection takes (null without --tls-cert), and
  // the users it authenticates against: as last loaded (SIGHUP reloads).
  virtual std::shared_ptr<SSL_CTX> tls() const = 0;
  virtual std::shared_ptr<const std::vector<User>> users() const = 0;
  // Turns true once, when the server begins to shut down.
  virtual bool shutting_down() const = 0;
  virtual ServerLog& log() = 0;
  // Registers connection `pid` as a session; false when that makes one
  // too many (--max-connections).
  virtual bool Admit(int32_t pid) = 0;
  // A CancelRequest: cancels connection `pid`'s running statement if
  // `secret` is its key; otherwise nothing.
  virtual void CancelRequest(int32_t pid, int32_t secret) = 0;
  // Has the server look at the connections' statement timeouts while any
  // is armed; called by a connection whose timeout is armed.
  virtual void SweepTimeouts() = 0;
  // Wakes connection `pid` (Connection::Wake) whenever a transaction
  // lands or a notification is published, until it ends.
  virtual void WakeWhenNotified(int32_t pid) = 0;
  // NOTIFY's notifications between the server's sessions.
  virtual NotificationQueue& notifications() = 0;
};

// A client connection, served by a thread of its own with blocking reads
// and writes (as a PostgreSQL backend is a process of its own): start-up,
// authentication, then messages handed to a ProtocolHandler. A message
// that arrives wakes exactly the thread that waits for it, and a statement
// that waits for a commit's sync holds only its own thread, so the commits
// of many clients share one sync.
class Connection {
 public:
  Connection(ConnectionHost* server, int fd, int32_t pid, int32_t secret);
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Serves the client until it leaves; then closes the socket.
  void Run();

  int32_t pid() const { return pid_; }
  int32_t secret() const { return secret_; }
  // From any thread.
  void Cancel() { cancel_.store(true); }
  // From any thread: ends the connection once it is between statements
  // (after ConnectionHost::shutting_down() turned true).
  void Shutdown() {
    absl::MutexLock lock(&fd_mu_);
    if (fd_ >= 0 && reading_.load()) ::shutdown(fd_, SHUT_RD);
  }
  // From any thread: cancels the running statement, and ends the
  // connection once it is over (pg_terminate_backend).
  void Terminate() {
    terminate_.store(true);
    Cancel();
    Shutdown();
  }
  const SessionActivity& activity() const { return activity_; }
  StatementTimeout& timeout() { return timeout_; }
  // From any thread: ends the connection now; a blocked read or write
  // returns.
  void ForceClose() {
    absl::MutexLock lock(&fd_mu_);
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  }
  // From any thread: a transaction landed or a notification was
  // published, for a session that listens and may be waiting for its next
  // message.
  void Wake() {
    absl::MutexLock lock(&fd_mu_);
    const uint64_t one = 1;
    if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof one);
  }

 private:
  // False when the socket has nothing before the deadline (timed_out_ is
  // then set) or fails. A TLS record already read needs no wait.
  bool WaitReadable();
  // Refills the read buffer with what one read brings: usually a whole
  // pipeline of messages (Bind, Execute, Sync). False at end of stream.
  bool Fill();
  bool ReadExactly(void* data, size_t n);
  // Reads `n` bytes in pieces, so a client announcing a long message holds
  // memory only for what it has sent.
  bool ReadBody(size_t n, std::string* body);
  bool WriteAll(std::string_view out);
  void Fatal(std::string_view sqlstate, std::string message) {
    std::string out;
    AppendErrorResponse({"FATAL", std::string(sqlstate), std::move(message), {}, ""}, &out);
    WriteAll(out);
  }
  // Fatal for a client refused at start-up, also logged (ServerLog::Refusal).
  void Refuse(std::string_view sqlstate, std::string message, const std::string& user);
  bool StartTls();

  std::optional<StartupPacket> Startup();
  bool Authenticate(const std::string& user, bool* read_only);
  // The next message (in message_, until the next call), or null when the
  // connection must end (it said why). A listening session outside a
  // transaction block gets its notifications while it waits.
  const FrontendMessage* NextMessage(ProtocolHandler* handler);
  // Until the client sends something: writes `handler`'s notifications as
  // they come (Wake). False when the client is gone.
  bool NotifyUntilReadable(ProtocolHandler* handler);
  // Has the server wake this connection when a transaction lands or a
  // notification is published, once its session listens.
  void WakeWhenNotified();
  void Serve(ProtocolHandler* handler);
  // After a successful start-up: admission, authentication, the start-up
  // options, then the session.
  void Greet(const StartupPacket& startup);
  // Whether the server takes this client (TLS, loopback, --max-connections);
  // if not, it has been told why. Notes the peer's address.
  bool Admit(const std::string& user);
  // The session's statement_timeout, after waiting for the transaction the
  // client asked to await; nullopt if the client was told of a failure.
  std::optional<absl::Duration> ApplyStartupOptions(const std::map<std::string, std::string>& params);
  // The session, from its first statement until the client leaves.
  void RunSession(const std::string& user, const std::string& database, bool read_only,
                  const std::string& application, absl::Duration statement_timeout);

  ConnectionHost* server_;
  // Held to shut down the socket from another thread, to close it, and to
  // Wake: fd_ and wake_fd_ change only under it, on the connection's own
  // thread, which reads them without it.
  absl::Mutex fd_mu_;
  int fd_;
  int wake_fd_ = -1;  // an eventfd Wake writes to, once the session listens
  struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
  };
  std::unique_ptr<SSL, SslFree> ssl_;
  const int32_t pid_;
  const int32_t secret_;
  std::string peer_;  // the client's address and port, once Greet has looked
  std::atomic<bool> cancel_{false};
  std::atomic<bool> terminate_{false};          // Terminate() was called
  std::atomic<bool> reading_{false};            // waiting for the next message
  SessionActivity activity_;
  StatementTimeout timeout_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;   // of the reads, if any
  bool timed_out_ = false;                      // a read passed deadline_
  static constexpr size_t kReadBuffer = 16 << 10;
  std::unique_ptr<char[]> in_{new char[kReadBuffer]};  // bytes read: [in_pos_, in_len_) not yet taken
  size_t in_pos_ = 0;
  size_t in_len_ = 0;
  // The last message and its body, reused so that a message costs no
  // allocation once they have grown (up to kKeptMessageBytes).
  static constexpr size_t kKeptMessageBytes = 64 << 10;
  std::string body_;
  FrontendMessage message_{};
};

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_CONNECTION_H_
