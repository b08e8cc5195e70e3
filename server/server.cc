#include "server/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <asio.hpp>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "hindsight/options.h"
#include "server/pg_protocol.h"
#include "server/protocol_handler.h"
#include "server/scram.h"
#include "server/server_log.h"
#include "server/session_activity.h"
#include "server/statement_timeout.h"
#include "util/utf8.h"
#include "server/users_file.h"

namespace hindsight::server {
namespace {

using Clock = std::chrono::steady_clock;

// How long a client that asks for hindsight.await_tx at start-up waits.
constexpr absl::Duration kStartupAwait = absl::Seconds(10);
// Connections beyond --max-connections that may be in start-up at once
// (clients not yet admitted, cancel requests); past that a new connection
// is refused before it is read.
constexpr int kStartupSlots = 64;
constexpr size_t kReadBuffer = 16 << 10;
// How long accepting rests when the process is out of descriptors.
constexpr absl::Duration kAcceptRetry = absl::Milliseconds(100);

// A setting a client gives at start-up: a start-up parameter NAME=VALUE,
// or the same in libpq's options ("-c NAME=VALUE").
std::optional<std::string> StartupSetting(const std::map<std::string, std::string>& params, std::string_view name) {
  if (auto it = params.find(std::string(name)); it != params.end()) return it->second;
  auto options = params.find("options");
  if (options == params.end()) return std::nullopt;
  for (absl::string_view word : absl::StrSplit(options->second, ' ', absl::SkipEmpty())) {
    absl::ConsumePrefix(&word, "-c");
    absl::ConsumePrefix(&word, "--");
    if (absl::ConsumePrefix(&word, absl::string_view(name.data(), name.size())) && absl::ConsumePrefix(&word, "=")) {
      return std::string(word);
    }
  }
  return std::nullopt;
}

// The log's line for a slow simple query or Execute: its session, its
// time, and its text on one line (each run of white space one space), cut
// at SessionActivity::kQueryBytes.
std::string SlowStatementLine(int32_t pid, const std::string& user, absl::Duration took, std::string_view text,
                              bool failed) {
  std::string one_line;
  for (const char c : internal::PrefixAtCharacter(text, SessionActivity::kQueryBytes)) {
    const bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (!space) {
      one_line.push_back(c);
    } else if (!one_line.empty() && one_line.back() != ' ') {
      one_line.push_back(' ');
    }
  }
  while (!one_line.empty() && one_line.back() == ' ') one_line.pop_back();
  return absl::StrFormat("session %d (user %s): duration %.3f ms%s: %s", pid, user,
                         absl::ToDoubleMilliseconds(took), failed ? " (failed)" : "", one_line);
}

// The transaction a client asks, at start-up, to see before its first
// statement: hindsight.await_tx=N.
std::optional<uint64_t> AwaitedTransaction(const std::map<std::string, std::string>& params) {
  uint64_t id = 0;
  const std::optional<std::string> setting = StartupSetting(params, "hindsight.await_tx");
  if (setting && absl::SimpleAtoi(*setting, &id)) return id;
  return std::nullopt;
}

// The last OpenSSL error of this thread, as text.
std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// Bounds each blocking read of the socket (0: no bound): during start-up,
// so that a TLS handshake that stalls ends too.
void SetReceiveTimeout(int fd, std::chrono::seconds timeout) {
  const timeval tv{static_cast<time_t>(timeout.count()), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};

// A TLS context holding `options`' certificate chain and key, TLS 1.2 and
// later. FailedPrecondition naming the file that does not load.
absl::StatusOr<std::shared_ptr<SSL_CTX>> MakeTlsContext(const ServerOptions& options) {
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx || SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1) {
    return absl::InternalError(absl::StrCat("cannot set up TLS: ", OpenSslError()));
  }
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), options.tls_cert.c_str()) != 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot load --tls-cert '", options.tls_cert, "': ", OpenSslError()));
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), options.tls_key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot load --tls-key '", options.tls_key, "': ", OpenSslError()));
  }
  return ctx;
}

using asio::ip::tcp;

class ServerImpl;

// A client connection, served by a thread of its own with blocking reads
// and writes (as a PostgreSQL backend is a process of its own): start-up,
// authentication, then messages handed to a ProtocolHandler. A message
// that arrives wakes exactly the thread that waits for it, and a statement
// that waits for a commit's sync holds only its own thread, so the commits
// of many clients share one sync.
class Connection {
 public:
  Connection(ServerImpl* server, int fd, int32_t pid, int32_t secret);
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
  // (after ServerImpl::shutting_down() turned true).
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
  // From any thread: a transaction landed, for a session that listens
  // for commits and may be waiting for its next message.
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
  // transactions land (Wake). False when the client is gone.
  bool NotifyUntilReadable(ProtocolHandler* handler);
  // Has the server wake this connection when a transaction lands, once
  // its session listens.
  void ListenForCommits();
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
  void RunSession(const std::string& user, bool read_only, const std::string& application,
                  absl::Duration statement_timeout);

