#include "shell/remote_backend.h"

#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "hindsight/time.h"
#include "hindsight/value.h"
#include "shell/interrupt.h"

namespace hindsight::tools {
namespace {

constexpr Oid kJsonOid = 114;
constexpr Oid kTimestamptzOid = 1184;
constexpr Oid kTextOid = 25;

// A timestamptz as the server prints it ('2024-12-30 00:00:00+00',
// 'infinity') as an instant.
absl::StatusOr<Instant> InstantOf(const char* text) {
  if (std::strcmp(text, "infinity") == 0) return kPosInf;
  if (std::strcmp(text, "-infinity") == 0) return kNegInf;
  std::string iso(text);
  if (iso.size() > 3 && iso.compare(iso.size() - 3, 3, "+00") == 0) iso.replace(iso.size() - 3, 3, "Z");
  if (iso.size() > 10 && iso[10] == ' ') iso[10] = 'T';
  return ParseInstant(iso);
}

absl::StatusOr<internal::Cell> CellOf(const PGresult* r, int row, int column) {
  const Oid type = PQftype(r, column);
  if (PQgetisnull(r, row, column)) return internal::Cell::Val(Value::None());
  const char* text = PQgetvalue(r, row, column);
  if (type == kJsonOid) {
    absl::StatusOr<Value> v = ParseValue(text);
    if (!v.ok()) return v.status();
    return internal::Cell::Val(std::move(*v));
  }
  if (type == kTimestamptzOid) {
    absl::StatusOr<Instant> t = InstantOf(text);
    if (!t.ok()) return t.status();
    return internal::Cell::Time(*t);
  }
  return type == kTextOid ? internal::Cell::Name(text) : internal::Cell::Text(text);
}

// The server's error, shaped as a local one: statement errors keep their
// column (the server counts characters from 1; the shell wants bytes).
absl::Status ErrorOf(const PGresult* r, const std::string& text) {
  const char* sqlstate = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  const char* position = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
  const std::string message = primary != nullptr ? primary : PQresultErrorMessage(r);
  const std::string state = sqlstate != nullptr ? sqlstate : "";
  if (state == "57014") return absl::CancelledError("cancelled");
  if (position != nullptr) {
    const size_t chars = static_cast<size_t>(std::atol(position));
    size_t byte = 0;
    for (size_t seen = 1; seen < chars && byte < text.size(); ++seen) {
      ++byte;
      while (byte < text.size() && (static_cast<unsigned char>(text[byte]) & 0xC0) == 0x80) ++byte;
    }
    return internal::StatementErrorAt(byte + 1, message);
  }
  if (state.rfind("08", 0) == 0) return absl::UnavailableError(message);
  if (state.rfind("25", 0) == 0) return absl::FailedPreconditionError(message);
  return absl::InvalidArgumentError(message);
}

// The first line of a libpq message ("server closed the connection
// unexpectedly\n\tThis probably means...", "FATAL:  terminating
// connection..."), without the severity.
std::string FirstLine(const char* message) {
  absl::string_view line(message, std::strcspn(message, "\n"));
  for (const absl::string_view severity : {"FATAL:", "ERROR:"}) {
    if (absl::ConsumePrefix(&line, severity)) break;
  }
  return std::string(absl::StripAsciiWhitespace(line));
}

void CollectNotice(void* arg, const PGresult* r) {
  const char* m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  if (m == nullptr) return;
  std::string* notices = static_cast<std::string*>(arg);
  absl::StrAppend(notices, notices->empty() ? "" : "\n", m);
}

// The connection's connect_timeout in seconds (0: none).
int ConnectTimeoutSeconds(PGconn* conn) {
  PQconninfoOption* options = PQconninfo(conn);
  int seconds = 0;
  for (const PQconninfoOption* o = options; o != nullptr && o->keyword != nullptr; ++o) {
    if (std::strcmp(o->keyword, "connect_timeout") == 0 && o->val != nullptr) seconds = std::atoi(o->val);
  }
  PQconninfoFree(options);
  return seconds;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RemoteBackend>> RemoteBackend::Connect(const std::string& uri) {
  PGconn* conn = PQconnectdb(uri.c_str());
  if (PQstatus(conn) == CONNECTION_BAD && PQconnectionNeedsPassword(conn) && isatty(STDIN_FILENO)) {
    PQfinish(conn);
    const std::string password = getpass("Password: ");
    const char* keys[] = {"dbname", "password", nullptr};
    const char* values[] = {uri.c_str(), password.c_str(), nullptr};
    conn = PQconnectdbParams(keys, values, 1);
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string reason = PQerrorMessage(conn);
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("cannot connect to ", uri, ": ", reason));
  }
  std::unique_ptr<RemoteBackend> backend(new RemoteBackend(conn));
  PQsetNoticeReceiver(conn, CollectNotice, &backend->notices_);
  return backend;
}

RemoteBackend::~RemoteBackend() { PQfinish(conn_); }

std::string RemoteBackend::Describe() const {
  return absl::StrCat(PQuser(conn_), "@", PQhost(conn_), ":", PQport(conn_));
}

bool RemoteBackend::in_transaction() const {
  const PGTransactionStatusType s = PQtransactionStatus(conn_);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
}

bool RemoteBackend::AwaitResult(bool* cancel_sent) {
  while (PQisBusy(conn_)) {
    pollfd p{PQsocket(conn_), POLLIN, 0};
    poll(&p, 1, 100);
    if (PQconsumeInput(conn_) != 1) return false;
    if (!*cancel_sent && InterruptFlag()->load()) {
      char error[256];
      PGcancel* cancel = PQgetCancel(conn_);
      PQcancel(cancel, error, sizeof error);
      PQfreeCancel(cancel);
      *cancel_sent = true;
    }
  }
  return true;
}

absl::Status RemoteBackend::Reconnect() {
  pending_ = 0;
  // Step by step rather than PQreset, so that Ctrl-C stops a server that
  // does not answer; the connect_timeout libpq then leaves to its caller.
  const int timeout_seconds = ConnectTimeoutSeconds(conn_);
  const absl::Time deadline =
      timeout_seconds > 0 ? absl::Now() + absl::Seconds(timeout_seconds) : absl::InfiniteFuture();
  if (PQresetStart(conn_) != 1) return absl::UnavailableError(FirstLine(PQerrorMessage(conn_)));
  for (PostgresPollingStatusType state = PGRES_POLLING_WRITING;;) {
    if (state == PGRES_POLLING_OK) return absl::OkStatus();
    if (state == PGRES_POLLING_FAILED) return absl::UnavailableError(FirstLine(PQerrorMessage(conn_)));
    pollfd p{PQsocket(conn_), static_cast<short>(state == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    if (poll(&p, 1, 100) <= 0) {  // nothing yet, or a signal (Ctrl-C's EINTR)
      const bool interrupted = InterruptFlag()->load();
      if (interrupted || absl::Now() >= deadline) {  // left half made: the next statement starts again
        return absl::UnavailableError(interrupted ? "interrupted"
                                                  : absl::StrCat("timeout expired (", timeout_seconds, " s)"));
      }
      continue;
    }
    state = PQresetPoll(conn_);
  }
}

absl::Status RemoteBackend::Lost(const absl::Status& error) {
  if (PQstatus(conn_) != CONNECTION_BAD) return error;
  const std::string why = FirstLine(PQerrorMessage(conn_));
  const std::string lost =
      absl::StrCat("the connection to the server was lost (", why.empty() ? error.message() : why, "): ");
  const absl::Status again = Reconnect();
  if (again.ok()) return absl::UnavailableError(absl::StrCat(lost, "connected again, outside any transaction"));
  return absl::UnavailableError(absl::StrCat(lost, "connecting again failed: ", again.message()));
}

absl::StatusOr<internal::Result> RemoteBackend::Run(const std::string& text,
                                                    const internal::Session::CellsConsumer* rows,
                                                    const std::vector<std::string>* expected) {
  notices_.clear();
  if (PQstatus(conn_) != CONNECTION_OK) {
    if (const absl::Status again = Reconnect(); !again.ok()) {
      return absl::UnavailableError(
          absl::StrCat("no connection to the server: ", again.message(), " (each statement tries again)"));
    }
    notices_ = "connected to the server again";
  }
  absl::StatusOr<internal::Result> result = RunOnConnection(text, rows, expected);
  if (!result.ok()) return Lost(result.status());
  return result;
}

absl::StatusOr<internal::Result> RemoteBackend::RunOnConnection(const std::string& text,
                                                                const internal::Session::CellsConsumer* rows,
                                                                const std::vector<std::string>* expected) {
  if (PQsendQuery(conn_, text.c_str()) != 1) return absl::UnavailableError(PQerrorMessage(conn_));
  // Row by row: libpq then holds one row at a time, not the whole answer.
  if (rows != nullptr) PQsetSingleRowMode(conn_);
  internal::Result result;
  absl::Status error;
  const auto take_row = [&](const PGresult* r, int row) {
    std::vector<internal::Cell> cells;
    for (int c = 0; c < PQnfields(r) && error.ok(); ++c) {
      absl::StatusOr<internal::Cell> cell = CellOf(r, row, c);
      if (cell.ok()) cells.push_back(std::move(*cell));
      else error = cell.status();
    }
    if (!error.ok()) return;
    if (rows != nullptr) (*rows)(std::move(cells));
    else result.rows.push_back(std::move(cells));
  };
  bool cancel_sent = false;
  for (;;) {
    // Wait for the next result; Ctrl-C sends the server a cancel request.
    if (!AwaitResult(&cancel_sent)) return absl::UnavailableError(PQerrorMessage(conn_));
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) break;
    const ExecStatusType status = PQresultStatus(r);
    if (status == PGRES_TUPLES_OK || status == PGRES_SINGLE_TUPLE) {
      // A statement's answer replaces the one before it. (In single-row
      // mode its rows come first, one result each, then a result with
      // none.)
      if (result.columns.empty() || status == PGRES_TUPLES_OK) {
        result.columns.clear();
        result.rows.clear();
        for (int c = 0; c < PQnfields(r); ++c) result.columns.push_back(PQfname(r, c));
        if (expected != nullptr && result.columns != *expected && error.ok()) {
          error = absl::InvalidArgumentError(absl::StrCat(
              "the server answered with columns ", absl::StrJoin(result.columns, ", "), " where the statement has ",
              absl::StrJoin(*expected, ", "), ": it read the text as another statement"));
        }
      }
      for (int row = 0; row < PQntuples(r) && error.ok(); ++row) take_row(r, row);
    } else if (status != PGRES_COMMAND_OK && status != PGRES_EMPTY_QUERY && error.ok()) {
      error = ErrorOf(r, text);
    }
    PQclear(r);
  }
  if (!error.ok()) return error;
  return result;
}

std::string RemoteBackend::NoteSavepoint(const internal::Statement& st) {
  using Kind = internal::Statement::Kind;
  if (st.kind == Kind::kSavepoint) {
    savepoints_.emplace_back(st.savepoint, pending_);
    return internal::SavepointMessage(st, 0);
  }
  size_t i = savepoints_.size();
  while (i > 0 && savepoints_[i - 1].first != st.savepoint) --i;
  if (i == 0) return internal::SavepointMessage(st, 0);  // the server knew it; this shell did not see it made
  const size_t dropped = st.kind == Kind::kRollbackTo ? pending_ - savepoints_[i - 1].second : 0;
  pending_ -= dropped;
  savepoints_.resize(st.kind == Kind::kRollbackTo ? i : i - 1);
  return internal::SavepointMessage(st, dropped);
}

absl::StatusOr<internal::Result> RemoteBackend::Execute(const std::string& text, const internal::Statement& st,
                                                        const internal::Session::CellsConsumer* rows) {
  const std::vector<std::string>& columns = internal::Session::ColumnsOf(st);
  absl::StatusOr<internal::Result> ran = Run(text, rows, columns.empty() ? nullptr : &columns);
  if (!ran.ok()) return ran;
  internal::Result result = *std::move(ran);
  result.contract_columns = internal::Session::ContractColumnsOf(st);
  using Kind = internal::Statement::Kind;
  const bool write = st.kind == Kind::kAssert || st.kind == Kind::kRetract || st.kind == Kind::kErase;
  pending_ = !in_transaction() ? 0 : pending_ + (write ? 1 : 0);
  if (!in_transaction()) savepoints_.clear();
  // A read's notice is the session's hint for people ("no name ..."),
  // shown with a table, not among rows written out; others say what a
  // statement did.
  (internal::Session::ColumnsOf(st).empty() ? result.message : result.note) = notices_;
  if (result.message.empty() && st.kind == Kind::kBegin)
    result.message = "transaction open: statements until commit apply together";
  if (result.message.empty() && st.kind == Kind::kRollback) result.message = "rolled back";
  if (st.kind == Kind::kSavepoint || st.kind == Kind::kRelease || st.kind == Kind::kRollbackTo) {
    result.message = NoteSavepoint(st);
  }
  if (result.message.empty() && write && in_transaction()) {
    result.message = absl::StrCat("pending: ", pending_, pending_ == 1 ? " operation" : " operations");
  }
  return result;
}

absl::StatusOr<internal::Result> RemoteBackend::RecentTransactions(uint64_t n) {
  return Run(absl::StrCat("SHOW hindsight_transactions ", n));
}

absl::StatusOr<internal::Result> RemoteBackend::Stats() { return Run("SHOW hindsight_stats"); }

std::vector<std::string> RemoteBackend::NamesWithPrefix(const std::string& prefix, size_t limit) {
  absl::StatusOr<internal::Result> r =
      Run(absl::StrCat("SHOW hindsight_names '", absl::StrReplaceAll(prefix, {{"'", "''"}}), "'"));
  std::vector<std::string> names;
  if (!r.ok()) return names;
  for (size_t i = 0; i < r->rows.size() && i < limit; ++i) names.push_back(r->rows[i][0].text);
  return names;
}

absl::StatusOr<internal::Result> RemoteBackend::Predicates() { return Run("SHOW hindsight_predicates"); }

absl::StatusOr<internal::Result> RemoteBackend::Sessions() { return Run("SHOW hindsight_sessions"); }

}  // namespace hindsight::tools
