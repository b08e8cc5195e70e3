// One client's session after start-up: reads the messages of the simple and
// extended query protocols and of COPY, runs their statements through a
// query Session, and writes the answers as protocol messages. No network
// I/O: the connection (connection.h) reads the messages and writes what this
// appends, so the whole protocol can be tested without sockets. (COPY FROM
// STDIN holds its data in a temporary file until it ends.)
//
// Transactions follow PostgreSQL: after an error inside a transaction block
// the session is failed (status 'E') and every statement but ROLLBACK (or
// COMMIT, which then rolls back) gets 25P02; nothing of the transaction is
// applied. Outside a block each statement commits on its own (also each
// statement of a query string holding several).
#ifndef HINDSIGHT_SERVER_PROTOCOL_HANDLER_H_
#define HINDSIGHT_SERVER_PROTOCOL_HANDLER_H_

#include <atomic>
#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/functional/function_ref.h"
#include "hindsight/db.h"
#include "query/session.h"
#include "query/statement.h"
#include "server/cursor.h"
#include "server/encoded_rows.h"
#include "server/notification_queue.h"
#include "server/pg_protocol.h"
#include "server/pg_types.h"
#include "server/scoped_setting.h"
#include "server/session_activity.h"
#include "server/statement_timeout.h"
#include "server/sql_compat.h"

namespace hindsight::server {

// Values SHOW reports, and ParameterStatus sends at start-up, the same for
// every session.
const std::vector<std::pair<std::string, std::string>>& ServerParameters();
// ServerParameters and those of a session of a user who may write or not
// (default_transaction_read_only): what its start-up reports.
std::vector<std::pair<std::string, std::string>> SessionParameters(bool read_only);

class ProtocolHandler {
 public:
  // What SHOW hindsight_status answers (ServerOptions::status).
  using StatusSource = std::function<std::vector<std::pair<std::string, std::string>>()>;

  // `db`, `cancel` and `status` outlive the handler; while `*cancel` is
  // true, reads stop with 57014 (the handler clears it when a statement
  // starts). An empty `status` reports the last transaction id. `db_dir`,
  // the database's directory, gives SHOW hindsight_stats its bytes on disk
  // (left out when empty).
  ProtocolHandler(Database* db, std::string user, bool read_only, std::atomic<bool>* cancel,
                  const StatusSource* status = nullptr, std::string db_dir = "");

  enum class Step {
    kDone,   // the answer is in `out`
    kMore,   // part of it is: write `out`, then call Continue
    kClose,  // Terminate, or an error after which the connection closes
  };
  // Handles one message (any but the start-up ones). Output beyond about
  // kChunkBytes is held back for Continue, so a big answer never sits in
  // memory twice.
  Step Handle(const FrontendMessage& m, std::string* out);
  Step Continue(std::string* out);