  ServerImpl* server_;
  // Held to shut down the socket from another thread, to close it, and to
  // Wake: fd_ and wake_fd_ change only under it, on the connection's own
  // thread, which reads them without it.
  absl::Mutex fd_mu_;
  int fd_;
  int wake_fd_ = -1;  // an eventfd Wake writes to, once the session listens
  std::unique_ptr<SSL, SslFree> ssl_;
  const int32_t pid_;
  const int32_t secret_;
  std::string peer_;  // the client's address and port, once Greet has looked
  std::atomic<bool> cancel_{false};
  std::atomic<bool> terminate_{false};          // Terminate() was called
  std::atomic<bool> reading_{false};            // waiting for the next message
  SessionActivity activity_;
  StatementTimeout timeout_;
  std::optional<Clock::time_point> deadline_;   // of the reads, if any
  bool timed_out_ = false;                      // a read passed deadline_
  std::unique_ptr<char[]> in_{new char[kReadBuffer]};  // bytes read: [in_pos_, in_len_) not yet taken
  size_t in_pos_ = 0;
  size_t in_len_ = 0;
  // The last message and its body, reused so that a message costs no
  // allocation once they have grown (up to kKeptMessageBytes).
  static constexpr size_t kKeptMessageBytes = 64 << 10;
  std::string body_;
  FrontendMessage message_{};
};

class ServerImpl final : public Server, public SessionDirectory {
 public:
  ServerImpl(Database* db, const ServerOptions& options) : db_(db), options_(options), acceptor_(io_) {}
  ~ServerImpl() override { EndThreads(); }

  absl::Status Init();
  std::string address() const override { return address_; }
  void Run() override;
  void Stop() override;

  Database* db() const { return db_; }
  const ServerOptions& options() const { return options_; }
  // The TLS context new connections take (null without --tls-cert), and
  // the users they authenticate against: as last loaded (Reload).
  std::shared_ptr<SSL_CTX> tls() const {
    absl::MutexLock lock(&files_mu_);
    return tls_;
  }
  std::shared_ptr<const std::vector<User>> users() const {
    absl::MutexLock lock(&files_mu_);
    return users_;
  }
  bool shutting_down() const { return shutting_down_.load(); }
  bool has_users() const { return !options_.users_file.empty(); }
  ServerLog& log() { return log_; }

  // Registers a connection; false when that makes one too many.
  bool Admit(int32_t pid) {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(admitted_.size()) < options_.max_connections && admitted_.insert(pid).second;
  }
  void CancelRequest(int32_t pid, int32_t secret) {
    absl::MutexLock lock(&mu_);
    auto it = connections_.find(pid);
    if (it == connections_.end()) return;
    if (auto conn = it->second.lock(); conn && conn->secret() == secret) conn->Cancel();
  }
  std::vector<SessionView> List() const override;
  // Looks at the connections' statement timeouts every kSweepInterval
  // while any is armed, cancelling those past their deadline; called by a
  // connection whose timeout is armed (from its thread).
  void SweepTimeouts();
  bool Signal(int32_t pid, bool terminate, const std::string& by) override;
  // Wakes connection `pid` (Connection::Wake) whenever a transaction lands,
  // until it ends.
  void WakeOnCommits(int32_t pid);

 private:
  // The commit watcher's thread: waits for each transaction to land while
  // any connection listens, and wakes the listening connections.
  void WatchCommits();
  // The address --listen names: an IP address, or a host name's.
  absl::StatusOr<asio::ip::address> ListenAddress();
  // Accepts connections, each handed to Take, until the acceptor closes.
  void Accept();
  // Whether `error` from accept says the process is out of descriptors or
  // memory (the connection waits), not that the client went away.
  static bool OutOfResources(const asio::error_code& error);
  // Accepts again after kAcceptRetry; says why on stderr, once a spell.
  void AcceptLater(const asio::error_code& error);
  // Serves an accepted connection on a thread of its own, or refuses it
  // (53300) when there are too many.
  void Take(tcp::socket socket);
  // Has the kernel probe `fd`'s client when the connection is silent for
  // ServerOptions::tcp_keepalive, and close it when the client is gone.
  void ProbeWhenSilent(int fd) const;
  // Hands `fd` to a thread whose connection ended, or starts one; false
  // (the socket closed) when there are too many.
  bool Launch(int fd);
  // A thread's life: serves `conn`, then each connection handed to it,
  // until the server ends.
  void Serve(std::shared_ptr<Connection> conn);
  // Called by a connection's thread as it ends.
  void Finished(int32_t pid);
  // The next connection for a thread whose connection ended; null once the
  // server ends.
  std::shared_ptr<Connection> NextConnection();
  // Once no connection is left: ends and joins the threads.
  void EndThreads();
  // On SIGHUP, until the server ends: Reload.
  void ReloadOnHangup();
  // Read the users file (with --users), or the TLS certificate and key
  // (with --tls-cert), into users_ or tls_ for the connections that come
  // next; on an error, which they return, those stay as they were.
  absl::Status LoadUsers();
  absl::Status LoadTls();
  // LoadUsers and LoadTls again, saying on the log what they did.
  void Reload();
  void BeginShutdown();

