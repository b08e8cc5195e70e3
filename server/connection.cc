#include "server/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/scram.h"
#include "util/utf8.h"

namespace hindsight::server {
namespace {

using Clock = std::chrono::steady_clock;

// How long a client that asks for hindsight.await_tx at start-up waits.
constexpr absl::Duration kStartupAwait = absl::Seconds(10);

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

// Bounds each blocking read of the socket (0: no bound): during start-up,
// so that a TLS handshake that stalls ends too.
void SetReceiveTimeout(int fd, std::chrono::seconds timeout) {
  const timeval tv{static_cast<time_t>(timeout.count()), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
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

}  // namespace

Connection::Connection(ConnectionHost* server, int fd, int32_t pid, int32_t secret)
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
  if (!!server_->options().users_file.empty()) return true;
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

void Connection::WakeWhenNotified() {
  const int wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) return;  // out of descriptors: notifications come with the answers only
  {
    absl::MutexLock lock(&fd_mu_);
    wake_fd_ = wake;
  }
  server_->WakeWhenNotified(pid_);
}

void Connection::Serve(ProtocolHandler* handler) {
  std::string out;
  while (true) {
    if (wake_fd_ < 0 && handler->listening()) WakeWhenNotified();
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
  if (!!server_->options().users_file.empty() && !(has_peer && IsLoopback(peer))) {
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

void Connection::RunSession(const std::string& user, const std::string& database, bool read_only,
                            const std::string& application, absl::Duration statement_timeout) {
  activity_.Start(pid_, user, application, peer_, ssl_ != nullptr, SystemClock()->Now());
  ProtocolHandler handler(server_->db(), user, read_only, &cancel_, &server_->options().status,
                          server_->options().db_dir);
  handler.set_max_session_bytes(server_->options().max_session_bytes);
  handler.set_sessions(&activity_, server_);
  handler.set_notifications(&server_->notifications(), pid_);
  handler.set_statement_timeout(&timeout_, statement_timeout);
  handler.set_application_name(application);
  handler.set_database(database);
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
  for (const auto& [name, value] : SessionParameters(read_only)) AppendParameterStatus(name, value, &out);
  AppendParameterStatus("application_name", application, &out);
  AppendParameterStatus("session_authorization", user, &out);
  AppendBackendKeyData(pid_, secret_, &out);
  AppendReadyForQuery('I', &out);
  if (!WriteAll(out)) return;
  const auto database_param = startup.params.find("database");  // as in PostgreSQL, the user's name by default
  const std::string& database = database_param == startup.params.end() ? user : database_param->second;
  RunSession(user, database, read_only, application, *statement_timeout);
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


}  // namespace hindsight::server