  // Writes `*out` to the client and clears it; false once the client is
  // gone.
  using Flush = std::function<bool(std::string* out)>;
  // Lets a read (and COPY TO, and FETCH) send its rows as it finds them, a
  // chunk of about kChunkBytes at a time through `flush`, from inside
  // Handle: a big answer then costs the server a chunk of memory, not its
  // size, and reaches the client sooner. An error after the first chunk
  // follows the rows sent (as PostgreSQL's does); a client gone stops the
  // statement as a cancel does and Handle returns kClose. Without a flush
  // (or for an Execute with a row limit), the answer is encoded whole and
  // sent through Continue.
  void set_flush(Flush flush) { flush_ = std::move(flush); }
  // What the session may hold in memory from one statement to the next:
  // its open transaction's operations (Session::pending_bytes) and its
  // prepared statements. A write that takes it past `bytes` fails with
  // 54000, and the transaction with it; so does a Parse, whose statement is
  // then not kept. Default: no limit.
  void set_max_session_bytes(size_t bytes) { max_session_bytes_ = bytes; }
  // The session's activity, which the handler keeps up to date (a
  // statement begun, the session waiting again), and the server's
  // sessions, which SHOW hindsight_sessions lists and pg_cancel_backend
  // and pg_terminate_backend signal. Both outlive the handler. Without
  // them SHOW hindsight_sessions answers no rows.
  void set_sessions(SessionActivity* activity, SessionDirectory* directory) {
    activity_ = activity;
    sessions_ = directory;
  }
  // statement_timeout (server/statement_timeout.h) as the session starts
  // (the server's, or the client's start-up option), which RESET goes back
  // to. `timer`, which outlives the handler, is armed with the session's
  // for each statement and tells a cancel of its own from a client's.
  // Without a timer the setting is kept and shown, and statements run
  // untimed. Default: 0, no timeout.
  void set_statement_timeout(StatementTimeout* timer, absl::Duration start) {
    timer_ = timer;
    statement_timeout_ = ScopedSetting<absl::Duration>(start);
  }
  // application_name as the client started the session ("" if it sent
  // none), which RESET goes back to. When SET changes it, the client gets a
  // ParameterStatus and SHOW hindsight_sessions shows it. Default: "".
  void set_application_name(std::string start) {
    application_name_ = ScopedSetting<std::string>(start);
    application_name_reported_ = std::move(start);
  }
  // The database the client named at start-up: what current_database()
  // answers. Default: "".
  void set_database(std::string name) { database_ = std::move(name); }
  // Each simple query and Execute that takes at least `at_least` (sending
  // its rows included) is handed to `log` as it ends, with its text (the
  // query string, the prepared statement's) and whether a statement of it
  // failed (PostgreSQL's log_min_duration_statement). Default: none.
  using SlowStatementLog = std::function<void(absl::Duration took, std::string_view text, bool failed)>;
  void set_slow_statement_log(absl::Duration at_least, SlowStatementLog log) {
    slow_at_least_ = at_least;
    slow_log_ = std::move(log);
  }

  // 'I' idle, 'T' in a transaction block, 'E' in a failed one.
  char status() const;

  // After LISTEN hindsight_commits, a notification on that channel for each
  // transaction committed since (by any session, COPY, or a cluster's other
  // nodes), in order, its payload JSON: {"tx": N, "time": "...", "source":
  // "...", "operations": K}. As PostgreSQL's, notifications reach the
  // client only outside a transaction block: before ReadyForQuery, and
  // while the session waits for its next message (the connection calls
  // AppendNotifications when a transaction lands).
  static constexpr char kCommitsChannel[] = "hindsight_commits";
  // After LISTEN of any other channel, the notifications NOTIFY sends to
  // it through `queue` (which outlives the handler) from this server's
  // sessions, this one's included, as `pid` (the session's BackendKeyData
  // process id, the sender they name). Without a queue, LISTEN of another
  // channel and NOTIFY are refused (0A000).
  void set_notifications(NotificationQueue* queue, int32_t pid) {
    notifications_ = queue;
    pid_ = pid;
  }
  bool listening() const { return commits_told_.has_value() || !channels_.empty(); }
  // Appends the notifications due, up to kNotificationsAtOnce of each
  // kind (none in a transaction block): of commits, then NOTIFY's. Returns
  // whether more are due. Costs a read of each transaction's info.
  bool AppendNotifications(std::string* out);
  static constexpr size_t kNotificationsAtOnce = 256;
  // Drops an open transaction (and the notifications it would send), and
  // stops listening, as when the client leaves.
  void Abandon();

  static constexpr size_t kChunkBytes = 256 << 10;
  // What an answer kept for later holds in memory (EncodedRows).
  static constexpr size_t kMemoryBytes = 8 << 20;

 private:
  struct Prepared {
    std::string text;
    std::vector<uint32_t> param_types;
    Command command;
    std::vector<std::string> columns;  // what Execute will answer
    std::vector<uint32_t> types;       // of the columns (TypesOf)
    size_t parameters = 0;             // the $N it uses: the largest N
    // The columns described in text and in binary, for Bind.
    std::shared_ptr<const DescribedColumns> text_columns, binary_columns;
    // The language's statement without parameters, parsed once for every
    // Execute; with parameters or a `now`, its tokens, parsed with each
    // Execute's values and clock. Neither for one that does not parse: it
    // fails when it runs, as it would unprepared.
    std::optional<internal::Statement> parsed;
    std::optional<internal::LexedStatement> lexed;

