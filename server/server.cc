#include "server/server.h"

#include <asio.hpp>
#include <asio/ssl.hpp>

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_split.h"
#include "server/pg_protocol.h"
#include "server/protocol_handler.h"
#include "server/scram.h"
#include "server/users_file.h"

namespace hindsight::server {
namespace {

// How long a client that asks for hindsight.await_tx at start-up waits.
constexpr absl::Duration kStartupAwait = absl::Seconds(10);
// Threads that run statements waiting for a commit: as many commits as
// this can share one sync of the log.
constexpr int kCommitThreads = 32;

// The transaction a client asks, at start-up, to see before its first
// statement: start-up parameter hindsight.await_tx=N, or the same in libpq's
// options ("-c hindsight.await_tx=N").
std::optional<uint64_t> AwaitedTransaction(const std::map<std::string, std::string>& params) {
  constexpr std::string_view kName = "hindsight.await_tx";
  uint64_t id = 0;
  if (auto it = params.find(std::string(kName)); it != params.end() && absl::SimpleAtoi(it->second, &id)) return id;
  auto options = params.find("options");
  if (options == params.end()) return std::nullopt;
  for (absl::string_view word : absl::StrSplit(options->second, ' ', absl::SkipEmpty())) {
    absl::ConsumePrefix(&word, "-c");
    absl::ConsumePrefix(&word, "--");
    if (absl::ConsumePrefix(&word, absl::string_view(kName.data(), kName.size())) && absl::ConsumePrefix(&word, "=") &&
        absl::SimpleAtoi(word, &id)) {
      return id;
    }
  }
  return std::nullopt;
}

using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

class ServerImpl;

// A client connection: start-up, authentication, then messages handed to
// a ProtocolHandler. Lives while its coroutine runs.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerImpl* server, tcp::socket socket, int32_t pid, int32_t secret)
      : server_(server),
        strand_(asio::make_strand(socket.get_executor())),
        socket_(std::move(socket)),
        idle_timer_(strand_),
        pid_(pid),
        secret_(secret) {}

  awaitable<void> Run();

  asio::strand<asio::any_io_executor>& strand() { return strand_; }
  int32_t secret() const { return secret_; }
  // From any thread.
  void Cancel() { cancel_.store(true); }
  // From any thread: ends the connection once it is between statements.
  void Shutdown() {
    asio::post(strand_, [self = shared_from_this()] {
      if (self->reading_) self->socket_.cancel();
    });
  }
  // From any thread: closes the socket now.
  void ForceClose() {
    asio::post(strand_, [self = shared_from_this()] {
      asio::error_code ec;
      self->socket_.close(ec);
    });
  }

 private:
  // Reads `n` bytes through a buffer: one read from the socket usually
  // brings a whole pipeline of messages (Bind, Execute, Sync).
  awaitable<void> ReadExactly(void* data, size_t n) {
    auto* to = static_cast<char*>(data);
    while (n > 0) {
      if (in_pos_ == in_len_) co_await Fill();
      const size_t take = std::min(n, in_len_ - in_pos_);
      std::memcpy(to, in_.get() + in_pos_, take);
      in_pos_ += take;
      to += take;
      n -= take;
    }
  }
  awaitable<void> Fill() {
    in_pos_ = in_len_ = 0;
    if (tls_) {
      in_len_ = co_await tls_->async_read_some(asio::buffer(in_.get(), kReadBuffer), use_awaitable);
    } else {
      in_len_ = co_await socket_.async_read_some(asio::buffer(in_.get(), kReadBuffer), use_awaitable);
    }
  }
  static constexpr size_t kReadBuffer = 16 << 10;
  // Reads `n` bytes in pieces, so a client announcing a long message holds
  // memory only for what it has sent.
  awaitable<std::string> ReadBody(size_t n) {
    std::string body;
    while (body.size() < n) {
      const size_t piece = std::min<size_t>(n - body.size(), 64 << 10);
      const size_t at = body.size();
      body.resize(at + piece);
      co_await ReadExactly(body.data() + at, piece);
    }
    co_return body;
  }
  awaitable<void> WriteAll(const std::string& out) {
    if (out.empty()) co_return;
    if (tls_) {
      co_await asio::async_write(*tls_, asio::buffer(out), use_awaitable);
    } else {
      co_await asio::async_write(socket_, asio::buffer(out), use_awaitable);
    }
  }
  awaitable<void> Fatal(std::string_view sqlstate, std::string message) {
    std::string out;
    AppendErrorResponse({"FATAL", std::string(sqlstate), std::move(message), {}, ""}, &out);
    co_await WriteAll(out);
  }

