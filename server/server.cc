#include "server/server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <asio.hpp>
#include <atomic>
#include <cstdio>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "hindsight/options.h"
#include "server/connection.h"
#include "server/notification_relay.h"
#include "server/pg_protocol.h"

namespace hindsight::server {
namespace {

// Connections beyond --max-connections that may be in start-up at once
// (clients not yet admitted, cancel requests); past that a new connection
// is refused before it is read.
constexpr int kStartupSlots = 64;
// What NOTIFY's notifications not yet read by every listener may take.
constexpr size_t kNotificationQueueBytes = size_t{64} << 20;
// How long a notification from another node waits for this node to apply
// what the sender's had (RelayedDelivery).
constexpr absl::Duration kRelayedWait = absl::Seconds(5);
// How long accepting rests when the process is out of descriptors.
constexpr absl::Duration kAcceptRetry = absl::Milliseconds(100);

// The last OpenSSL error of this thread, as text.
std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

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

class ServerImpl final : public Server, public ConnectionHost {
 public:
  ServerImpl(Database* db, const ServerOptions& options) : db_(db), options_(options), acceptor_(io_) {}
  ~ServerImpl() override { EndThreads(); }

  absl::Status Init();
  std::string address() const override { return address_; }
  void Run() override;
  void Stop() override;

  // ConnectionHost:
  Database* db() const override { return db_; }
  const ServerOptions& options() const override { return options_; }
  std::shared_ptr<SSL_CTX> tls() const override {
    absl::MutexLock lock(&files_mu_);
    return tls_;
  }
  std::shared_ptr<const std::vector<User>> users() const override {
    absl::MutexLock lock(&files_mu_);
    return users_;
  }
  bool shutting_down() const override { return shutting_down_.load(); }
  ServerLog& log() override { return log_; }
  bool Admit(int32_t pid) override {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(admitted_.size()) < options_.max_connections && admitted_.insert(pid).second;
  }
  void CancelRequest(int32_t pid, int32_t secret) override {
    absl::MutexLock lock(&mu_);
    auto it = connections_.find(pid);
    if (it == connections_.end()) return;
    if (auto conn = it->second.lock(); conn && conn->secret() == secret) conn->Cancel();
  }
  // Looks at the connections' statement timeouts every kSweepInterval
  // while any is armed, cancelling those past their deadline.
  void SweepTimeouts() override;
  void WakeWhenNotified(int32_t pid) override;
  NotificationQueue& notifications() override { return notifications_; }
  std::vector<SessionView> List() const override;
  bool Signal(int32_t pid, bool terminate, const std::string& by) override;

 private:
  // The commit watcher's thread: waits for each transaction to land while
  // any connection listens, and wakes the listening connections.
  void WatchCommits();
  // Wakes every connection that listens (WakeWhenNotified).
  void WakeListeners();
  // Sends what this server's sessions published to the other nodes.
  void Relay(const std::vector<Notification>& notes);
  // Tells this server's listeners what another node's sessions published.
  void Receive(RelayedNotifications batch);
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
  std::map<int32_t, std::weak_ptr<Connection>> listening_ ABSL_GUARDED_BY(mu_);  // of WakeWhenNotified
  std::thread commit_watcher_ ABSL_GUARDED_BY(mu_);  // started by the first WakeWhenNotified
  NotificationQueue notifications_{kNotificationQueueBytes, [this] { WakeListeners(); },
                                   [this](const std::vector<Notification>& notes) { Relay(notes); }};
  std::atomic<bool> relay_cancel_{false};  // ends Receive's wait, as the server stops
  RelayedDelivery relayed_{db_, &notifications_, kRelayedWait, &relay_cancel_};  // the relay's thread's
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
  // Sessions' pids count up from a random start, as a process's would: a
  // notification relayed from another node carries its sender's pid, which
  // a client compares with its own to tell its own notifications.
  int32_t next_pid_ ABSL_GUARDED_BY(mu_) = static_cast<int32_t>(std::random_device{}() % (1U << 30)) + 1;
  std::mt19937 secrets_ ABSL_GUARDED_BY(mu_){std::random_device{}()};
};

// --- the server ---

absl::Status ServerImpl::Init() {
  if (options_.tls_cert.empty() != options_.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (options_.require_tls && options_.tls_cert.empty()) {
    return absl::InvalidArgumentError("--require-tls needs --tls-cert and --tls-key");
  }
  if (options_.max_connections < 1) return absl::InvalidArgumentError("--max-connections must be at least 1");
  if (!options_.users_file.empty()) {
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
  const int32_t pid = next_pid_;
  next_pid_ = next_pid_ == std::numeric_limits<int32_t>::max() ? 1 : next_pid_ + 1;
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

void ServerImpl::WakeWhenNotified(int32_t pid) {
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
          +[](ServerImpl* s)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu_) { return s->watcher_end_ || !s->listening_.empty(); },
          this));
      if (watcher_end_) return;
    }
    if (!db_->AwaitTransaction(seen + 1, absl::InfiniteDuration(), &watcher_cancel_).ok()) continue;
    seen = db_->LastTransaction().id;
    WakeListeners();
  }
}

void ServerImpl::WakeListeners() {
  std::vector<std::shared_ptr<Connection>> listening;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [pid, weak] : listening_) {
      if (auto conn = weak.lock()) listening.push_back(std::move(conn));
    }
  }
  for (const auto& conn : listening) conn->Wake();
}

void ServerImpl::Relay(const std::vector<Notification>& notes) {
  if (options_.notification_relay == nullptr) return;
  options_.notification_relay->Send({db_->LastTransaction().id, notes});
}

void ServerImpl::Receive(RelayedNotifications batch) {
  if (absl::Status s = relayed_.Receive(batch); !s.ok()) {
    log_.Line(absl::StrCat("dropped ", batch.notes.size(), " notifications from another node: ", s.message()));
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
  if (!options_.users_file.empty()) {
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
  } else if (options_.users_file.empty() && options_.tls_cert.empty()) {
    log_.Line("SIGHUP: nothing to read again (no --users, no --tls-cert)");
  }
}

void ServerImpl::Run() {
  signals_.async_wait([this](const asio::error_code& ec, int) {
    if (!ec) BeginShutdown();
  });
  ReloadOnHangup();
  if (options_.notification_relay != nullptr) {
    options_.notification_relay->Start([this](RelayedNotifications batch) { Receive(std::move(batch)); });
  }
  Accept();
  io_.run();
  if (options_.notification_relay != nullptr) {
    relay_cancel_.store(true);
    options_.notification_relay->Stop();
  }
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
