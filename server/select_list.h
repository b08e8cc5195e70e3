// SELECT without FROM: what clients send to probe a connection or to learn
// who and where they are. A list of items, each a constant or a function
// of the session, cast (`::type`, any number of times) and named
// (`AS name`) as in PostgreSQL:
//
//   SELECT 1
//   SELECT 1 AS ok, now(), current_user, '42'::int8, NULL AS nothing
//   SELECT current_setting('server_version_num')::int4 AS version
//
// Constants: integers, decimals (an optional leading '-'), 'strings',
// TRUE, FALSE, NULL; and parameters, $1 ... (the extended protocol's). Functions, each also as pg_catalog.f: version(),
// current_database(), current_schema(), pg_backend_pid(),
// pg_is_in_recovery(), pg_advisory_unlock_all(), now(),
// transaction_timestamp(), statement_timestamp(), clock_timestamp(),
// current_setting(name [, missing_ok]); and the keywords current_user,
// session_user, user, current_role, current_catalog, current_schema,
// current_timestamp, current_date. Types: bool, int2, int4, int8, numeric,
// float8, text, varchar, name, date, timestamptz, json, jsonb, under their
// SQL names too (integer, bigint, boolean, double precision, ...).
//
// A name without AS is not read as one: `SELECT 1 x` has three terms, a
// pattern of the language. Each column is named and typed as PostgreSQL
// names and types it: "?column?" for a constant, the function's name, the
// type's for a cast constant (`'1'::int` is "int4"); an integer literal
// is an int4 when it fits.
#ifndef HINDSIGHT_SERVER_SELECT_LIST_H_
#define HINDSIGHT_SERVER_SELECT_LIST_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hindsight/time.h"

namespace hindsight::server {

struct SelectItem {
  enum class Source {
    kConstant,    // `constant`
    kVersion,     // version()
    kDatabase,    // current_database(), current_catalog
    kSchema,      // current_schema()
    kBackendPid,  // pg_backend_pid()
    kInRecovery,  // pg_is_in_recovery(): no Hindsight server is a standby
    kUnlockAll,   // pg_advisory_unlock_all(): Hindsight takes no advisory locks
    kNow,         // now(), current_timestamp, ...: when the statement started
    kToday,       // current_date
    kUser,        // current_user, session_user, user, current_role
    kSetting,     // current_setting(`constant`): what SHOW answers
    kParameter,   // $`parameter`
  };
  Source source = Source::kConstant;
  std::optional<std::string> constant;  // kConstant (nullopt: NULL), in its type's text; kSetting: the name
  bool missing_ok = false;              // kSetting: NULL for a parameter of none, rather than 42704
  size_t parameter = 0;                 // kParameter: N of $N
  uint32_t source_type = 0;             // the type before any cast (kParameter: text until TypeParameters)
  struct Cast {
    uint32_t type;
    size_t column;  // 1-based, of its '::'
  };
  std::vector<Cast> casts;  // applied in order
  bool negated = false;     // '-' before a number cast: negated after its casts (`-1::int2` is -(1::int2))
  size_t column = 0;        // 1-based, where the item starts (errors point there)
  std::string name;         // the column's

  uint32_t type() const { return casts.empty() ? source_type : casts.back().type; }
};

// The items of `statement`, a whole SELECT statement; nullopt when it is
// not a select list of the form above (a pattern of the language, say).
// The list is analysed as PostgreSQL analyses one, item by item and each
// from the inside out, and fails with the first error that finds, at the
// column of what is wrong (ErrorColumn): 42883 for a function it does not
// know, 0A000 for a cast to a type it does not know, 42846 for a cast
// PostgreSQL has not, 22P02 or 22007 for a 'string' that does not read as
// the type it is cast to, 42883 for '-' before a cast to a type that is no
// number. Pure.
std::optional<absl::StatusOr<std::vector<SelectItem>>> ParseSelectList(std::string_view statement);

// The largest N of the $N in `items` (0 for none).
size_t ParameterCount(const std::vector<SelectItem>& items);

// Types each parameter as PostgreSQL infers it: `*declared` holds the types
// the client declared (0: none), one a parameter, and is extended to
// ParameterCount(items); each undeclared one becomes the type of its first
// cast, else text. Each parameter item then takes its parameter's type, or
// text for one a select list has not (a declared uuid, say).
void TypeParameters(std::vector<SelectItem>* items, std::vector<uint32_t>* declared);

// What the items' values depend on besides themselves.
struct SelectContext {
  std::string version;   // version()'s
  std::string database;  // current_database()'s
  std::string user;
  int32_t pid = 0;
  Instant now = 0;
  // The value SHOW gives a setting (named in lower case), nullopt for one of none.
  std::function<std::optional<std::string>(const std::string&)> setting;
  // Element i is $(i+1) as the statement parser reads it (pg_types.h:
  // TextParamAsLiteral, BinaryParamAsText); nullopt is NULL.
  std::vector<std::optional<std::string>> parameters;
};

// The row of `items` (from ParseSelectList): each value in PostgreSQL's
// text form of its type (nullopt: NULL). Fails with InvalidArgument
// carrying a SQLSTATE (sql_error.h) as PostgreSQL's run does: first the
// constants' casts, which its planner folds (up to a cast to or from a
// time, which reads the session's time zone), then the rest, item by item:
// 22P02 or 22007 for a value a cast cannot read, 22003 for one out of the
// type's range, 0A000 for NaN or infinity to an integer, 42704 for
// current_setting of a parameter of none, 42846 for a parameter whose
// declared type a cast does not take, 42P02 at the column of a $N past
// `context.parameters`.
absl::StatusOr<std::vector<std::optional<std::string>>> EvaluateSelectList(const std::vector<SelectItem>& items,
                                                                           const SelectContext& context);

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_SELECT_LIST_H_