  Database* db_;
  ServerOptions options_;
  // Runs accepting, signals and the shutdown timers (on the thread that
  // calls Run); connections have threads of their own.
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_{io_, SIGINT, SIGTERM};
  asio::signal_set hangup_{io_, SIGHUP};
  asio::steady_timer grace_{io_};
  asio::steady_timer accept_retry_{io_};
  asio::steady_timer sweep_{io_};  // of SweepTimeouts
  std::atomic<bool> sweeping_{false};  // a sweep is due on io_
  // Runs on io_: one look at every timeout; again after kSweepInterval if
  // any is still armed.
  void Sweep();
  // Expires the timeouts past due; whether any is armed still.
  bool ExpireTimeouts();
  bool accept_refused_ = false;  // since the last connection accepted (the io_ thread's)
  ServerLog log_;
  mutable absl::Mutex files_mu_;
  std::shared_ptr<SSL_CTX> tls_ ABSL_GUARDED_BY(files_mu_);
  std::shared_ptr<const std::vector<User>> users_ ABSL_GUARDED_BY(files_mu_) =
      std::make_shared<const std::vector<User>>();
  std::string address_;
  std::atomic<bool> shutting_down_{false};
  mutable absl::Mutex mu_;
  absl::CondVar all_finished_;  // serving_ became 0
  std::map<int32_t, std::weak_ptr<Connection>> connections_ ABSL_GUARDED_BY(mu_);
  std::map<int32_t, std::weak_ptr<Connection>> listening_ ABSL_GUARDED_BY(mu_);  // of WakeOnCommits
  std::thread commit_watcher_ ABSL_GUARDED_BY(mu_);  // started by the first WakeOnCommits
  bool watcher_end_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> watcher_cancel_{false};    // ends the watcher's wait for a transaction
  // Threads are kept once their connection ends and serve the next ones,
  // so a thread starts only when more connections are open at once than
  // ever before. Besides sparing the start, this keeps RocksDB's memtable
  // balanced: each thread draws the skip-list heights of the entries it
  // inserts from a generator seeded by its thread id, which glibc gives
  // again to a thread started after another ended, so a thread per
  // connection would give every short connection's commit the same
  // heights, and the memtable would degenerate into a list.
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
  int serving_ ABSL_GUARDED_BY(mu_) = 0;  // connections handed to a thread and not ended
  int idle_ ABSL_GUARDED_BY(mu_) = 0;     // threads waiting, none handed_ to them yet
  std::deque<std::shared_ptr<Connection>> handed_ ABSL_GUARDED_BY(mu_);  // for idle_ threads
  absl::CondVar handed_cv_;               // handed_ grew, or threads_end_ turned true
  bool threads_end_ ABSL_GUARDED_BY(mu_) = false;
  std::set<int32_t> admitted_ ABSL_GUARDED_BY(mu_);
  int32_t next_pid_ ABSL_GUARDED_BY(mu_) = 1;
  std::mt19937 secrets_ ABSL_GUARDED_BY(mu_){std::random_device{}()};
};

// --- the connection ---

Connection::Connection(ServerImpl* server, int fd, int32_t pid, int32_t secret)
    : server_(server), fd_(fd), pid_(pid), secret_(secret), timeout_(&cancel_, [server] { server->SweepTimeouts(); }) {}

bool Connection::WaitReadable() {
  if (!deadline_) return true;  // the read itself waits
  if (ssl_ && SSL_has_pending(ssl_.get())) return true;
  while (true) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline_ - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1 << 30)));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
  timed_out_ = true;
  return false;
}

bool Connection::Fill() {
  in_pos_ = in_len_ = 0;
  if (!WaitReadable()) return false;
  ssize_t n;
  if (ssl_) {
    n = SSL_read(ssl_.get(), in_.get(), static_cast<int>(kReadBuffer));
  } else {
    do {
      n = ::recv(fd_, in_.get(), kReadBuffer, 0);
    } while (n < 0 && errno == EINTR);
  }
  if (n <= 0) return false;
  in_len_ = static_cast<size_t>(n);
  return true;
}

bool Connection::ReadExactly(void* data, size_t n) {
  auto* to = static_cast<char*>(data);
  while (n > 0) {
    if (in_pos_ == in_len_ && !Fill()) return false;
    const size_t take = std::min(n, in_len_ - in_pos_);
    std::memcpy(to, in_.get() + in_pos_, take);
    in_pos_ += take;
    to += take;
    n -= take;
  }
  return true;
}

bool Connection::ReadBody(size_t n, std::string* body) {
  body->clear();
  while (body->size() < n) {
    const size_t piece = std::min<size_t>(n - body->size(), 64 << 10);
    const size_t at = body->size();
    body->resize(at + piece);
    if (!ReadExactly(body->data() + at, piece)) return false;
  }
  return true;
}