    // Sets parsed or lexed from text (a statement of the language).
    void ReadStatement();

    // The columns described in `formats` (Bind's result formats).
    absl::StatusOr<std::shared_ptr<const DescribedColumns>> ColumnsIn(const std::vector<int16_t>& formats) const;
  };
  struct Portal {
    std::shared_ptr<const Prepared> prepared;
    internal::StatementParams params;
    bool executed = false;
    EncodedRows rows;
    std::shared_ptr<const DescribedColumns> columns;  // null in a simple query's
    size_t next_row = 0;
    std::string tag;
    std::shared_ptr<Cursor> cursor;  // a cursor DECLARE made, which FETCH reads (not Execute)
    bool copy_out = false;           // the rows are CopyData of COPY ... TO STDOUT: CopyDone ends them
    size_t bytes = 0;                // counted in portal_bytes_ (PortalBytes)
  };
  struct Answer {
    std::vector<std::string> columns;  // empty: no rows
    std::vector<uint32_t> types;       // of the columns (TypesOf)
    std::vector<int16_t> formats;      // of the rows, in a simple query: a BINARY cursor's are binary
    EncodedRows rows;
    std::string tag;     // "SELECT 3", "BEGIN", ...
    std::string notice;  // a NOTICE before the tag, if any
    bool copy_in = false;   // COPY ... FROM STDIN: the client sends the data now
    bool copy_out = false;  // COPY ... TO STDOUT: `rows` are CopyData messages
    bool streamed = false;  // the header and rows are out already (set_flush): only the tag is left
  };
  // Where a statement's rows go while it runs, once they fill a chunk.
  struct RowStream {
    std::string* out;
    bool describe;           // a simple query: RowDescription goes before the rows
    bool started = false;    // the header and some rows are in `out`
    size_t rows_sent = 0;    // rows moved to `out`
    bool client_gone = false;
  };
  // COPY operations FROM STDIN under way: the data, spooled to an unnamed
  // temporary file until CopyDone, then imported.
  struct CopyIn {
    std::fstream spool;
    bool simple;  // started by a simple query (else by Execute); emplace() zeroes it
  };

  Step Dispatch(const FrontendMessage& m, std::string* out);
  Step SimpleQuery(const std::string& query, std::string* out);
  Step RunPiece(std::string* out);
  void ParseMessage(const Parse& p, std::string* out);
  void BindMessage(const Bind& b, std::string* out);
  void DescribeMessage(const Describe& d, std::string* out);
  Step ExecuteMessage(const Execute& e, std::string* out);
  Step FinishSimpleRows(std::string* out);
  Step SendPortalRows(const std::string& name, size_t end, std::string* out);
  void CloseMessage(const Close& c, std::string* out);
  // A message while COPY FROM STDIN is under way.
  Step CopyMessage(const FrontendMessage& m, std::string* out);
  // CopyDone: imports the spooled file (COPY stays under way).
  absl::StatusOr<Answer> FinishCopyIn();
  // Ends COPY FROM STDIN after an error: the rest of the simple query is
  // dropped, or the extended protocol skips to Sync.
  void FailCopyIn(const absl::Status& error, std::string* out);

