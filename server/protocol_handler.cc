#include "server/protocol_handler.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "hindsight/options.h"
#include "query/database_tables.h"
#include "server/pg_types.h"
#include "server/sql_error.h"
#include "util/plural.h"

namespace hindsight::server {
namespace {

// SHOW hindsight_status: the node's replication state.
constexpr char kStatusParameter[] = "hindsight_status";
constexpr char kAllParameter[] = "all";
// SHOW hindsight_transactions [N]: the last N transactions (10).
constexpr char kTransactionsParameter[] = "hindsight_transactions";
// SHOW hindsight_stats: what the database holds.
constexpr char kStatsParameter[] = "hindsight_stats";
// SHOW hindsight_predicates: each predicate's keys and segments.
constexpr char kPredicatesParameter[] = "hindsight_predicates";
// SHOW hindsight_names [PREFIX]: the names in use that start with PREFIX.
constexpr char kNamesParameter[] = "hindsight_names";
constexpr size_t kNamesShown = 1000;
// SHOW hindsight_sessions: what each session of the server is doing.
constexpr char kSessionsParameter[] = "hindsight_sessions";
// What a session whose statement its user may not see shows for it, as
// PostgreSQL's pg_stat_activity.
constexpr char kNotShown[] = "<insufficient privilege>";

std::vector<std::string> SessionsColumns() {
  return {"pid",   "user",         "application_name", "client", "tls", "backend_start",
          "state", "state_change", "query_start",      "query"};
}
// SET, RESET and SHOW statement_timeout (server/statement_timeout.h).
constexpr char kStatementTimeout[] = "statement_timeout";
// SET, RESET and SHOW application_name: what the client calls itself.
constexpr char kApplicationName[] = "application_name";

// A statement that does not parse and looks like SQL gets a hint: the
// server speaks the language, not SQL.
absl::Status WithSqlHint(absl::Status status, std::string_view statement) {
  if (!internal::StartsLikeSql(statement)) return status;
  return WithHint(std::move(status), absl::StrCat(internal::kNotSqlHint,
                                                  "; SHOW hindsight_predicates lists what the database holds "
                                                  "(docs/query-language.md)"));
}

// The 1-based character position of byte `byte` of `text`.
size_t CharacterPosition(std::string_view text, size_t byte) {
  size_t chars = 0;
  for (size_t i = 0; i < byte && i < text.size(); ++i) chars += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  return chars + 1;
}

bool IsWrite(internal::Statement::Kind k) {
  using Kind = internal::Statement::Kind;
  return k == Kind::kAssert || k == Kind::kRetract || k == Kind::kErase;
}

std::string TagOf(const internal::Statement& st, size_t rows) {
  using Kind = internal::Statement::Kind;
  switch (st.kind) {
    case Kind::kAssert: return "ASSERT";
    case Kind::kRetract: return "RETRACT";
    case Kind::kErase: return "ERASE";
    case Kind::kBegin: return "BEGIN";
    case Kind::kCommit: return "COMMIT";
    case Kind::kRollback: return "ROLLBACK";
    case Kind::kHelp: return "HELP";
    case Kind::kAwait: return "AWAIT";
    default: return absl::StrCat("SELECT ", rows);
  }
}

// A statement of the language the handler runs itself: begin, commit or rollback.
internal::Statement Control(internal::Statement::Kind kind) {
  internal::Statement st;
  st.kind = kind;
  return st;
}

absl::Status SvgRefused() {
  return SqlError(absl::StatusCode::kUnimplemented, "0A000",
                  "timeline ... svg FILE writes a file on the server: draw it with the shell instead");
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& ServerParameters() {
  static const auto* const kParameters = new std::vector<std::pair<std::string, std::string>>{
      {"server_version", "15.0 (Hindsight 0.1.0)"},
      {"server_encoding", "UTF8"},
      {"client_encoding", "UTF8"},
      {"DateStyle", "ISO, MDY"},
      {"TimeZone", "UTC"},
      {"IntervalStyle", "postgres"},
      {"integer_datetimes", "on"},
      {"standard_conforming_strings", "on"},
      {"is_superuser", "off"},
      // No node is a standby: every one takes writes (a cluster's through
      // its log). With default_transaction_read_only, which depends on the
      // user (SessionParameters), libpq's target_session_attrs needs no
      // query to choose a server.
      {"in_hot_standby", "off"},
  };
  return *kParameters;
}

std::vector<std::pair<std::string, std::string>> SessionParameters(bool read_only) {
  std::vector<std::pair<std::string, std::string>> parameters = ServerParameters();
  parameters.emplace_back("default_transaction_read_only", read_only ? "on" : "off");
  return parameters;
}

ProtocolHandler::ProtocolHandler(Database* db, std::string user, bool read_only, std::atomic<bool>* cancel,
                                 const StatusSource* status, std::string db_dir)
    : db_(db),
      status_(status != nullptr && *status ? status : nullptr),
      db_dir_(std::move(db_dir)),
      user_(std::move(user)),
      read_only_(read_only),
      cancel_(cancel),
      session_(db) {
  session_.set_cancel_flag(cancel_);
}

std::vector<std::pair<std::string, std::string>> ProtocolHandler::StatusRow() const {
  if (status_ != nullptr) return (*status_)();
  return {{"applied", absl::StrCat(db_->LastTransaction().id)}};
}

std::vector<std::pair<std::string, std::string>> ProtocolHandler::Settings() const {
  // Settings only SHOW reports (PostgreSQL sends them at start-up to no one).
  static const std::pair<std::string, std::string> kShownOnly[] = {
      {"transaction_isolation", "read committed"},  // each statement reads a snapshot of its own
      {"search_path", "\"$user\", public"},  // PostgreSQL's default
      {"server_version_num", "150000"},
  };
  std::vector<std::pair<std::string, std::string>> settings = SessionParameters(read_only_);
  settings.insert(settings.end(), std::begin(kShownOnly), std::end(kShownOnly));
  settings.emplace_back("transaction_read_only", read_only_ ? "on" : "off");
  settings.emplace_back(kStatementTimeout, FormatTimeSetting(statement_timeout_.value()));
  settings.emplace_back(kApplicationName, application_name_.value());
  return settings;
}

absl::StatusOr<internal::Result> ProtocolHandler::Show(const Command& command) const {
  if (command.parameter == kStatusParameter) {
    internal::Result r;
    r.rows.emplace_back();
    for (auto& [name, value] : StatusRow()) {
      r.columns.push_back(name);
      r.rows[0].push_back(internal::Cell::Text(std::move(value)));
    }
    return r;
  }
  if (command.parameter == kTransactionsParameter) {
    uint64_t n = 10;
    if (!command.argument.empty() && (!absl::SimpleAtoi(command.argument, &n) || n == 0)) {
      return SqlError(
          absl::StatusCode::kInvalidArgument, "22023",
          absl::StrCat("SHOW hindsight_transactions takes a positive count, not \"", command.argument, "\""));
    }
    return internal::TransactionsTable(*db_, n);
  }
  if (command.parameter == kStatsParameter) return internal::StatsTable(*db_, db_dir_);
  if (command.parameter == kSessionsParameter) return SessionsTable();
  if (command.parameter == kPredicatesParameter) return internal::PredicatesTable(*db_);
  if (command.parameter == kNamesParameter) {
    absl::StatusOr<std::vector<std::string>> names =
        db_->NamesWithPrefix(std::string(internal::NamePrefix(command.argument)), kNamesShown);
    if (!names.ok()) return names.status();
    internal::Result r;
    r.columns = {"name"};
    for (std::string& name : *names) r.rows.push_back({internal::Cell::Name(std::move(name))});
    return r;
  }
  const std::vector<std::pair<std::string, std::string>> settings = Settings();
  internal::Result r;
  if (command.parameter == kAllParameter) {  // as PostgreSQL's SHOW ALL: by name in any case, a description (none)
    r.columns = {"name", "setting", "description"};
    std::map<std::string, std::pair<std::string, std::string>> by_name;
    for (const auto& [name, value] : settings) by_name[absl::AsciiStrToLower(name)] = {name, value};
    for (const auto& [lower, setting] : by_name) {
      r.rows.push_back({internal::Cell::Text(setting.first), internal::Cell::Text(setting.second),
                        internal::Cell::Text("")});
    }
    return r;
  }
  for (const auto& [name, value] : settings) {
    if (absl::AsciiStrToLower(name) != command.parameter) continue;
    r.columns = {command.parameter};
    r.rows.push_back({internal::Cell::Text(value)});
    return r;
  }
  return SqlError(absl::StatusCode::kNotFound, "42704",
                  absl::StrCat("unrecognized configuration parameter \"", command.parameter, "\""));
}

char ProtocolHandler::status() const {
  if (failed_) return 'E';
  return session_.in_transaction() ? 'T' : 'I';
}

void ProtocolHandler::Abandon() {
  copy_in_.reset();
  implicit_block_ = false;
  writes_join_implicit_block_ = false;
  if (session_.in_transaction()) (void)session_.Execute(Control(internal::Statement::Kind::kRollback));
  failed_ = false;
  EndBlockNotifications(false);
  UnlistenChannels();
}

ProtocolHandler::Step ProtocolHandler::Handle(const FrontendMessage& m, std::string* out) {
  if (m.type == 'Q') MessageBegins(m.query);
  const Step step = Dispatch(m, out);
  ForgetNoted();
  if (step != Step::kMore) NoteWaiting();
  return step;
}

void ProtocolHandler::MessageBegins(std::string_view text) {
  if (activity_ != nullptr) activity_->Began(text, SystemClock()->Now());
  message_failed_ = false;
  if (slow_log_) slow_message_.emplace(absl::Now(), text);
}

void ProtocolHandler::NoteWaiting() {
  if (copy_in_) return;  // COPY FROM STDIN runs on until its data ends
  if (activity_ != nullptr) activity_->Waiting(status(), SystemClock()->Now());
  if (!slow_message_) return;
  if (const absl::Duration took = absl::Now() - slow_message_->first; took >= slow_at_least_) {
    slow_log_(took, slow_message_->second, message_failed_);
  }
  slow_message_.reset();
}

ProtocolHandler::Step ProtocolHandler::Dispatch(const FrontendMessage& m, std::string* out) {
  resume_ = nullptr;
  if (copy_in_) return CopyMessage(m, out);
  if (m.type == 'X') return Step::kClose;
  if (skip_until_sync_ && m.type != 'S') return Step::kDone;
  switch (m.type) {
    case 'Q':
      // A simple query after an extended one's write with no Sync between
      // (no driver sends that): the block ends first.
      if (implicit_block_ && !EndImplicitBlock(out)) {
        AppendReady(out);
        return Step::kDone;
      }
      return SimpleQuery(m.query, out);
    case 'P':
      ParseMessage(m.parse, out);
      return Step::kDone;
    case 'B':
      BindMessage(m.bind, out);
      return Step::kDone;
    case 'D':
      DescribeMessage(m.describe, out);
      return Step::kDone;
    case 'E':
      return ExecuteMessage(m.execute, out);
    case 'C':
      CloseMessage(m.close, out);
      return Step::kDone;
    case 'S':
      skip_until_sync_ = false;
      EndImplicitBlock(out);
      // Outside a block, each Sync ends a transaction of its own.
      if (!session_.in_transaction()) EndPortals(/*committed=*/true);
      AppendReady(out);
      return Step::kDone;
    case 'H':
    case 'd':  // the rest of a COPY's data after its error, ignored as PostgreSQL does
    case 'c':
    case 'f':
      return Step::kDone;
    default:
      AppendError(SqlError(absl::StatusCode::kInvalidArgument, "08P01",
                           absl::StrCat("unexpected message type '", std::string(1, m.type), "'")),
                  "", 0, out);
      return Step::kClose;
  }
}

ProtocolHandler::Step ProtocolHandler::Continue(std::string* out) {
  std::function<Step(std::string*)> resume = std::move(resume_);
  resume_ = nullptr;
  const Step step = resume ? resume(out) : Step::kDone;
  if (step != Step::kMore) NoteWaiting();
  return step;
}

absl::StatusOr<std::string> ProtocolHandler::CloseImplicitBlock() {
  if (!implicit_block_) return std::string();
  implicit_block_ = false;
  const std::string_view commit = "COMMIT";
  absl::StatusOr<Answer> answer = Run(Classify(commit), commit, nullptr, nullptr);
  if (!answer.ok()) return answer.status();
  return std::move(answer->notice);
}

bool ProtocolHandler::EndImplicitBlock(std::string* out) {
  absl::StatusOr<std::string> notice = CloseImplicitBlock();
  if (!notice.ok()) {
    AppendError(notice.status(), "", 0, out);
    return false;
  }
  if (!notice->empty()) AppendNoticeResponse({"NOTICE", "00000", *notice, {}, ""}, out);
  return true;
}

void ProtocolHandler::FailExtended(const absl::Status& status, std::string_view query, size_t offset,
                                   std::string* out) {
  AppendError(status, query, offset, out);
  skip_until_sync_ = true;
  failed_ = session_.in_transaction();
}

void ProtocolHandler::AppendError(const absl::Status& status, std::string_view query, size_t offset,
                                  std::string* out) {
  Diagnostic d;
  d.severity = "ERROR";
  d.sqlstate = SqlStateOf(status);
  if (status.code() == absl::StatusCode::kCancelled) {
    d.message = timer_ != nullptr && timer_->expired() ? "canceling statement due to statement timeout"
                                                       : "canceling statement due to user request";
  } else {
    d.message = std::string(internal::ErrorReason(status));
  }
  if (const std::optional<size_t> column = internal::ErrorColumn(status)) {
    d.position = CharacterPosition(query, offset + *column - 1);
  }
  if (std::optional<std::string> hint = HintOf(status)) {
    d.hint = std::move(*hint);
  } else if (d.sqlstate == "53100") {
    d.hint = "free space on the disk: commits go on by themselves once it has room, or after a restart of "
             "hindsight serve if the message says to reopen the database; reads go on meanwhile, and every commit "
             "acknowledged is kept";
  }
  AppendErrorResponse(d, out);
}

absl::Status ProtocolHandler::WriteRefused() const {
  return SqlError(absl::StatusCode::kPermissionDenied, "25006",
                  absl::StrCat("cannot write: user \"", user_, "\" is read-only"));
}

absl::Status ProtocolHandler::CheckSessionMemory(size_t more) const {
  const size_t held =
      session_.pending_bytes() + prepared_bytes_ + portal_bytes_ + block_notify_bytes_ + channels_bytes_ + more;
  if (held <= max_session_bytes_) return absl::OkStatus();
  const auto size = [](size_t bytes) {
    return bytes >= (1 << 20) ? absl::StrCat(bytes >> 20, " MiB") : absl::StrCat(bytes, " bytes");
  };
  return WithHint(SqlError(absl::StatusCode::kResourceExhausted, "54000",
                           absl::StrCat("this session would hold more than the ", size(max_session_bytes_),
                                        " a session may hold in the server's memory (an open transaction of ",
                                        internal::Plural(session_.pending_operations(), "operation"), ", ",
                                        internal::Plural(prepared_.size(), "prepared statement"), ", ",
                                        internal::Plural(portals_.size(), "portal"), ", ",
                                        internal::Plural(to_notify_.size(), "notification"), " to send, ",
                                        internal::Plural(channels_.size(), "channel"), " listened to)")),
                  "commit in smaller transactions, close the prepared statements and cursors no longer needed, "
                  "load a file with COPY operations FROM STDIN, or start the server with a larger "
                  "--max-session-memory");
}

size_t ProtocolHandler::PreparedBytes(const Prepared& p) {
  return sizeof(p) + 2 * p.text.size() + 64 * (p.columns.size() + p.param_types.size()) +
         (p.lexed ? p.lexed->bytes() : 0);
}

void ProtocolHandler::KeepPrepared(const std::string& name, std::shared_ptr<const Prepared> prepared) {
  ForgetPrepared(name);
  prepared_bytes_ += PreparedBytes(*prepared);
  prepared_[name] = std::move(prepared);
}

void ProtocolHandler::ForgetPrepared(const std::string& name) {
  const auto it = prepared_.find(name);
  if (it == prepared_.end()) return;
  prepared_bytes_ -= PreparedBytes(*it->second);
  prepared_.erase(it);
}

size_t ProtocolHandler::PortalBytes(const Portal& p) {
  size_t bytes = sizeof(p) + p.rows.memory_bytes();
  if (p.columns != nullptr) bytes += 64 * p.columns->columns.size();
  for (const std::optional<std::string>& value : p.params.values) bytes += sizeof(value) + (value ? value->size() : 0);
  if (p.cursor != nullptr) bytes += sizeof(Cursor) + 64 * p.cursor->columns.size() + p.cursor->rows.memory_bytes();
  return bytes;
}

absl::Status ProtocolHandler::KeepPortal(const std::string& name, Portal portal) {
  const auto kept = portals_.find(name);
  const size_t leaving = kept == portals_.end() ? 0 : kept->second.bytes;
  portal.bytes = PortalBytes(portal);
  if (portal.bytes > leaving) {
    if (absl::Status s = CheckSessionMemory(portal.bytes - leaving); !s.ok()) return s;
  }
  portal_bytes_ = portal_bytes_ - leaving + portal.bytes;
  portals_[name] = std::move(portal);
  return absl::OkStatus();
}

absl::Status ProtocolHandler::RecountPortal(Portal* p) {
  const size_t bytes = PortalBytes(*p);
  if (bytes > p->bytes) {
    if (absl::Status s = CheckSessionMemory(bytes - p->bytes); !s.ok()) return s;
  }
  portal_bytes_ = portal_bytes_ - p->bytes + bytes;
  p->bytes = bytes;
  return absl::OkStatus();
}

void ProtocolHandler::ErasePortal(const std::string& name) {
  const auto it = portals_.find(name);
  if (it == portals_.end()) return;
  portal_bytes_ -= it->second.bytes;
  portals_.erase(it);
}

void ProtocolHandler::ErasePortals(absl::FunctionRef<bool(const Portal&)> drop) {
  absl::erase_if(portals_, [&](const auto& named) {
    if (!drop(named.second)) return false;
    portal_bytes_ -= named.second.bytes;
    return true;
  });
}

// The columns of the hstore probe's answer (Command::Kind::kCatalog).
std::vector<std::string> ProtocolHandler::CatalogColumns() { return {"oid", "typarray"}; }

// --- the simple query protocol ---

ProtocolHandler::Step ProtocolHandler::SimpleQuery(const std::string& query, std::string* out) {
  // A long query's buffer is not kept for the short ones after it
  // (assigning a shorter string keeps the capacity).
  if (query_.capacity() > (64 << 10)) std::string().swap(query_);
  query_ = query;
  pieces_ = SplitStatements(query_);
  piece_ = 0;
  if (pieces_.empty()) {
    AppendEmptyQueryResponse(out);
    AppendReady(out);
    return Step::kDone;
  }
  writes_join_implicit_block_ = pieces_.size() > 1;
  return RunPiece(out);
}

ProtocolHandler::Step ProtocolHandler::RunPiece(std::string* out) {
  for (; piece_ < pieces_.size(); ++piece_) {
    const Piece& piece = pieces_[piece_];
    bool client_gone = false;
    absl::StatusOr<Answer> answer =
        RunStreaming(Classify(piece.text), piece.text, nullptr, nullptr, nullptr, /*describe=*/true, out, &client_gone);
    if (client_gone) return Step::kClose;
    if (!answer.ok()) {
      AppendError(answer.status(), query_, piece.offset, out);
      break;
    }
    if (!answer->notice.empty()) AppendNoticeResponse({"NOTICE", "00000", answer->notice, {}, ""}, out);
    if (answer->copy_in) {  // the rest of the query waits for the data
      copy_in_->simple = true;
      AppendCopyInResponse(out);
      return Step::kDone;
    }
    if (answer->columns.empty() || answer->streamed) {
      if (answer->streamed && answer->copy_out) AppendCopyDone(out);
      AppendCommandComplete(answer->tag, out);
      continue;
    }
    simple_portal_ = Portal{};
    simple_portal_.rows = std::move(answer->rows);
    simple_portal_.tag = std::move(answer->tag);
    simple_portal_.copy_out = answer->copy_out;
    if (answer->copy_out) {
      AppendCopyOutResponse(answer->columns.size(), out);
    } else {
      AppendRowDescription(*DescribeColumns(answer->columns, answer->formats, answer->types), out);
    }
    return FinishSimpleRows(out);
  }
  return EndSimpleQuery(out);
}

ProtocolHandler::Step ProtocolHandler::EndSimpleQuery(std::string* out) {
  writes_join_implicit_block_ = false;
  EndImplicitBlock(out);
  AppendReady(out);
  return Step::kDone;
}

ProtocolHandler::Step ProtocolHandler::FinishSimpleRows(std::string* out) {
  // Cancelled while its rows were being sent, or they cannot be read back.
  const absl::StatusOr<bool> all = cancel_->exchange(false)
                                       ? absl::CancelledError("cancelled")
                                       : AppendRows(&simple_portal_, simple_portal_.rows.size(), out);
  if (!all.ok()) {
    simple_portal_ = Portal{};
    failed_ = session_.in_transaction();
    AppendError(all.status(), "", 0, out);
    return EndSimpleQuery(out);
  }
  if (!*all) {
    resume_ = [this](std::string* o) { return FinishSimpleRows(o); };
    return Step::kMore;
  }
  if (simple_portal_.copy_out) AppendCopyDone(out);
  AppendCommandComplete(simple_portal_.tag, out);
  simple_portal_ = Portal{};
  ++piece_;
  return RunPiece(out);
}

absl::StatusOr<bool> ProtocolHandler::AppendRows(Portal* portal, size_t end, std::string* out) {
  EncodedRows& rows = portal->rows;
  while (portal->next_row < end) {
    if (out->size() >= kChunkBytes) return false;
    // As many whole rows as the chunk holds (at least one).
    const size_t first = portal->next_row;
    size_t last = first + 1;
    while (last < end && rows.BytesOf(first, last + 1) + out->size() <= kChunkBytes) ++last;
    if (absl::Status s = rows.AppendTo(first, last, out); !s.ok()) return s;
    portal->next_row = last;
  }
  return true;
}

bool ProtocolHandler::StreamRows(const std::vector<ColumnDescription>& columns, bool copy, EncodedRows* rows) {
  if (stream_ == nullptr || !flush_) {
    rows->SpillPast(kMemoryBytes);  // if the file cannot be written, they stay in memory
    return true;
  }
  if (rows->buffered_bytes() < kChunkBytes) return true;
  if (stream_->client_gone) return false;
  std::string* out = stream_->out;
  if (!stream_->started) {
    if (copy) {
      AppendCopyOutResponse(columns.size(), out);
    } else if (stream_->describe) {
      AppendRowDescription(columns, out);
    }
    stream_->started = true;
  }
  stream_->rows_sent += rows->size();
  rows->MoveTo(out);
  if (!flush_(out)) {
    stream_->client_gone = true;
    cancel_->store(true);  // stops the scan
    return false;
  }
  return true;
}

size_t ProtocolHandler::EndStream(EncodedRows* rows, bool* streamed) {
  const size_t answered = rows->size() + (stream_ != nullptr ? stream_->rows_sent : 0);
  *streamed = stream_ != nullptr && stream_->started;
  if (*streamed) rows->MoveTo(stream_->out);
  return answered;
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::RunStreaming(const Command& command, std::string_view text,
                                                                      const internal::StatementParams* params,
                                                                      const std::vector<ColumnDescription>* columns,
                                                                      const Prepared* prepared, bool describe,
                                                                      std::string* out, bool* client_gone) {
  RowStream stream{out, describe};
  stream_ = &stream;
  absl::StatusOr<Answer> answer = Run(command, text, params, columns, prepared);
  stream_ = nullptr;
  *client_gone = stream.client_gone;
  return answer;
}

void ProtocolHandler::EncodeCells(const internal::Result& r, const std::vector<ColumnDescription>& columns,
                                  EncodedRows* rows) {
  for (const std::vector<internal::Cell>& row : r.rows) EncodeRow(row, columns, rows);
}

void ProtocolHandler::EncodeRow(const std::vector<internal::Cell>& row, const std::vector<ColumnDescription>& columns,
                                EncodedRows* rows) {
  AppendDataRow(
      row.size(), [&](size_t c, std::string* o) { return AppendCell(row[c], columns[c], o); }, rows->buffer());
  rows->EndRow();
}

// --- running one statement ---

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::Run(const Command& command, std::string_view text,
                                                             const internal::StatementParams* params,
                                                             const std::vector<ColumnDescription>* columns,
                                                             const Prepared* prepared) {
  const bool in_transaction = session_.in_transaction();
  cancel_->store(false);  // a cancel is for the statement running when it comes
  if (timer_ != nullptr) timer_->Arm(statement_timeout_.value());
  absl::StatusOr<Answer> answer = RunCommand(command, text, params, columns, prepared);
  if (timer_ != nullptr) timer_->Disarm();
  if (!answer.ok()) {
    message_failed_ = true;
    failed_ = session_.in_transaction();
  }
  if (in_transaction && !session_.in_transaction()) {
    const bool committed = answer.ok() && answer->tag == "COMMIT";
    EndPortals(committed);
    EndBlockSettings(committed);
    EndBlockNotifications(committed);
    savepoints_.clear();
  }
  return answer;
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::Set(const Command& command) {
  const bool reset = command.kind == Command::Kind::kReset || command.to_default;
  if (command.kind == Command::Kind::kReset && command.parameter == "all") {
    Apply<absl::Duration>(command, std::nullopt, &statement_timeout_);
    return Apply<std::string>(command, std::nullopt, &application_name_);
  }
  if (command.parameter == kStatementTimeout) {
    std::optional<absl::Duration> timeout;
    if (!reset) {
      absl::StatusOr<absl::Duration> parsed = ParseTimeSetting(command.argument, kStatementTimeout);
      if (!parsed.ok()) return parsed.status();
      timeout = *parsed;
    }
    return Apply(command, timeout, &statement_timeout_);
  }
  if (command.parameter == kApplicationName) {
    return Apply(command, reset ? std::nullopt : std::optional<std::string>(command.argument), &application_name_);
  }
  Answer a;  // any other setting: no effect
  a.tag = command.kind == Command::Kind::kSet ? "SET" : "RESET";
  return a;
}

template <typename T>
ProtocolHandler::Answer ProtocolHandler::Apply(const Command& command, std::optional<T> value,
                                               ScopedSetting<T>* setting) {
  Answer a;
  a.tag = command.kind == Command::Kind::kSet ? "SET" : "RESET";
  T v = value ? *std::move(value) : setting->default_value();
  if (!command.local) {
    setting->Set(std::move(v), session_.in_transaction());
  } else if (session_.in_transaction()) {
    setting->SetLocal(std::move(v));
  } else {
    a.notice = "SET LOCAL can only be used in transaction blocks";
  }
  return a;
}

void ProtocolHandler::EndBlockSettings(bool committed) {
  statement_timeout_.EndBlock(committed);
  application_name_.EndBlock(committed);
}

void ProtocolHandler::AppendReady(std::string* out) {
  if (application_name_.value() != application_name_reported_) {
    application_name_reported_ = application_name_.value();
    AppendParameterStatus(kApplicationName, application_name_reported_, out);
    if (activity_ != nullptr) activity_->SetApplication(application_name_reported_);
  }
  AppendNotifications(out);  // the rest while the session waits
  AppendReadyForQuery(status(), out);
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::RunCommand(const Command& command, std::string_view text,
                                                                    const internal::StatementParams* params,
                                                                    const std::vector<ColumnDescription>* columns,
                                                                    const Prepared* prepared) {
  using Kind = Command::Kind;
  if (failed_ && command.kind != Kind::kRollback && command.kind != Kind::kCommit &&
      command.kind != Kind::kRollbackTo) {
    return SqlError(absl::StatusCode::kFailedPrecondition, "25P02",
                    "current transaction is aborted, commands ignored until end of transaction block");
  }
  Answer a;
  switch (command.kind) {
    case Kind::kEmpty:
      return a;
    case Kind::kBegin:
      return Begin();
    case Kind::kCommit:
    case Kind::kRollback:
      return EndBlock(command.kind == Kind::kCommit);
    case Kind::kSavepoint:
    case Kind::kRelease:
    case Kind::kRollbackTo:
      return RunSavepoint(command);
    case Kind::kNotify:
      return Notify(command, params, columns);
    case Kind::kListen:
    case Kind::kUnlisten:
      return Listen(command);
    case Kind::kCheckpoint:
      return Checkpoint(command);
    case Kind::kCompact:
      return Compact(command);
    case Kind::kSet:
    case Kind::kReset:
      return Set(command);
    case Kind::kSelect:
      return Selected(command, params, columns);
    case Kind::kSignal:
      return SignalSession(command, columns);
    case Kind::kCatalog:  // Hindsight has no hstore type: no row
      a.columns = CatalogColumns();
      a.tag = "SELECT 0";
      return a;
    case Kind::kDiscard:
    case Kind::kDeallocate:
      return Forget(command);
    case Kind::kMalformed:
      return command.error;
    case Kind::kDeclare:
      return Declare(command, text, params);
    case Kind::kFetch:
    case Kind::kMove:
      return Fetch(command, columns);
    case Kind::kClose:
      return CloseCursors(command);
    case Kind::kCopyFrom:
      return StartCopyIn();
    case Kind::kCopyTo:
      return CopyOut(command, text, params);
    case Kind::kCopyLog:
      return CopyLogOut();
    case Kind::kShow:
      return Shown(command, columns);
    case Kind::kHindsight:
      break;
  }
  return RunHindsight(text, params, columns, prepared);
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::Begin() {
  Answer a;
  a.tag = "BEGIN";
  if (implicit_block_) {  // the writes before it join the block it opens, as in PostgreSQL
    implicit_block_ = false;
    return a;
  }
  if (session_.in_transaction()) {
    a.notice = "there is already a transaction in progress";
    return a;
  }
  absl::StatusOr<internal::Result> r = session_.Execute(Control(internal::Statement::Kind::kBegin));
  if (!r.ok()) return r.status();
  return a;
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::EndBlock(bool commit_asked) {
  using SKind = internal::Statement::Kind;
  const bool commit = commit_asked && !failed_;
  Answer a;
  a.tag = commit ? "COMMIT" : "ROLLBACK";
  failed_ = false;
  implicit_block_ = false;
  if (!session_.in_transaction()) {
    a.notice = "there is no transaction in progress";
    return a;
  }
  // A block that wrote nothing and was given no time or source (a driver's
  // BEGIN around reads) commits nothing, as PostgreSQL's read-only
  // transactions write nothing.
  const bool write = commit && !session_.transaction_is_blank();
  if (commit) {
    if (absl::Status s = BeforeCommit(); !s.ok()) return s;
  }
  absl::StatusOr<internal::Result> r = session_.Execute(Control(write ? SKind::kCommit : SKind::kRollback));
  if (!r.ok()) return r.status();  // a rejected commit writes nothing and ends the transaction
  if (write) a.notice = r->message;
  return a;
}

absl::Status ProtocolHandler::BeforeCommit() {
  absl::Status s = ReserveBlockNotifications();
  if (!s.ok()) (void)session_.Execute(Control(internal::Statement::Kind::kRollback));
  return s;
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::RunSavepoint(const Command& command) {
  using Kind = Command::Kind;
  const Kind kind = command.kind;
  if (!session_.in_transaction() || implicit_block_) {
    const char* what = kind == Kind::kSavepoint ? "SAVEPOINT" : kind == Kind::kRelease ? "RELEASE SAVEPOINT"
                                                                                       : "ROLLBACK TO SAVEPOINT";
    return SqlError(absl::StatusCode::kFailedPrecondition, "25P01",
                    absl::StrCat(what, " can only be used in transaction blocks"));
  }
  Answer a;
  if (kind == Kind::kSavepoint) {
    if (absl::Status s = session_.Savepoint(command.parameter); !s.ok()) return s;
    savepoints_.push_back(
        {statement_timeout_.Save(), application_name_.Save(), cursors_declared_, to_notify_.size(), to_listen_.size()});
    a.tag = "SAVEPOINT";
    return a;
  }
  const absl::StatusOr<size_t> i = kind == Kind::kRelease ? session_.ReleaseSavepoint(command.parameter)
                                                          : session_.RollBackToSavepoint(command.parameter);
  if (absl::IsNotFound(i.status())) {
    return SqlError(absl::StatusCode::kNotFound, "3B001", std::string(i.status().message()));
  }
  if (!i.ok()) return i.status();
  if (kind == Kind::kRelease) {
    savepoints_.resize(*i);
    a.tag = "RELEASE";
    return a;
  }
  savepoints_.resize(*i + 1);
  const SavepointState& back = savepoints_.back();
  statement_timeout_.Restore(back.statement_timeout);
  application_name_.Restore(back.application_name);
  DropBlockNotificationsAfter(back.notifications, back.listens);
  const uint64_t kept = back.cursors_declared;
  ErasePortals([kept](const Portal& p) { return p.cursor != nullptr && p.cursor->serial > kept; });
  failed_ = false;  // the block goes on from the savepoint
  a.tag = "ROLLBACK";
  return a;
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::Shown(const Command& command,
                                                               const std::vector<ColumnDescription>* columns) const {
  absl::StatusOr<internal::Result> shown = Show(command);
  if (!shown.ok()) return shown.status();
  Answer a;
  EncodeCells(*shown, columns != nullptr ? *columns : *DescribeColumns(shown->columns, {}), &a.rows);
  a.columns = std::move(shown->columns);
  a.tag = "SHOW";
  return a;
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::Checkpoint(const Command& command) {
  if (read_only_) {
    return SqlError(absl::StatusCode::kPermissionDenied, "25006",
                    absl::StrCat("cannot write a checkpoint: user \"", user_, "\" is read-only"));
  }
  if (command.argument.empty()) {
    return SqlError(absl::StatusCode::kInvalidArgument, "42601",
                    "CHECKPOINT takes the directory to write, on the server's machine: CHECKPOINT '/path/to/copy'");
  }
  absl::StatusOr<uint64_t> last = db_->Checkpoint(command.argument);
  if (!last.ok()) {
    return SqlError(last.status().code(), absl::IsAlreadyExists(last.status()) ? "42710" : "58000",
                    std::string(last.status().message()));
  }
  Answer a;
  a.tag = "CHECKPOINT";
  a.notice = absl::StrCat("checkpoint of transactions 1..", *last, " written to ", command.argument);
  return a;
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::Compact(const Command& command) {
  if (read_only_) {
    return SqlError(absl::StatusCode::kPermissionDenied, "25006",
                    absl::StrCat("cannot compact: user \"", user_, "\" is read-only"));
  }
  if (!command.argument.empty()) {
    return SqlError(absl::StatusCode::kInvalidArgument, "42601",
                    absl::StrCat("COMPACT takes no argument, found \"", command.argument, "\""));
  }
  if (status() != 'I') {  // as PostgreSQL's VACUUM: it belongs to no transaction
    return SqlError(absl::StatusCode::kFailedPrecondition, "25001", "COMPACT cannot run inside a transaction block");
  }
  const uint64_t before = db_dir_.empty() ? 0 : internal::BytesOnDisk(db_dir_);
  if (const absl::Status s = db_->Compact(); !s.ok()) return SqlError(s.code(), "58000", std::string(s.message()));
  Answer a;
  a.tag = "COMPACT";
  a.notice = db_dir_.empty() ? "compacted"
                             : absl::StrFormat("compacted %s: %.1f MB -> %.1f MB on disk", db_dir_, before / 1e6,
                                               internal::BytesOnDisk(db_dir_) / 1e6);
  return a;
}

internal::Result ProtocolHandler::SessionsTable() const {
  internal::Result r;
  r.columns = SessionsColumns();
  if (sessions_ == nullptr) return r;
  std::vector<SessionView> sessions = sessions_->List();
  for (SessionView& s : sessions) {
    using internal::Cell;
    const bool shown = MaySee(s);
    r.rows.push_back({Cell::Text(absl::StrCat(s.pid)), Cell::Name(std::move(s.user)),
                      Cell::Name(std::move(s.application)), Cell::Text(std::move(s.client)),
                      Cell::Text(s.tls ? "on" : "off"), Cell::Time(s.backend_start), Cell::Text(std::move(s.state)),
                      Cell::Time(s.state_change), Cell::Time(s.query_start),
                      Cell::Name(shown ? std::move(s.query) : kNotShown)});
  }
  return r;
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::SignalSession(const Command& command,
                                                                       const std::vector<ColumnDescription>* columns) {
  const bool terminate = command.parameter == "pg_terminate_backend";
  int32_t pid = 0;
  std::optional<SessionView> target;
  if (absl::SimpleAtoi(command.argument, &pid) && sessions_ != nullptr) {
    for (SessionView& s : sessions_->List()) {
      if (s.pid == pid) target = std::move(s);
    }
  }
  Answer a;
  bool signalled = false;
  if (!target) {
    a.notice =
        absl::StrCat("PID ", command.argument, " is not a session of this server (SHOW hindsight_sessions lists them)");
  } else if (!MaySee(*target)) {
    return SqlError(absl::StatusCode::kPermissionDenied, "42501",
                    absl::StrCat("permission denied to ", terminate ? "terminate" : "cancel", " session ", pid,
                                 ": it is user \"", target->user, "\"'s, and read-only user \"", user_,
                                 "\" may signal only its own user's sessions"));
  } else {
    const std::optional<SessionView> own = activity_ != nullptr ? activity_->View() : std::nullopt;
    signalled = sessions_->Signal(pid, terminate,
                                  absl::StrCat("session ", own ? own->pid : 0, " (user ", user_, ")"));
  }
  internal::Result r;
  r.columns = {command.parameter};
  r.rows.push_back({internal::Cell::Text(signalled ? "t" : "f")});
  EncodeCells(r, columns != nullptr ? *columns : *DescribeColumns(r.columns, {}), &a.rows);
  a.columns = std::move(r.columns);
  a.tag = "SELECT 1";
  return a;
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::Selected(
    const Command& command, const internal::StatementParams* params,
    const std::vector<ColumnDescription>* columns) const {
  SelectContext context;
  if (params != nullptr) context.parameters = params->values;
  for (const auto& [name, setting] : ServerParameters()) {
    if (name == "server_version") context.version = absl::StrCat("PostgreSQL ", setting);
  }
  context.database = database_;
  context.user = user_;
  const std::optional<SessionView> self = activity_ != nullptr ? activity_->View() : std::nullopt;
  context.pid = self ? self->pid : 0;
  context.now = SystemClock()->Now();
  context.setting = [this](const std::string& name) -> std::optional<std::string> {
    for (auto& [setting, value] : Settings()) {
      if (absl::AsciiStrToLower(setting) == name) return std::move(value);
    }
    return std::nullopt;
  };
  absl::StatusOr<std::vector<std::optional<std::string>>> values = EvaluateSelectList(command.items, context);
  if (!values.ok()) return values.status();
  internal::Result r;
  for (const SelectItem& item : command.items) r.columns.push_back(item.name);
  if (!command.if_cursor || CursorNamed(*command.if_cursor).ok()) {
    std::vector<internal::Cell>& row = r.rows.emplace_back();
    for (std::optional<std::string>& v : *values) {
      row.push_back(v ? internal::Cell::Text(*std::move(v)) : internal::Cell::Val(Value()));
    }
  }
  Answer a;
  a.types = TypesOf(command);
  EncodeCells(r, columns != nullptr ? *columns : *DescribeColumns(r.columns, {}, a.types), &a.rows);
  a.columns = std::move(r.columns);
  a.tag = absl::StrCat("SELECT ", r.rows.size());
  return a;
}

std::vector<uint32_t> ProtocolHandler::TypesOf(const Command& command) {
  std::vector<uint32_t> types;
  if (command.kind != Command::Kind::kSelect) return types;
  for (const SelectItem& item : command.items) types.push_back(item.type());
  return types;
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::Forget(const Command& command) {
  Answer a;
  if (command.kind == Command::Kind::kDiscard) {
    const std::string what = command.parameter == "temporary" ? "temp" : command.parameter;
    a.tag = absl::StrCat("DISCARD ", absl::AsciiStrToUpper(what));
    if (command.parameter != "all") return a;  // no plans, sequences or temporary tables to drop
    if (session_.in_transaction()) {
      return SqlError(absl::StatusCode::kFailedPrecondition, "25001",
                      "DISCARD ALL cannot run inside a transaction block");
    }
    to_discard_all_ = true;
    commits_told_.reset();  // UNLISTEN *, as DISCARD ALL does
    UnlistenChannels();
    // DISCARD ALL resets every setting too.
    statement_timeout_.Set(statement_timeout_.default_value(), false);
    application_name_.Set(application_name_.default_value(), false);
    return a;
  }
  a.tag = command.parameter.empty() ? "DEALLOCATE ALL" : "DEALLOCATE";
  if (command.parameter.empty()) {
    for (const auto& [name, prepared] : prepared_) to_deallocate_.push_back(name);
  } else if (!prepared_.contains(command.parameter)) {
    return SqlError(absl::StatusCode::kNotFound, "26000",
                    absl::StrCat("prepared statement \"", command.parameter, "\" does not exist"));
  } else {
    to_deallocate_.push_back(command.parameter);
  }
  return a;
}

void ProtocolHandler::ForgetNoted() {
  for (const std::string& name : to_deallocate_) ForgetPrepared(name);
  to_deallocate_.clear();
  if (portal_to_drop_) ErasePortal(*portal_to_drop_);
  portal_to_drop_.reset();
  if (!to_discard_all_) return;
  prepared_.clear();
  prepared_bytes_ = 0;
  portals_.clear();
  portal_bytes_ = 0;
  to_discard_all_ = false;
}

absl::StatusOr<internal::Statement> ProtocolHandler::ReadInside(const Command& command, std::string_view text,
                                                                const internal::StatementParams* params) {
  absl::StatusOr<internal::Statement> st = internal::ParseStatement(InnerStatement(text, command), params);
  if (!st.ok()) return st.status();
  if (!st->svg_path.empty()) return SvgRefused();
  if (internal::Session::ColumnsOf(*st).empty()) {
    return SqlError(absl::StatusCode::kInvalidArgument, "42P11",
                    "a cursor or COPY holds the rows of a read (DECLARE c CURSOR FOR Syria * *), not of a write "
                    "or transaction control");
  }
  return st;
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::RunHindsight(std::string_view text,
                                                                      const internal::StatementParams* params,
                                                                      const std::vector<ColumnDescription>* columns,
                                                                      const Prepared* prepared) {
  if (prepared != nullptr && prepared->parsed) return RunParsed(*prepared->parsed, columns);
  absl::StatusOr<internal::Statement> st = prepared != nullptr && prepared->lexed
                                               ? internal::ParseStatement(*prepared->lexed, params)
                                               : internal::ParseStatement(text, params);
  if (!st.ok()) return WithSqlHint(st.status(), text);
  return RunParsed(*st, columns);
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::RunParsed(const internal::Statement& st,
                                                                   const std::vector<ColumnDescription>* columns) {
  if (read_only_ && IsWrite(st.kind)) return WriteRefused();
  if (!st.svg_path.empty()) return SvgRefused();
  if (writes_join_implicit_block_ && IsWrite(st.kind) && !session_.in_transaction()) {
    if (absl::StatusOr<internal::Result> r = session_.Execute(Control(internal::Statement::Kind::kBegin)); !r.ok()) {
      return r.status();
    }
    implicit_block_ = true;
  }
  const bool autocommit = !session_.in_transaction();
  // A read's rows, and history's, become protocol messages as they are found.
  const std::vector<ColumnDescription>& formats =
      columns != nullptr ? *columns : TextColumns(internal::Session::ColumnsOf(st));
  Answer a;
  const internal::Session::RowConsumer encode = [&](const Row& row) {
    AppendRowMessage(row, formats, a.rows.buffer());
    a.rows.EndRow();
    StreamRows(formats, /*copy=*/false, &a.rows);
  };
  const internal::Session::CellsConsumer encode_cells = [&](std::vector<internal::Cell>&& row) {
    EncodeRow(row, formats, &a.rows);
    StreamRows(formats, /*copy=*/false, &a.rows);
  };
  if (st.kind == internal::Statement::Kind::kCommit && session_.in_transaction()) {
    if (absl::Status s = BeforeCommit(); !s.ok()) return s;
  }
  absl::StatusOr<internal::Result> r = session_.Execute(st, &encode, &encode_cells);
  if (!r.ok()) return r.status();
  if (IsWrite(st.kind)) {
    if (absl::Status s = CheckSessionMemory(); !s.ok()) return s;
  }
  EncodeCells(*r, formats, &a.rows);
  a.columns = std::move(r->columns);
  a.tag = TagOf(st, EndStream(&a.rows, &a.streamed));
  if ((IsWrite(st.kind) && autocommit) || st.kind == internal::Statement::Kind::kCommit) a.notice = r->message;
  if (!r->note.empty()) a.notice = r->note;
  if (st.kind == internal::Statement::Kind::kHelp) {
    a.notice = "help: see docs/query-language.md, or type 'help' in hindsight shell";
  }
  return a;
}

const std::vector<ColumnDescription>& ProtocolHandler::TextColumns(const std::vector<std::string>& names) {
  auto [it, added] = text_columns_.try_emplace(&names);
  if (added) it->second = *DescribeColumns(names, {});
  return it->second;
}

absl::StatusOr<std::vector<std::string>> ProtocolHandler::ColumnsOf(const Command& command,
                                                                    std::string_view text) const {
  if (command.kind == Command::Kind::kShow && command.parameter == kStatusParameter) {
    std::vector<std::string> columns;
    for (const auto& [name, value] : StatusRow()) columns.push_back(name);
    return columns;
  }
  if (command.kind == Command::Kind::kShow && command.parameter == kTransactionsParameter) {
    return internal::TransactionsColumns();
  }
  if (command.kind == Command::Kind::kShow && command.parameter == kStatsParameter) return internal::StatsColumns();
  if (command.kind == Command::Kind::kShow && command.parameter == kSessionsParameter) return SessionsColumns();
  if (command.kind == Command::Kind::kShow && command.parameter == kPredicatesParameter) {
    return internal::PredicatesColumns();
  }
  if (command.kind == Command::Kind::kShow && command.parameter == kNamesParameter) {
    return std::vector<std::string>{"name"};
  }
  if (command.kind == Command::Kind::kShow && command.parameter == kAllParameter) {
    return std::vector<std::string>{"name", "setting", "description"};
  }
  if (command.kind == Command::Kind::kSelect) {
    std::vector<std::string> names;
    for (const SelectItem& item : command.items) names.push_back(item.name);
    return names;
  }
  if (command.kind == Command::Kind::kShow || command.kind == Command::Kind::kSignal) {
    return std::vector<std::string>{command.parameter};
  }
  if (command.kind == Command::Kind::kNotify && command.select) return std::vector<std::string>{"pg_notify"};
  if (command.kind == Command::Kind::kMalformed) return command.error;
  if (command.kind == Command::Kind::kCatalog) return CatalogColumns();
  if (command.kind == Command::Kind::kFetch) {
    absl::StatusOr<Cursor*> cursor = CursorNamed(command.parameter);
    if (!cursor.ok()) return cursor.status();
    return (*cursor)->columns;
  }
  internal::StatementParams placeholders;
  placeholders.placeholders = true;
  if (command.kind == Command::Kind::kDeclare || command.kind == Command::Kind::kCopyTo) {
    absl::StatusOr<internal::Statement> st = ReadInside(command, text, &placeholders);
    if (!st.ok()) return st.status();
    return std::vector<std::string>{};  // DECLARE answers no rows; COPY's come as CopyData
  }
  if (command.kind != Command::Kind::kHindsight) return std::vector<std::string>{};
  absl::StatusOr<internal::Statement> st = internal::ParseStatement(text, &placeholders);
  if (!st.ok()) return WithSqlHint(st.status(), text);
  return internal::Session::ColumnsOf(*st);
}

}  // namespace hindsight::server