bool Connection::WriteAll(std::string_view out) {
  while (!out.empty()) {
    ssize_t n;
    if (ssl_) {
      n = SSL_write(ssl_.get(), out.data(), static_cast<int>(std::min<size_t>(out.size(), 1 << 30)));
    } else {
      do {
        n = ::send(fd_, out.data(), out.size(), MSG_NOSIGNAL);
      } while (n < 0 && errno == EINTR);
    }
    if (n <= 0) return false;
    out.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// `peer` as ADDRESS:PORT ([ADDRESS]:PORT for IPv6).
std::string PeerText(const sockaddr_storage& peer) {
  char address[INET6_ADDRSTRLEN] = "?";
  if (peer.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(peer);
    inet_ntop(AF_INET, &in.sin_addr, address, sizeof address);
    return absl::StrCat(address, ":", ntohs(in.sin_port));
  }
  if (peer.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(peer);
    inet_ntop(AF_INET6, &in6.sin6_addr, address, sizeof address);
    return absl::StrCat("[", address, "]:", ntohs(in6.sin6_port));
  }
  return "an unknown address";
}

// Whether `peer` is a loopback address (127.0.0.0/8, ::1, or 127.x mapped
// into IPv6).
bool IsLoopback(const sockaddr_storage& peer) {
  if (peer.ss_family == AF_INET) {
    return (ntohl(reinterpret_cast<const sockaddr_in&>(peer).sin_addr.s_addr) >> 24) == 127;
  }
  if (peer.ss_family == AF_INET6) {
    const in6_addr& a = reinterpret_cast<const sockaddr_in6&>(peer).sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(&a) || (IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127);
  }
  return false;
}

void Connection::Refuse(std::string_view sqlstate, std::string message, const std::string& user) {
  server_->log().Refusal(
      absl::StrCat("refused ", peer_, " user \"", absl::CEscape(user), "\": ", std::string(sqlstate), " ", message));
  Fatal(sqlstate, std::move(message));
}

bool Connection::StartTls() {
  ssl_.reset(SSL_new(server_->tls().get()));  // (the connection holds the context)
  return ssl_ && SSL_set_fd(ssl_.get(), fd_) == 1 && SSL_accept(ssl_.get()) == 1;
}

std::optional<StartupPacket> Connection::Startup() {
  for (int round = 0; round < 3; ++round) {
    unsigned char len_bytes[4];
    if (!ReadExactly(len_bytes, 4)) return std::nullopt;
    const uint32_t len = uint32_t{len_bytes[0]} << 24 | uint32_t{len_bytes[1]} << 16 | uint32_t{len_bytes[2]} << 8 |
                         uint32_t{len_bytes[3]};
    if (len < 8 || len > kMaxStartupBytes) {
      Fatal("08P01", "invalid length of startup packet");
      return std::nullopt;
    }
    std::string body;
    if (!ReadBody(len - 4, &body)) return std::nullopt;
    absl::StatusOr<StartupPacket> packet = DecodeStartup(body);
    if (!packet.ok()) {
      Fatal("08P01", std::string(packet.status().message()));
      return std::nullopt;
    }
    switch (packet->kind) {
      case StartupPacket::Kind::kSslRequest: {
        const bool offer = server_->tls() != nullptr && !ssl_;
        if (!WriteAll(offer ? "S" : "N")) return std::nullopt;
        if (offer) {
          // Bytes sent before the handshake would be taken as if they had
          // come through TLS: refuse them, as PostgreSQL does.
          if (in_pos_ != in_len_) {
            Fatal("08P01", "received unencrypted data after SSL request");
            return std::nullopt;
          }
          if (!StartTls()) return std::nullopt;
        }
        continue;
      }
      case StartupPacket::Kind::kGssEncRequest:
        if (!WriteAll("N")) return std::nullopt;
        continue;
      case StartupPacket::Kind::kCancel:
        server_->CancelRequest(packet->cancel_pid, packet->cancel_secret);
        return std::nullopt;
      case StartupPacket::Kind::kStartup:
        if (packet->protocol >> 16 != 3) {
          Fatal("0A000", absl::StrCat("unsupported frontend protocol ", packet->protocol >> 16, ".",
                                      packet->protocol & 0xFFFF, ": server supports 3.0"));
          return std::nullopt;
        }
        return std::move(*packet);
    }
  }
  Fatal("08P01", "too many negotiation requests");
  return std::nullopt;
}

bool Connection::Authenticate(const std::string& user, bool* read_only) {
  *read_only = false;
  if (!server_->has_users()) return true;
  const std::shared_ptr<const std::vector<User>> users = server_->users();
  const auto named = std::find_if(users->begin(), users->end(), [&user](const User& u) { return u.name == user; });
  ScramExchange exchange(named != users->end() ? &named->verifier : nullptr);
  std::string out;
  AppendAuthenticationSasl(&out);
  if (!WriteAll(out)) return false;
  const auto failed = [&] {
    Refuse("28P01", absl::StrCat("password authentication failed for user \"", user, "\""), user);
    return false;
  };
  for (int step = 0; step < 2; ++step) {
    char header[5];
    if (!ReadExactly(header, 5)) return false;
    absl::StatusOr<uint32_t> len = BodyLength(header);
    if (header[0] != 'p' || !len.ok() || *len > kMaxStartupBytes) return failed();
    std::string body;
    if (!ReadBody(*len, &body)) return false;
    out.clear();
    if (step == 0) {
      absl::StatusOr<SaslInitial> initial = DecodeSaslInitial(body);
      if (!initial.ok() || initial->mechanism != "SCRAM-SHA-256") return failed();
      absl::StatusOr<std::string> challenge = exchange.Start(initial->data);
      if (!challenge.ok()) return failed();
      AppendAuthenticationSaslContinue(*challenge, &out);
    } else {
      absl::StatusOr<std::string> signature = exchange.Finish(body);
      if (!signature.ok()) return failed();
      AppendAuthenticationSaslFinal(*signature, &out);
    }
    if (!WriteAll(out)) return false;
  }
  *read_only = named->read_only;  // (the exchange succeeds only for a user of the file)
  return true;
}

const FrontendMessage* Connection::NextMessage(ProtocolHandler* handler) {
  const char status = handler->status();
  // Set before shutting_down() is read, so that BeginShutdown either is
  // seen here or sees reading_ and wakes the read.
  reading_.store(true);
  if (server_->shutting_down() || terminate_.load()) {
    Fatal("57P01", "terminating connection due to administrator command");
    return nullptr;
  }
  if (wake_fd_ >= 0 && status == 'I' && handler->listening() && in_pos_ == in_len_ &&
      !(ssl_ && SSL_has_pending(ssl_.get())) && !NotifyUntilReadable(handler)) {
    reading_.store(false);
    return nullptr;
  }
  const auto timeout = server_->options().idle_in_transaction_timeout;
  if (status != 'I' && timeout.count() > 0) {
    deadline_ = Clock::now() + timeout;
  } else {
    deadline_.reset();
  }
  char header[5];
  const bool read = ReadExactly(header, 5);
  reading_.store(false);
  if (!read && timed_out_) {
    Fatal("25P03", "terminating connection due to idle-in-transaction timeout");
    return nullptr;
  }
  // Checked after a message came in too: shutting down the socket's reading
  // side wakes this thread, but a message that arrives before the thread
  // runs is still read, and must not run.
  if (server_->shutting_down() || terminate_.load()) {
    Fatal("57P01", "terminating connection due to administrator command");
    return nullptr;
  }
  if (!read) return nullptr;
  absl::StatusOr<uint32_t> len = BodyLength(header);
  if (!len.ok()) {
    Fatal("08P01", std::string(len.status().message()));
    return nullptr;
  }
  // Buffers a large message grew (COPY data, a long query) are not kept
  // for the small ones that follow: a connection holds at most ~64 KiB.
  if (body_.capacity() > kKeptMessageBytes) {
    std::string().swap(body_);  // (assigning an empty string would keep the capacity)
    FrontendMessage fresh{};
    std::swap(message_, fresh);  // `fresh` leaves with the large buffers
  }
  if (!ReadBody(*len, &body_)) return nullptr;
  if (absl::Status s = DecodeMessage(header[0], body_, &message_); !s.ok()) {
    Fatal("08P01", std::string(s.message()));
    return nullptr;
  }
  return &message_;
}

bool Connection::NotifyUntilReadable(ProtocolHandler* handler) {
  std::string out;
  while (true) {
    bool more = true;
    while (more) {
      out.clear();
      more = handler->AppendNotifications(&out);
      if (!out.empty() && !WriteAll(out)) return false;
    }
    pollfd p[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0 && errno != EINTR) return false;
    if (p[0].revents != 0) return true;  // a message, the end, or an error: the read says which
    uint64_t wakes;
    if (p[1].revents != 0) (void)!::read(wake_fd_, &wakes, sizeof wakes);
  }
}

void Connection::ListenForCommits() {
  const int wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) return;  // out of descriptors: notifications come with the answers only
  {
    absl::MutexLock lock(&fd_mu_);
    wake_fd_ = wake;
  }
  server_->WakeOnCommits(pid_);
}

void Connection::Serve(ProtocolHandler* handler) {
  std::string out;
  while (true) {
    if (wake_fd_ < 0 && handler->listening()) ListenForCommits();
    const FrontendMessage* m = NextMessage(handler);
    if (m == nullptr) return;
    ProtocolHandler::Step step = handler->Handle(*m, &out);
    while (step == ProtocolHandler::Step::kMore) {
      if (!WriteAll(out)) return;
      out.clear();
      step = handler->Continue(&out);
    }
    // Answers wait for Sync or Flush (or a full buffer), as PostgreSQL's
    // do; those in COPY FROM STDIN (its end, or an error) go at once.
    const bool copy = m->type == 'c' || m->type == 'f' || (m->type == 'd' && !out.empty());
    const bool flush = m->type == 'Q' || m->type == 'S' || m->type == 'H' || copy || out.size() > (64 << 10) ||
                       step == ProtocolHandler::Step::kClose;
    if (flush) {
      if (!WriteAll(out)) return;
      out.clear();
    }
    if (step == ProtocolHandler::Step::kClose) return;
  }
}

bool Connection::Admit(const std::string& user) {
  sockaddr_storage peer{};
  socklen_t peer_len = sizeof peer;
  const bool has_peer = ::getpeername(fd_, reinterpret_cast<sockaddr*>(&peer), &peer_len) == 0;
  peer_ = has_peer ? PeerText(peer) : "an unknown address";
  if (user.empty()) {
    Refuse("28000", "no user name given", user);
    return false;
  }
  if (server_->options().require_tls && !ssl_) {
    Refuse("28000", "this server requires TLS (connect with sslmode=require)", user);
    return false;
  }
  if (!server_->has_users() && !(has_peer && IsLoopback(peer))) {
    Refuse("28000", "this server has no users file and accepts only loopback clients (start it with --users FILE)",
           user);
    return false;
  }
  if (!server_->Admit(pid_)) {
    Refuse("53300", "sorry, too many clients already", user);
    return false;
  }
  return true;
}

std::optional<absl::Duration> Connection::ApplyStartupOptions(const std::map<std::string, std::string>& params) {
  absl::Duration timeout = server_->options().statement_timeout;
  if (const std::optional<std::string> setting = StartupSetting(params, "statement_timeout")) {
    absl::StatusOr<absl::Duration> parsed = ParseTimeSetting(*setting, "statement_timeout");
    if (!parsed.ok()) {
      Fatal("22023", std::string(parsed.status().message()));
      return std::nullopt;
    }
    timeout = *parsed;
  }
  if (const std::optional<uint64_t> awaited = AwaitedTransaction(params); awaited) {
    // Read-your-writes across cluster nodes, from the first statement.
    if (absl::Status s = server_->db()->AwaitTransaction(*awaited, kStartupAwait); !s.ok()) {
      Fatal("57014", std::string(s.message()));
      return std::nullopt;
    }
  }
  return timeout;
}

void Connection::RunSession(const std::string& user, bool read_only, const std::string& application,
                            absl::Duration statement_timeout) {
  activity_.Start(pid_, user, application, peer_, ssl_ != nullptr, SystemClock()->Now());
  ProtocolHandler handler(server_->db(), user, read_only, &cancel_, &server_->options().status,
                          server_->options().db_dir);
  handler.set_max_session_bytes(server_->options().max_session_bytes);
  handler.set_sessions(&activity_, server_);
  handler.set_statement_timeout(&timeout_, statement_timeout);
  handler.set_application_name(application);
  if (const std::optional<absl::Duration> slow = server_->options().log_min_duration_statement) {
    handler.set_slow_statement_log(*slow, [this, user](absl::Duration took, std::string_view text, bool failed) {
      server_->log().Line(SlowStatementLine(pid_, user, took, text, failed));
    });
  }
  handler.set_flush([this](std::string* out) {
    if (!WriteAll(*out)) return false;
    out->clear();
    return true;
  });
  Serve(&handler);
  handler.Abandon();  // an open transaction is rolled back, nothing of it applied
}

void Connection::Greet(const StartupPacket& startup) {
  const auto user_param = startup.params.find("user");
  const std::string user = user_param == startup.params.end() ? "" : user_param->second;
  if (!Admit(user)) return;
  bool read_only = false;
  if (!Authenticate(user, &read_only)) return;
  deadline_.reset();
  SetReceiveTimeout(fd_, std::chrono::seconds(0));
  const std::optional<absl::Duration> statement_timeout = ApplyStartupOptions(startup.params);
  if (!statement_timeout) return;
  const auto application_param = startup.params.find("application_name");
  const std::string application = application_param == startup.params.end() ? "" : application_param->second;
  std::string out;
  AppendAuthenticationOk(&out);
  for (const auto& [name, value] : ServerParameters()) AppendParameterStatus(name, value, &out);
  AppendParameterStatus("application_name", application, &out);
  AppendParameterStatus("session_authorization", user, &out);
  AppendBackendKeyData(pid_, secret_, &out);
  AppendReadyForQuery('I', &out);
  if (!WriteAll(out)) return;
  RunSession(user, read_only, application, *statement_timeout);
}

void Connection::Run() {
  const std::chrono::seconds timeout = server_->options().authentication_timeout;
  deadline_ = Clock::now() + timeout;
  SetReceiveTimeout(fd_, timeout);
  if (std::optional<StartupPacket> startup = Startup(); startup) Greet(*startup);
  ssl_.reset();
  absl::MutexLock lock(&fd_mu_);
  ::close(fd_);
  fd_ = -1;
  if (wake_fd_ >= 0) ::close(wake_fd_);
  wake_fd_ = -1;
}

// --- the server ---

absl::Status ServerImpl::Init() {
  if (options_.tls_cert.empty() != options_.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (options_.require_tls && options_.tls_cert.empty()) {
    return absl::InvalidArgumentError("--require-tls needs --tls-cert and --tls-key");
  }
  if (options_.max_connections < 1) return absl::InvalidArgumentError("--max-connections must be at least 1");
  if (has_users()) {
    if (absl::Status s = LoadUsers(); !s.ok()) return s;
  }
  if (!options_.tls_cert.empty()) {
    if (absl::Status s = LoadTls(); !s.ok()) return s;
  }
  absl::StatusOr<asio::ip::address> address = ListenAddress();
  if (!address.ok()) return address.status();
  const tcp::endpoint endpoint(*address, options_.port);
  asio::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot listen on ", options_.host, ":", options_.port, ": ", ec.message()));
  }
  const tcp::endpoint bound = acceptor_.local_endpoint(ec);
  address_ = absl::StrCat(bound.address().to_string(), ":", bound.port());
  return absl::OkStatus();
}

absl::StatusOr<asio::ip::address> ServerImpl::ListenAddress() {
  asio::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options_.host, ec);
  if (!ec) return address;
  // A host name: its first IPv4 address (localhost: 127.0.0.1, where
  // clients that try ::1 first go next), else its first.
  tcp::resolver resolver(acceptor_.get_executor());
  const tcp::resolver::results_type found = resolver.resolve(options_.host, "", ec);
  if (ec || found.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot resolve '", options_.host, "' to an IP address",
                                                   ec ? absl::StrCat(": ", ec.message()) : ""));
  }
  for (const auto& entry : found) {
    if (entry.endpoint().address().is_v4()) return entry.endpoint().address();
  }
  return found.begin()->endpoint().address();
}