  awaitable<std::optional<StartupPacket>> Startup();
  awaitable<bool> Authenticate(const std::string& user, bool* read_only);
  awaitable<std::optional<FrontendMessage>> NextMessage(char status);
  awaitable<void> Serve(ProtocolHandler* handler);

  ServerImpl* server_;
  asio::strand<asio::any_io_executor> strand_;
  tcp::socket socket_;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls_;
  asio::steady_timer idle_timer_;
  const int32_t pid_;
  const int32_t secret_;
  std::atomic<bool> cancel_{false};
  std::unique_ptr<char[]> in_{new char[kReadBuffer]};  // bytes read: [in_pos_, in_len_) not yet taken
  size_t in_pos_ = 0;
  size_t in_len_ = 0;
  bool reading_ = false;         // waiting for the next message (on the strand)
  bool idle_timed_out_ = false;  // on the strand
};

class ServerImpl final : public Server {
 public:
  ServerImpl(Database* db, const ServerOptions& options)
      : db_(db), options_(options), acceptor_(io_) {}

  absl::Status Init();
  std::string address() const override { return address_; }
  void Run() override;
  void Stop() override;

  Database* db() const { return db_; }
  const ServerOptions& options() const { return options_; }
  asio::thread_pool& commit_threads() { return commit_threads_; }
  asio::ssl::context* tls() { return tls_ ? &*tls_ : nullptr; }
  bool shutting_down() const { return shutting_down_.load(); }
  const User* FindUser(const std::string& name) const {
    for (const User& u : users_) {
      if (u.name == name) return &u;
    }
    return nullptr;
  }
  bool has_users() const { return !options_.users_file.empty(); }

  // Registers a connection; false when that makes one too many.
  bool Admit(int32_t pid) {
    std::lock_guard lock(mu_);
    return static_cast<int>(admitted_.size()) < options_.max_connections && admitted_.insert(pid).second;
  }
  void Forget(int32_t pid) {
    std::lock_guard lock(mu_);
    admitted_.erase(pid);
    connections_.erase(pid);
    // The last one gone: nothing keeps the pool running but the grace timer.
    if (shutting_down_ && connections_.empty()) asio::post(control_, [this] { grace_.cancel(); });
  }
  void CancelRequest(int32_t pid, int32_t secret) {
    std::lock_guard lock(mu_);
    auto it = connections_.find(pid);
    if (it == connections_.end()) return;
    if (auto conn = it->second.lock(); conn && conn->secret() == secret) conn->Cancel();
  }

 private:
  awaitable<void> Accept();
  void BeginShutdown();