  // Runs one statement, with the transaction rules above; its rows are
  // encoded in the formats of `columns` (nullptr: all text). `prepared`, if
  // given, is the prepared statement whose `text` it is, which may hold it
  // parsed or lexed already. When it ends a transaction, so do the cursors
  // it declared.
  absl::StatusOr<Answer> Run(const Command& command, std::string_view text, const internal::StatementParams* params,
                             const std::vector<ColumnDescription>* columns, const Prepared* prepared = nullptr);
  absl::StatusOr<Answer> RunCommand(const Command& command, std::string_view text,
                                    const internal::StatementParams* params,
                                    const std::vector<ColumnDescription>* columns, const Prepared* prepared);
  absl::StatusOr<Answer> RunHindsight(std::string_view text, const internal::StatementParams* params,
                                      const std::vector<ColumnDescription>* columns, const Prepared* prepared);
  absl::StatusOr<Answer> RunParsed(const internal::Statement& st, const std::vector<ColumnDescription>* columns);
  absl::StatusOr<std::vector<std::string>> ColumnsOf(const Command& command, std::string_view text) const;
  // The types of a command's columns, one a column; empty when its columns'
  // names give them (ColumnType).
  static std::vector<uint32_t> TypesOf(const Command& command);
  // A statement's columns (Session::ColumnsOf) described in text, once per
  // list.
  const std::vector<ColumnDescription>& TextColumns(const std::vector<std::string>& names);
  // BEGIN, and COMMIT or ROLLBACK (`commit_asked`: COMMIT, which rolls a
  // failed transaction back).
  absl::StatusOr<Answer> Begin();
  absl::StatusOr<Answer> EndBlock(bool commit_asked);
  // SAVEPOINT, RELEASE and ROLLBACK TO (which takes a failed block back to
  // the savepoint, its settings and cursors too), in a transaction block
  // only.
  absl::StatusOr<Answer> RunSavepoint(const Command& command);
  // LISTEN and UNLISTEN: at once outside a transaction block, else when
  // it commits (none if it rolls back), as PostgreSQL's.
  absl::StatusOr<Answer> Listen(const Command& command);
  void ApplyListen(bool listen, const std::string& channel);
  // NOTIFY, or SELECT pg_notify (which answers a row, in `columns`'
  // formats): sent at once outside a transaction block, else kept until
  // the block commits (an identical one of the same block sent once, as
  // PostgreSQL does) and dropped if it rolls back.
  absl::StatusOr<Answer> Notify(const Command& command, const internal::StatementParams* params,
                                const std::vector<ColumnDescription>* columns);
  // The notification `command` sends, its parameters from `params`; 22023
  // for a channel or payload PostgreSQL would refuse.
  absl::StatusOr<Notification> NotificationOf(const Command& command, const internal::StatementParams* params) const;
  // Keeps a NOTIFY of the open block until it ends, unless an identical
  // one is kept already; 54000 past the session's memory.
  absl::Status KeepUntilCommit(Notification n);
  // Forgets what the open block kept to NOTIFY, LISTEN and UNLISTEN after
  // its first `notifications` and `listens` (ROLLBACK TO a savepoint).
  void DropBlockNotificationsAfter(size_t notifications, size_t listens);
  // Holds room in the queue for what the open block kept to NOTIFY, as it
  // is about to commit: 54000 when there is none (PostgreSQL fails such a
  // COMMIT).
  absl::Status ReserveBlockNotifications();
  // What comes before the open block commits: ReserveBlockNotifications,
  // the block rolled back, nothing of it written, when that fails.
  absl::Status BeforeCommit();
  // Applies or drops the LISTENs and UNLISTENs of the block that ended,
  // then sends or drops what it kept to NOTIFY.
  void EndBlockNotifications(bool committed);
  // What a channel listened to, or a LISTEN kept in a block, counts
  // against the session's memory.
  static size_t ListenBytes(const std::string& channel) { return channel.size() + 64; }
  // UNLISTEN of every channel but kCommitsChannel.
  void UnlistenChannels();
  // AppendNotifications' two kinds: of commits, and NOTIFY's on the
  // channels listened to. Each returns whether more are due.
  bool AppendCommitNotifications(std::string* out);
  bool AppendChannelNotifications(std::string* out);
  // SHOW, its rows encoded in the formats of `columns` (nullptr: text).
  absl::StatusOr<Answer> Shown(const Command& command, const std::vector<ColumnDescription>* columns) const;
  // Every setting SHOW name reports, name and value, in the session as it
  // is now: the server's and the session's parameters and those only SHOW
  // gives.
  std::vector<std::pair<std::string, std::string>> Settings() const;
  // SHOW hindsight_sessions: every session of the server, a row each.
  internal::Result SessionsTable() const;
  // SELECT pg_cancel_backend(PID) or pg_terminate_backend(PID).
  absl::StatusOr<Answer> SignalSession(const Command& command, const std::vector<ColumnDescription>* columns);
  // Whether this session's user may see another session's statement and
  // signal it: its own user's, or any if it may write.
  bool MaySee(const SessionView& other) const { return !read_only_ || other.user == user_; }
  // A simple query or an Execute of `text` starts: the activity and the
  // slow statement log note it.
  void MessageBegins(std::string_view text);
  // The activity's state once a message is answered; the slow statement
  // log's line, if due.
  void NoteWaiting();
  // SET and RESET: statement_timeout and application_name are kept
  // (ScopedSetting); anything else is accepted and has no effect.
  absl::StatusOr<Answer> Set(const Command& command);
  // SET (`value`) or RESET (nullopt) of `setting`, LOCAL as `command` says.
  template <typename T>
  Answer Apply(const Command& command, std::optional<T> value, ScopedSetting<T>* setting);
  // What a transaction block that ended does to the settings.
  void EndBlockSettings(bool committed);
  // ReadyForQuery, after a ParameterStatus if application_name changed.
  void AppendReady(std::string* out);
  // CHECKPOINT 'DIR': a copy of the database written while it serves.
  absl::StatusOr<Answer> Checkpoint(const Command& command);
  // COMPACT: the database's files rewritten while it serves, so that erased
  // data leaves the disk (Database::Compact).
  absl::StatusOr<Answer> Compact(const Command& command);
  // The answer's columns of a catalog probe (Command::Kind::kCatalog).
  static std::vector<std::string> CatalogColumns();
  // A select list (select_list.h): its row, $N from `params` (nullptr: none),
  // encoded in the formats of `columns` (nullptr: text).
  absl::StatusOr<Answer> Selected(const Command& command, const internal::StatementParams* params,
                                  const std::vector<ColumnDescription>* columns) const;
  // DISCARD and DEALLOCATE: checks them and notes which prepared statements
  // (and, for DISCARD ALL, portals) go once the message is answered, since
  // an Execute may be running the very statement it deallocates.
  absl::StatusOr<Answer> Forget(const Command& command);
  // Drops what Forget and EndPortals noted.
  void ForgetNoted();