void ServerImpl::Accept() {
  acceptor_.async_accept([this](const asio::error_code& accept_error, tcp::socket socket) {
    if (accept_error && !acceptor_.is_open()) return;  // shutting down: accept no more
    if (!accept_error) {
      accept_refused_ = false;
      Take(std::move(socket));
    } else if (OutOfResources(accept_error)) {
      return AcceptLater(accept_error);
    }  // else a client that went away before we took it
    Accept();
  });
}

bool ServerImpl::OutOfResources(const asio::error_code& error) {
  return error == asio::error::no_descriptors || error == asio::error::no_buffer_space ||
         error == asio::error::no_memory || error.value() == ENFILE;
}

// The waiting connection stays in the listen queue and makes the acceptor
// ready at once: accepting again now would spin a core until a descriptor
// frees, so the next try waits.
void ServerImpl::AcceptLater(const asio::error_code& error) {
  if (!accept_refused_) {
    accept_refused_ = true;
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    log_.Line(absl::StrFormat(
        "cannot accept a connection: %s (this process may open %llu files: raise it with ulimit -n, or lower "
        "--max-connections); trying again every %lld ms",
        error.message(), static_cast<unsigned long long>(files.rlim_cur),
        static_cast<long long>(absl::ToInt64Milliseconds(kAcceptRetry))));
  }
  accept_retry_.expires_after(absl::ToChronoMilliseconds(kAcceptRetry));
  accept_retry_.async_wait([this](const asio::error_code& ec) {
    if (!ec && acceptor_.is_open()) Accept();
  });
}

