// What a PostgreSQL client sends that is not the Hindsight language, and
// how the server reads it: transaction control in SQL's words, the SET and
// SHOW statements drivers send on their own, and query strings holding
// several statements.
//
//   BEGIN [WORK|TRANSACTION] [...], START TRANSACTION [...]   -> begin
//   COMMIT [WORK|TRANSACTION], END [...]                      -> commit
//   ROLLBACK [WORK|TRANSACTION], ABORT [...]                  -> rollback
//   SET ..., RESET ...                                        -> accepted, no effect
//   SHOW name                                                 -> the parameter's value
//   SAVEPOINT, RELEASE, ROLLBACK TO                           -> refused: no savepoints
// `begin at T source S` stays the language's own begin. Anything else is a
// statement of the Hindsight language.
#ifndef HINDSIGHT_SERVER_SQL_COMPAT_H_
#define HINDSIGHT_SERVER_SQL_COMPAT_H_

#include <string>
#include <string_view>
#include <vector>

namespace hindsight::server {

struct Command {
  enum class Kind {
    kEmpty, kBegin, kCommit, kRollback, kSet, kReset, kShow, kSavepoint, kCheckpoint,
    kSelect,      // SELECT 1 or SELECT version(): a connection pool's health check
    kDiscard,     // DISCARD ALL (a pool resetting a connection), PLANS, SEQUENCES, TEMP
    kDeallocate,  // DEALLOCATE [PREPARE] name | ALL: a driver dropping a prepared statement
    kHindsight
  };
  Kind kind = Kind::kHindsight;
  std::string parameter;  // kShow: the name, lower case; kSelect: the column, "?column?" or "version";
                          // kDiscard: what, lower case; kDeallocate: the statement ("" for ALL)
  std::string argument;   // kShow, kCheckpoint: the rest, as written ('...' unquoted): a count, a
                          // name prefix, a directory; kSelect (1): the number
};

// `statement` is one statement without its ';'.
Command Classify(std::string_view statement);

// The statements of a query string, each with its byte offset in `query`;
// blank statements (only spaces and comments) are left out.
struct Piece {
  size_t offset;
  std::string_view text;
};
std::vector<Piece> SplitStatements(std::string_view query);

// Whether `text` holds nothing but white space and `--` comments.
bool IsBlankStatement(std::string_view text);

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_SQL_COMPAT_H_
