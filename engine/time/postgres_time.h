// PostgreSQL's ways of writing a time, read as the language's time literals
// (docs/query-language.md): what a PostgreSQL client sends for a value it
// knows to be a time, a parameter declared timestamptz, timestamp or date,
// or a 'string'::timestamptz its driver quoted into the statement.
#ifndef HINDSIGHT_TIME_POSTGRES_TIME_H_
#define HINDSIGHT_TIME_POSTGRES_TIME_H_

#include <string>
#include <string_view>

namespace hindsight::internal {

// `text` in PostgreSQL's ISO forms, as a time literal:
//   2025-01-02 10:30:00+02        -> 2025-01-02T10:30:00+02:00
//   2025-01-02 10:30:00.5+0530    -> 2025-01-02T10:30:00.5+05:30
//   2025-01-02 10:30:00 (no zone) -> 2025-01-02T10:30:00 (UTC, the server's zone)
//   infinity, -infinity           -> +inf, -inf
// A space or T between date and time; a zone Z, ±HH, ±HHMM, ±HH:MM or
// ±HH:MM:00 (an offset of whole minutes written with its seconds).
// Text in any other form (a literal already, or not a time at all) comes
// back unchanged, for the literal parser to accept or to reject with its
// own error. Pure.
std::string PostgresTimeAsLiteral(std::string_view text);

// Whether `type` (lower case, as after '::') is a PostgreSQL time type
// whose text PostgresTimeAsLiteral reads: timestamptz, timestamp, date.
bool IsPostgresTimeType(std::string_view type);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_TIME_POSTGRES_TIME_H_