void ServerImpl::Take(tcp::socket socket) {
  asio::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  const int fd = socket.release(ec);
  if (ec) return;
  ProbeWhenSilent(fd);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);  // its thread blocks on it
  if (!Launch(fd)) {
    std::string out;
    AppendErrorResponse({"FATAL", "53300", "sorry, too many clients already", {}, ""}, &out);
    (void)!::send(fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::close(fd);
  }
}

void ServerImpl::ProbeWhenSilent(int fd) const {
  const int idle = static_cast<int>(options_.tcp_keepalive.count());
  if (idle <= 0) return;
  const int on = 1;
  const int interval = std::max(1, idle / 4);
  const int probes = 4;
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof(probes));
}

bool ServerImpl::Launch(int fd) {
  absl::MutexLock lock(&mu_);
  if (serving_ >= options_.max_connections + kStartupSlots) return false;
  const int32_t pid = next_pid_++;
  auto conn = std::make_shared<Connection>(this, fd, pid, static_cast<int32_t>(secrets_()));
  connections_[pid] = conn;
  ++serving_;
  if (idle_ > 0) {
    --idle_;
    handed_.push_back(std::move(conn));
    handed_cv_.Signal();
  } else {
    threads_.emplace_back([this, conn]() mutable { Serve(std::move(conn)); });
  }
  return true;
}