  Database* db_;
  ServerOptions options_;
  asio::io_context io_;
  // Where statements that wait for a commit run (one thread a client at
  // most waits there; idle threads cost nothing).
  asio::thread_pool commit_threads_{kCommitThreads};
  tcp::acceptor acceptor_;
  // Accepting, signals and shutdown run on one strand: the acceptor is not
  // safe to close from another thread while it accepts.
  asio::strand<asio::io_context::executor_type> control_{asio::make_strand(io_)};
  asio::signal_set signals_{control_, SIGINT, SIGTERM};
  asio::steady_timer grace_{control_};
  std::optional<asio::ssl::context> tls_;
  std::vector<User> users_;
  std::string address_;
  std::atomic<bool> shutting_down_{false};
  std::mutex mu_;
  std::map<int32_t, std::weak_ptr<Connection>> connections_;  // guarded by mu_
  std::set<int32_t> admitted_;                                // guarded by mu_
  int32_t next_pid_ = 1;
  std::mt19937 secrets_{std::random_device{}()};
};

// --- the connection ---

awaitable<std::optional<StartupPacket>> Connection::Startup() {
  for (int round = 0; round < 3; ++round) {
    unsigned char len_bytes[4];
    co_await ReadExactly(len_bytes, 4);
    const uint32_t len = uint32_t{len_bytes[0]} << 24 | uint32_t{len_bytes[1]} << 16 | uint32_t{len_bytes[2]} << 8 |
                         uint32_t{len_bytes[3]};
    if (len < 8 || len > kMaxStartupBytes) {
      co_await Fatal("08P01", "invalid length of startup packet");
      co_return std::nullopt;
    }
    const std::string body = co_await ReadBody(len - 4);
    absl::StatusOr<StartupPacket> packet = DecodeStartup(body);
    if (!packet.ok()) {
      co_await Fatal("08P01", std::string(packet.status().message()));
      co_return std::nullopt;
    }
    switch (packet->kind) {
      case StartupPacket::Kind::kSslRequest: {
        const bool offer = server_->tls() != nullptr && !tls_;
        co_await WriteAll(offer ? "S" : "N");
        if (offer) {
          tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, *server_->tls());
          co_await tls_->async_handshake(asio::ssl::stream_base::server, use_awaitable);
        }
        continue;
      }
      case StartupPacket::Kind::kGssEncRequest:
        co_await WriteAll("N");
        continue;
      case StartupPacket::Kind::kCancel:
        server_->CancelRequest(packet->cancel_pid, packet->cancel_secret);
        co_return std::nullopt;
      case StartupPacket::Kind::kStartup:
        if (packet->protocol >> 16 != 3) {
          co_await Fatal("0A000", absl::StrCat("unsupported frontend protocol ", packet->protocol >> 16, ".",
                                               packet->protocol & 0xFFFF, ": server supports 3.0"));
          co_return std::nullopt;
        }
        co_return std::move(*packet);
    }
  }
  co_await Fatal("08P01", "too many negotiation requests");
  co_return std::nullopt;
}

awaitable<bool> Connection::Authenticate(const std::string& user, bool* read_only) {
  *read_only = false;
  if (!server_->has_users()) co_return true;
  const User* known = server_->FindUser(user);
  ScramExchange exchange(known != nullptr ? &known->verifier : nullptr);
  std::string out;
  AppendAuthenticationSasl(&out);
  co_await WriteAll(out);
  const auto failed = [&]() -> awaitable<bool> {
    co_await Fatal("28P01", absl::StrCat("password authentication failed for user \"", user, "\""));
    co_return false;
  };
  for (int step = 0; step < 2; ++step) {
    char header[5];
    co_await ReadExactly(header, 5);
    absl::StatusOr<uint32_t> len = BodyLength(header);
    if (header[0] != 'p' || !len.ok() || *len > kMaxStartupBytes) co_return co_await failed();
    const std::string body = co_await ReadBody(*len);
    out.clear();
    if (step == 0) {
      absl::StatusOr<SaslInitial> initial = DecodeSaslInitial(body);
      if (!initial.ok() || initial->mechanism != "SCRAM-SHA-256") co_return co_await failed();
      absl::StatusOr<std::string> challenge = exchange.Start(initial->data);
      if (!challenge.ok()) co_return co_await failed();
      AppendAuthenticationSaslContinue(*challenge, &out);
    } else {
      absl::StatusOr<std::string> signature = exchange.Finish(body);
      if (!signature.ok()) co_return co_await failed();
      AppendAuthenticationSaslFinal(*signature, &out);
    }
    co_await WriteAll(out);
  }
  *read_only = known->read_only;
  co_return true;
}