  // Cursors (server/cursor.h). DECLARE runs its statement and keeps the
  // rows; FETCH and MOVE walk them; CLOSE drops one or all.
  absl::StatusOr<Answer> Declare(const Command& command, std::string_view text,
                                 const internal::StatementParams* params);
  absl::StatusOr<Answer> Fetch(const Command& command, const std::vector<ColumnDescription>* columns);
  absl::StatusOr<Answer> CloseCursors(const Command& command);
  // The statement DECLARE ... FOR or COPY (...) holds, parsed at its place
  // in `text`; 42P11 unless it answers rows.
  static absl::StatusOr<internal::Statement> ReadInside(const Command& command, std::string_view text,
                                                        const internal::StatementParams* params);
  // 25006: a write by a read-only user.
  absl::Status WriteRefused() const;
  // 54000 if the session would hold more than max_session_bytes_ with
  // `more` bytes added.
  absl::Status CheckSessionMemory(size_t more = 0) const;
  // What a prepared statement takes in memory, roughly: its struct, its
  // text and its parsed form (about as large again), its descriptions.
  static size_t PreparedBytes(const Prepared& p);
  // prepared_'s changes, which keep prepared_bytes_.
  void KeepPrepared(const std::string& name, std::shared_ptr<const Prepared> prepared);
  void ForgetPrepared(const std::string& name);
  // What a portal takes in memory, roughly: its struct, its parameters, its
  // descriptions and the rows it keeps in memory (a cursor's, or an
  // Execute's with a row limit).
  static size_t PortalBytes(const Portal& p);
  // portals_'s changes, which keep portal_bytes_. KeepPortal replaces the
  // portal of that name, whose bytes leave as the new one's come; it fails
  // (54000) and keeps nothing if the session would then hold more than
  // max_session_bytes_.
  absl::Status KeepPortal(const std::string& name, Portal portal);
  // Counts `p`'s bytes again, once it keeps rows; fails (54000) and counts
  // them not if the session would then hold too much.
  absl::Status RecountPortal(Portal* p);
  void ErasePortal(const std::string& name);
  void ErasePortals(absl::FunctionRef<bool(const Portal&)> drop);
  // COPY operations FROM STDIN: checks it and opens the spool.
  absl::StatusOr<Answer> StartCopyIn();
  // COPY (statement) TO STDOUT: the statement's rows as CopyData.
  // COPY operations TO STDOUT: the log, a line of the operations file a
  // CopyData, as it is found.
  absl::StatusOr<Answer> CopyLogOut();
  absl::StatusOr<Answer> CopyOut(const Command& command, std::string_view text,
                                 const internal::StatementParams* params);
  // The cursor named `name`, or 34000.
  absl::StatusOr<Cursor*> CursorNamed(const std::string& name) const;
  // At the end of a transaction, drops its portals as PostgreSQL does:
  // every one but the cursors WITH HOLD that outlive it (those declared
  // before it, and those it declared if it committed). The portal an
  // Execute is running (running_portal_) goes once the message is answered
  // (ForgetNoted).
  void EndPortals(bool committed);