void ServerImpl::Serve(std::shared_ptr<Connection> conn) {
  // Signals go to the thread that runs Run (Asio's handler); a write to a
  // socket the client closed fails with EPIPE instead of raising SIGPIPE.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  while (conn) {
    const int32_t pid = conn->pid();
    conn->Run();
    conn.reset();
    Finished(pid);
    ReleaseThreadMemory();  // what the engine kept for this connection's next statement
    conn = NextConnection();
  }
}

void ServerImpl::WakeOnCommits(int32_t pid) {
  absl::MutexLock lock(&mu_);
  const auto it = connections_.find(pid);
  if (it == connections_.end()) return;
  listening_[pid] = it->second;
  if (!commit_watcher_.joinable()) commit_watcher_ = std::thread([this] { WatchCommits(); });
}

void ServerImpl::WatchCommits() {
  uint64_t seen = db_->LastTransaction().id;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ServerImpl* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu_) { return s->watcher_end_ || !s->listening_.empty(); },
          this));
      if (watcher_end_) return;
    }
    if (!db_->AwaitTransaction(seen + 1, absl::InfiniteDuration(), &watcher_cancel_).ok()) continue;
    seen = db_->LastTransaction().id;
    std::vector<std::shared_ptr<Connection>> listening;
    {
      absl::MutexLock lock(&mu_);
      for (const auto& [pid, weak] : listening_) {
        if (auto conn = weak.lock()) listening.push_back(std::move(conn));
      }
    }
    for (const auto& conn : listening) conn->Wake();
  }
}

void ServerImpl::Finished(int32_t pid) {
  absl::MutexLock lock(&mu_);
  --serving_;
  admitted_.erase(pid);
  connections_.erase(pid);
  listening_.erase(pid);
  if (serving_ == 0) all_finished_.SignalAll();
  // The last one gone: nothing keeps Run going but the grace timer.
  if (shutting_down_ && connections_.empty()) {
    asio::post(io_, [this] {
      absl::MutexLock lock(&mu_);
      if (connections_.empty()) grace_.cancel();
    });
  }
}

std::vector<SessionView> ServerImpl::List() const {
  std::vector<std::shared_ptr<Connection>> open;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [pid, weak] : connections_) {
      if (auto conn = weak.lock()) open.push_back(std::move(conn));
    }
  }
  std::vector<SessionView> sessions;
  for (const auto& conn : open) {
    if (std::optional<SessionView> view = conn->activity().View()) sessions.push_back(std::move(*view));
  }
  return sessions;
}

bool ServerImpl::Signal(int32_t pid, bool terminate, const std::string& by) {
  std::shared_ptr<Connection> conn;
  {
    absl::MutexLock lock(&mu_);
    auto it = connections_.find(pid);
    if (it != connections_.end()) conn = it->second.lock();
  }
  std::optional<SessionView> view = conn ? conn->activity().View() : std::nullopt;
  if (!view) return false;
  if (!terminate) {
    conn->Cancel();
    return true;
  }
  conn->Terminate();
  log_.Line(absl::StrCat("session ", pid, " (user ", view->user, " from ", view->client, ") ended by ", by));
  return true;
}

void ServerImpl::SweepTimeouts() {
  if (!sweeping_.exchange(true)) asio::post(io_, [this] { Sweep(); });
}