// The next message, or nullopt when the connection must end (it said why).
awaitable<std::optional<FrontendMessage>> Connection::NextMessage(char status) {
  if (server_->shutting_down()) {
    co_await Fatal("57P01", "terminating connection due to administrator command");
    co_return std::nullopt;
  }
  const auto timeout = server_->options().idle_in_transaction_timeout;
  const bool timed = status != 'I' && timeout.count() > 0;
  if (timed) {
    idle_timer_.expires_after(timeout);
    idle_timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
      if (ec) return;
      self->idle_timed_out_ = true;
      self->socket_.cancel();
    });
  }
  char header[5];
  reading_ = true;
  bool read_failed = false;
  try {
    co_await ReadExactly(header, 5);
  } catch (const std::system_error&) {
    read_failed = true;
  }
  reading_ = false;
  if (read_failed) {
    if (idle_timed_out_) {
      co_await Fatal("25P03", "terminating connection due to idle-in-transaction timeout");
    } else if (server_->shutting_down()) {
      co_await Fatal("57P01", "terminating connection due to administrator command");
    }
    co_return std::nullopt;
  }
  if (timed) idle_timer_.cancel();
  absl::StatusOr<uint32_t> len = BodyLength(header);
  if (!len.ok()) {
    co_await Fatal("08P01", std::string(len.status().message()));
    co_return std::nullopt;
  }
  const std::string body = co_await ReadBody(*len);
  absl::StatusOr<FrontendMessage> m = DecodeMessage(header[0], body);
  if (!m.ok()) {
    co_await Fatal("08P01", std::string(m.status().message()));
    co_return std::nullopt;
  }
  co_return std::move(*m);
}

awaitable<void> Connection::Serve(ProtocolHandler* handler) {
  std::string out;
  while (true) {
    std::optional<FrontendMessage> m = co_await NextMessage(handler->status());
    if (!m) co_return;
    // A read runs right here, on this thread of the pool: a long read holds
    // one thread, and the others serve everyone else. A statement that may
    // wait for a commit's sync runs on the commit threads, so that it holds
    // no I/O thread meanwhile and the commits of every client can share one
    // sync.
    ProtocolHandler::Step step;
    if (handler->MayWait(*m)) {
      step = co_await asio::co_spawn(
          server_->commit_threads(), [&]() -> awaitable<ProtocolHandler::Step> { co_return handler->Handle(*m, &out); },
          asio::use_awaitable);
    } else {
      step = handler->Handle(*m, &out);
    }
    while (step == ProtocolHandler::Step::kMore) {
      co_await WriteAll(out);
      out.clear();
      step = handler->Continue(&out);
    }
    // Answers wait for Sync or Flush (or a full buffer), as PostgreSQL's do.
    const bool flush = m->type == 'Q' || m->type == 'S' || m->type == 'H' || out.size() > (64 << 10) ||
                       step == ProtocolHandler::Step::kClose;
    if (flush) {
      co_await WriteAll(out);
      out.clear();
    }
    if (step == ProtocolHandler::Step::kClose) co_return;
  }
}