  // After each row of a read: once `rows` fill a chunk and a stream is
  // open, moves them to it (after the header: RowDescription of `columns`
  // in a simple query, CopyOutResponse for COPY) and flushes it; a client
  // gone stops the statement as a cancel does: false then. With no stream
  // (an Execute with a row limit), rows past kMemoryBytes go to a
  // temporary file instead.
  bool StreamRows(const std::vector<ColumnDescription>& columns, bool copy, EncodedRows* rows);
  // At a statement's end: how many rows it answered. If it streamed, those
  // still in `rows` join the stream and `*streamed` is set.
  size_t EndStream(EncodedRows* rows, bool* streamed);
  // Runs Run with a stream open on `out` (see set_flush).
  absl::StatusOr<Answer> RunStreaming(const Command& command, std::string_view text,
                                      const internal::StatementParams* params,
                                      const std::vector<ColumnDescription>* columns, const Prepared* prepared,
                                      bool describe, std::string* out, bool* client_gone);

  // Appends the rows of `portal` from next_row up to `end`; false when the
  // chunk filled first. Fails (58030) if its temporary file cannot be read.
  static absl::StatusOr<bool> AppendRows(Portal* portal, size_t end, std::string* out);
  // Appends the rows of `r` to `rows`, each cell in the format of its
  // column.
  static void EncodeCells(const internal::Result& r, const std::vector<ColumnDescription>& columns,
                          EncodedRows* rows);
  static void EncodeRow(const std::vector<internal::Cell>& row, const std::vector<ColumnDescription>& columns,
                        EncodedRows* rows);
  void AppendError(const absl::Status& status, std::string_view query, size_t offset, std::string* out);
  // An error of the extended protocol: appends it, skips messages until
  // Sync, and fails an open transaction block (as any error in one does,
  // a Parse's or Bind's too).
  void FailExtended(const absl::Status& status, std::string_view query, size_t offset, std::string* out);
  // Ends an implicit block (implicit_block_), if one is open, as COMMIT
  // would: committed, or rolled back after an error. Returns the commit's
  // notice ("" when none).
  absl::StatusOr<std::string> CloseImplicitBlock();
  // CloseImplicitBlock, appending its notice, or its error; false on an
  // error.
  bool EndImplicitBlock(std::string* out);
  // The end of a simple query: ends its implicit block, then ReadyForQuery.
  Step EndSimpleQuery(std::string* out);

  // The (column, value) pairs of SHOW hindsight_status.
  std::vector<std::pair<std::string, std::string>> StatusRow() const;
  // What SHOW answers: the server's parameters, hindsight_status,
  // hindsight_transactions [N], hindsight_stats, hindsight_predicates and
  // hindsight_names [PREFIX].
  absl::StatusOr<internal::Result> Show(const Command& command) const;

