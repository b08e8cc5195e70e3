// What a PostgreSQL client sends that is not the Hindsight language, and
// how the server reads it: transaction control in SQL's words, the SET and
// SHOW statements drivers send on their own, and query strings holding
// several statements.
//
//   BEGIN [WORK|TRANSACTION] [...], START TRANSACTION [...]   -> begin
//   COMMIT [WORK|TRANSACTION], END [...]                      -> commit
//   ROLLBACK [WORK|TRANSACTION], ABORT [...]                  -> rollback
//   SET [SESSION | LOCAL] statement_timeout {TO | =} value     -> the session's statement timeout
//   RESET statement_timeout, RESET ALL                        -> back to the server's
//   SET ..., RESET ... (anything else)                        -> accepted, no effect
//   SHOW name                                                 -> the parameter's value
//   SELECT pg_cancel_backend(PID), pg_terminate_backend(PID)  -> another session stopped
//   SAVEPOINT name, RELEASE [SAVEPOINT] name,
//   ROLLBACK [WORK|TRANSACTION] TO [SAVEPOINT] name           -> savepoints of the open transaction
//   DECLARE name ... CURSOR ... FOR statement, FETCH, MOVE, CLOSE -> cursors (server/cursor.h)
//   LISTEN channel, UNLISTEN channel | *                      -> notifications: of commits, or NOTIFY's
//   NOTIFY channel [, 'payload'], SELECT pg_notify(channel, payload)
//                                                             -> a notification to the channel's listeners
// `begin at T source S` stays the language's own begin. Anything else is a
// statement of the Hindsight language.
#ifndef HINDSIGHT_SERVER_SQL_COMPAT_H_
#define HINDSIGHT_SERVER_SQL_COMPAT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "server/cursor.h"
#include "server/select_list.h"

namespace hindsight::server {

struct Command {
  enum class Kind {
    kEmpty, kBegin, kCommit, kRollback, kSet, kReset, kShow, kCheckpoint, kCompact,
    kSavepoint,   // SAVEPOINT name
    kRelease,     // RELEASE [SAVEPOINT] name
    kRollbackTo,  // ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name
    kSelect,      // SELECT 1, version(), now() AS t, current_user, ... (select_list.h): a connection pool's health
                  // check, a driver's probe, a session asking who it is
    kSignal,      // SELECT pg_cancel_backend(PID) or pg_terminate_backend(PID): another session stopped
    kCatalog,     // what a driver asks of PostgreSQL's catalogs (parameter "hstore": the hstore type's oids)
    kDiscard,     // DISCARD ALL (a pool resetting a connection), PLANS, SEQUENCES, TEMP
    kDeallocate,  // DEALLOCATE [PREPARE] name | ALL: a driver dropping a prepared statement
    // DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE] [[NO] SCROLL] CURSOR
    //   [{WITH | WITHOUT} HOLD] FOR statement
    kDeclare,
    kFetch,      // FETCH [direction] [FROM | IN] name, direction as CursorStep lists it
    kMove,       // MOVE [direction] [FROM | IN] name
    kClose,      // CLOSE name | ALL
    kListen,     // LISTEN channel
    kUnlisten,   // UNLISTEN channel | *
    kNotify,     // NOTIFY channel [, 'payload'], SELECT [pg_catalog.]pg_notify(channel, payload)
    kCopyFrom,   // COPY operations FROM STDIN: an operations file, loaded as `hindsight import` does
    kCopyLog,    // COPY operations TO STDOUT: the log as an operations file, as `hindsight log --ops` prints it
    kCopyTo,     // COPY (statement) TO STDOUT [[WITH] CSV [HEADER] | [WITH] (FORMAT csv|text, HEADER [bool])]
    kMalformed,  // DECLARE, FETCH, MOVE, CLOSE or COPY that does not read, a SELECT from PostgreSQL's
                 // catalogs: see `error`
    kHindsight
  };
  Kind kind = Kind::kHindsight;
  std::string parameter;  // kShow, kSet, kReset: the name, lower case ("all" for RESET ALL); kSignal: the function,
                          // "pg_cancel_backend" or "pg_terminate_backend"; kDiscard: what, lower case; kDeallocate: the
                          // statement ("" for ALL); kDeclare, kFetch, kMove, kClose: the cursor ("" for CLOSE ALL);
                          // kSavepoint, kRelease, kRollbackTo: the savepoint;
                          // kListen, kUnlisten, kNotify: the channel ("*" for UNLISTEN *)
  std::string argument;   // kShow, kCheckpoint: the rest, as written ('...' unquoted): a count, a
                          // name prefix, a directory; kCompact: the rest (none is right);
                          // kSignal: the pid, digits; kSet: the value, unquoted;
                          // kNotify: the payload, unquoted ("" for none)
  std::vector<SelectItem> items;  // kSelect: its columns
  bool local = false;     // kSet: SET LOCAL, for the rest of the transaction block
  bool select = false;    // kNotify: SELECT pg_notify(...), which answers a row
  // kNotify from SELECT pg_notify($1, $2): the parameters that give the
  // channel and the payload (0: written in the statement).
  size_t channel_param = 0;
  size_t payload_param = 0;
  bool to_default = false;  // kSet: the value is the keyword DEFAULT (as RESET), not the string 'default'
  // kSelect from pg_catalog.pg_cursors WHERE name = '...' (what psycopg
  // sends before closing a cursor it did not declare): the row only if
  // this cursor exists.
  std::optional<std::string> if_cursor;
  // kDeclare, kCopyTo: where the statement it holds starts and ends.
  size_t body_offset = 0;
  size_t body_end = 0;
  bool csv = false;     // kCopyTo: CSV, not PostgreSQL's text format
  bool header = false;  // kCopyTo: a first line of column names
  // kDeclare: its options.
  bool binary = false;
  bool scroll = true;
  bool hold = false;
  CursorStep step;      // kFetch, kMove
  absl::Status error;   // kMalformed: InvalidArgument at a column of the statement (ErrorColumn)
};

// The statement DECLARE ... FOR or COPY (...) holds, at its place: every
// byte before it a space, so that positions in it are positions in
// `statement`.
std::string InnerStatement(std::string_view statement, const Command& command);

// `statement` is one statement without its ';'.
Command Classify(std::string_view statement);

// The statements of a query string, each with its byte offset in `query`;
// blank statements (only spaces and comments) are left out.
struct Piece {
  size_t offset;
  std::string_view text;
};
std::vector<Piece> SplitStatements(std::string_view query);


}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_SQL_COMPAT_H_