awaitable<void> Connection::Run() {
  auto self = shared_from_this();
  try {
    std::optional<StartupPacket> startup = co_await Startup();
    if (startup) {
      const std::string user = startup->params["user"];
      asio::error_code ec;
      const tcp::endpoint peer = socket_.remote_endpoint(ec);
      bool read_only = false;
      if (user.empty()) {
        co_await Fatal("28000", "no user name given");
      } else if (server_->options().require_tls && !tls_) {
        co_await Fatal("28000", "this server requires TLS (connect with sslmode=require)");
      } else if (!server_->has_users() && (ec || !peer.address().is_loopback())) {
        co_await Fatal("28000",
                       "this server has no users file and accepts only loopback clients (start it with --users FILE)");
      } else if (!server_->Admit(pid_)) {
        co_await Fatal("53300", "sorry, too many clients already");
      } else if (co_await Authenticate(user, &read_only)) {
        if (const std::optional<uint64_t> awaited = AwaitedTransaction(startup->params); awaited) {
          // Read-your-writes across cluster nodes, from the first statement.
          if (absl::Status s = server_->db()->AwaitTransaction(*awaited, kStartupAwait); !s.ok()) {
            co_await Fatal("57014", std::string(s.message()));
            co_return;
          }
        }
        std::string out;
        AppendAuthenticationOk(&out);
        for (const auto& [name, value] : ServerParameters()) AppendParameterStatus(name, value, &out);
        AppendParameterStatus("application_name", startup->params["application_name"], &out);
        AppendParameterStatus("session_authorization", user, &out);
        AppendBackendKeyData(pid_, secret_, &out);
        AppendReadyForQuery('I', &out);
        co_await WriteAll(out);
        ProtocolHandler handler(server_->db(), user, read_only, &cancel_, &server_->options().status,
                                server_->options().db_dir);
        try {
          co_await Serve(&handler);
        } catch (const std::exception&) {
        }
        handler.Abandon();  // an open transaction is rolled back, nothing of it applied
      }
    }
  } catch (const std::exception&) {
    // the client went away or the stream failed: nothing to tell it
  }
  idle_timer_.cancel();
  asio::error_code ec;
  if (tls_) tls_->lowest_layer().shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  server_->Forget(pid_);
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
    absl::StatusOr<std::vector<User>> users = ReadUsersFile(options_.users_file);
    if (!users.ok()) return users.status();
    users_ = std::move(*users);
  }
  if (!options_.tls_cert.empty()) {
    tls_.emplace(asio::ssl::context::tls_server);
    asio::error_code ec;
    tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                          asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                          asio::ssl::context::no_tlsv1_1,
                      ec);
    tls_->use_certificate_chain_file(options_.tls_cert, ec);
    if (ec) return absl::FailedPreconditionError(absl::StrCat("cannot load --tls-cert '", options_.tls_cert, "': ", ec.message()));
    tls_->use_private_key_file(options_.tls_key, asio::ssl::context::pem, ec);
    if (ec) return absl::FailedPreconditionError(absl::StrCat("cannot load --tls-key '", options_.tls_key, "': ", ec.message()));
  }
  asio::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options_.host, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("not an IP address: '", options_.host, "'"));
  const tcp::endpoint endpoint(address, options_.port);
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

awaitable<void> ServerImpl::Accept() {
  while (true) {
    asio::error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (!acceptor_.is_open()) co_return;
      continue;  // a client that went away before we took it
    }
    socket.set_option(tcp::no_delay(true), ec);
    std::shared_ptr<Connection> conn;
    {
      std::lock_guard lock(mu_);
      const int32_t pid = next_pid_++;
      conn = std::make_shared<Connection>(this, std::move(socket), pid, static_cast<int32_t>(secrets_()));
      connections_[pid] = conn;
    }
    asio::co_spawn(conn->strand(), conn->Run(), asio::detached);
  }
}

// Stops accepting and ends every connection; the pool's threads return
// from Run when no work is left (no io_context::stop, so that every
// coroutine finishes and nothing outlives what it uses).
void ServerImpl::BeginShutdown() {
  if (shutting_down_.exchange(true)) return;
  asio::error_code ec;
  acceptor_.close(ec);
  signals_.cancel(ec);
  std::vector<std::weak_ptr<Connection>> open;
  {
    std::lock_guard lock(mu_);
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
  std::lock_guard lock(mu_);
  if (connections_.empty()) grace_.cancel();
}

void ServerImpl::Run() {
  signals_.async_wait([this](const asio::error_code& ec, int) {
    if (!ec) BeginShutdown();
  });
  asio::co_spawn(control_, Accept(), asio::detached);
  std::vector<std::thread> threads;
  for (int i = 1; i < options_.threads; ++i) threads.emplace_back([this] { io_.run(); });
  io_.run();
  for (std::thread& t : threads) t.join();
}

void ServerImpl::Stop() {
  asio::post(control_, [this] { BeginShutdown(); });
}

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Create(Database* db, const ServerOptions& options) {
  auto server = std::make_unique<ServerImpl>(db, options);
  if (absl::Status s = server->Init(); !s.ok()) return s;
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace hindsight::server