  Database* db_;
  const StatusSource* status_;
  std::string db_dir_;
  std::string user_;
  std::string database_;
  bool read_only_;
  std::atomic<bool>* cancel_;
  SessionActivity* activity_ = nullptr;
  SessionDirectory* sessions_ = nullptr;
  StatementTimeout* timer_ = nullptr;
  absl::Duration slow_at_least_;
  SlowStatementLog slow_log_;
  std::optional<std::pair<absl::Time, std::string>> slow_message_;  // its start and text, while it runs
  bool message_failed_ = false;  // a statement of the message running (or last run) failed
  ScopedSetting<absl::Duration> statement_timeout_;
  ScopedSetting<std::string> application_name_;
  std::string application_name_reported_;  // to the client and the session's activity
  internal::Session session_;
  // What a savepoint keeps beside the session's: the settings, and the
  // cursors declared before it (later ones close when it is rolled back
  // to, as PostgreSQL's do). One for each of the session's savepoints, in
  // the same order; gone with the transaction.
  struct SavepointState {
    ScopedSetting<absl::Duration>::Saved statement_timeout;
    ScopedSetting<std::string>::Saved application_name;
    uint64_t cursors_declared = 0;
    size_t notifications = 0;  // of the block's, kept before it
    size_t listens = 0;        // of the block's LISTENs and UNLISTENs, before it
  };
  std::vector<SavepointState> savepoints_;
  uint64_t cursors_declared_ = 0;  // DECLAREs so far (Cursor::serial)
  bool failed_ = false;          // an error inside a transaction block
  std::optional<uint64_t> commits_told_;  // while listening: the last transaction notified
  NotificationQueue* notifications_ = nullptr;
  int32_t pid_ = 0;
  std::set<std::string> channels_;         // LISTENed, besides kCommitsChannel
  std::vector<Notification> to_notify_;    // NOTIFY's of the open block, to send when it commits
  absl::flat_hash_set<std::string> to_notify_keys_;  // their channels and payloads, apart by a NUL
  std::vector<std::pair<bool, std::string>> to_listen_;  // the open block's LISTEN (true) and UNLISTEN channels
  size_t block_notify_bytes_ = 0;          // what to_notify_ and to_listen_ hold (CheckSessionMemory)
  bool notify_reserved_ = false;           // the queue holds room for to_notify_ (ReserveBlockNotifications)
  size_t channels_bytes_ = 0;              // what channels_ holds (ListenBytes each)
  bool skip_until_sync_ = false; // an error in the extended protocol
  // A write outside a block opened this session's transaction, which the
  // next Sync, or the end of the query string, ends: PostgreSQL's implicit
  // transaction (a pipeline's, a batch's or a multi-statement query's
  // writes commit together, or not at all).
  bool implicit_block_ = false;
  // Within an Execute message, or a query string of several statements:
  // a write outside a block opens an implicit one.
  bool writes_join_implicit_block_ = false;
  // Node-based: a Portal& stays valid while a statement it runs adds
  // another (DECLARE).
  absl::node_hash_map<std::string, std::shared_ptr<const Prepared>> prepared_;
  absl::node_hash_map<std::string, Portal> portals_;
  // TextColumns' descriptions, by the session's list they describe.
  absl::node_hash_map<const std::vector<std::string>*, std::vector<ColumnDescription>> text_columns_;
  std::function<Step(std::string*)> resume_;  // set while a Step::kMore is pending
  std::vector<std::string> to_deallocate_;     // noted by Forget
  bool to_discard_all_ = false;                 // noted by Forget: every statement and portal
  const std::string* running_portal_ = nullptr;  // the portal's name while an Execute runs it
  std::optional<std::string> portal_to_drop_;    // noted by EndPortals: the running portal
  std::optional<CopyIn> copy_in_;
  Flush flush_;
  size_t max_session_bytes_ = SIZE_MAX;
  size_t prepared_bytes_ = 0;  // of prepared_, roughly (PreparedBytes)
  size_t portal_bytes_ = 0;    // of portals_, roughly (PortalBytes)
  RowStream* stream_ = nullptr;  // open while RunStreaming runs a statement

  // The simple query being answered.
  std::string query_;
  std::vector<Piece> pieces_;
  size_t piece_ = 0;
  Portal simple_portal_;
};

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_PROTOCOL_HANDLER_H_