bool ServerImpl::ExpireTimeouts() {
  const absl::Time now = absl::Now();
  bool armed = false;
  absl::MutexLock lock(&mu_);
  for (const auto& [pid, weak] : connections_) {
    if (auto conn = weak.lock()) armed = conn->timeout().Expire(now) || armed;
  }
  return armed;
}

void ServerImpl::Sweep() {
  if (!ExpireTimeouts()) {
    sweeping_.store(false);
    // A timeout armed after the look and before the store found a sweep
    // due: look once more.
    if (!ExpireTimeouts() || sweeping_.exchange(true)) return;
  }
  sweep_.expires_after(std::chrono::microseconds(absl::ToInt64Microseconds(kSweepInterval)));
  sweep_.async_wait([this](const asio::error_code& ec) {
    if (!ec) Sweep();
  });
}

std::shared_ptr<Connection> ServerImpl::NextConnection() {
  absl::MutexLock lock(&mu_);
  ++idle_;
  while (handed_.empty() && !threads_end_) handed_cv_.Wait(&mu_);
  if (handed_.empty()) {
    --idle_;
    return nullptr;
  }
  std::shared_ptr<Connection> conn = std::move(handed_.front());
  handed_.pop_front();
  return conn;
}

void ServerImpl::EndThreads() {
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    while (serving_ > 0) all_finished_.Wait(&mu_);
    threads_end_ = true;
    handed_cv_.SignalAll();
    threads.swap(threads_);
    watcher_end_ = true;
    if (commit_watcher_.joinable()) threads.push_back(std::move(commit_watcher_));
  }
  watcher_cancel_.store(true);
  for (std::thread& t : threads) t.join();
}

// Stops accepting and ends every connection; Run returns once every
// connection's thread has ended.
void ServerImpl::BeginShutdown() {
  if (shutting_down_.exchange(true)) return;
  asio::error_code ec;
  acceptor_.close(ec);
  accept_retry_.cancel();
  signals_.cancel(ec);
  hangup_.cancel(ec);
  std::vector<std::weak_ptr<Connection>> open;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [pid, weak] : connections_) open.push_back(weak);
  }
  for (const auto& weak : open) {
    if (auto c = weak.lock()) c->Shutdown();
  }
  // After the grace period, running statements are cancelled; after twice
  // it, whatever is left is closed.
  grace_.expires_after(options_.shutdown_grace);
  grace_.async_wait([this, open](const asio::error_code& ec) {
    if (ec) return;
    for (const auto& weak : open) {
      if (auto c = weak.lock()) c->Cancel();
    }
    grace_.expires_after(options_.shutdown_grace);
    grace_.async_wait([open](const asio::error_code& ec2) {
      if (ec2) return;
      for (const auto& weak : open) {
        if (auto c = weak.lock()) c->ForceClose();
      }
    });
  });
  absl::MutexLock lock(&mu_);
  if (connections_.empty()) grace_.cancel();
}

void ServerImpl::ReloadOnHangup() {
  hangup_.async_wait([this](const asio::error_code& ec, int) {
    if (ec || shutting_down()) return;
    Reload();
    ReloadOnHangup();
  });
}

absl::Status ServerImpl::LoadUsers() {
  absl::StatusOr<std::vector<User>> users = ReadUsersFile(options_.users_file);
  if (!users.ok()) return users.status();
  absl::MutexLock lock(&files_mu_);
  users_ = std::make_shared<const std::vector<User>>(*std::move(users));
  return absl::OkStatus();
}

absl::Status ServerImpl::LoadTls() {
  absl::StatusOr<std::shared_ptr<SSL_CTX>> tls = MakeTlsContext(options_);
  if (!tls.ok()) return tls.status();
  absl::MutexLock lock(&files_mu_);
  tls_ = *std::move(tls);
  return absl::OkStatus();
}

void ServerImpl::Reload() {
  std::vector<std::string> loaded;
  if (has_users()) {
    if (const absl::Status s = LoadUsers(); s.ok()) {
      const size_t n = users()->size();
      loaded.push_back(absl::StrCat(n, n == 1 ? " user" : " users", " from ", options_.users_file));
    } else {
      log_.Line(absl::StrCat("SIGHUP: the users stay as they were: ", s.message()));
    }
  }
  if (!options_.tls_cert.empty()) {
    if (const absl::Status s = LoadTls(); s.ok()) {
      loaded.push_back(absl::StrCat("the TLS certificate and key from ", options_.tls_cert, " and ", options_.tls_key));
    } else {
      log_.Line(absl::StrCat("SIGHUP: TLS stays as it was: ", s.message()));
    }
  }
  if (!loaded.empty()) {
    log_.Line(absl::StrCat("SIGHUP: read ", absl::StrJoin(loaded, "; "), " again, for new connections"));
  } else if (!has_users() && options_.tls_cert.empty()) {
    log_.Line("SIGHUP: nothing to read again (no --users, no --tls-cert)");
  }
}

void ServerImpl::Run() {
  signals_.async_wait([this](const asio::error_code& ec, int) {
    if (!ec) BeginShutdown();
  });
  ReloadOnHangup();
  Accept();
  io_.run();
  EndThreads();
}

void ServerImpl::Stop() {
  asio::post(io_, [this] { BeginShutdown(); });
}

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Create(Database* db, const ServerOptions& options) {
  auto server = std::make_unique<ServerImpl>(db, options);
  if (absl::Status s = server->Init(); !s.ok()) return s;
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace hindsight::server
