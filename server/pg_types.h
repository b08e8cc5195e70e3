// How Hindsight's results look to a PostgreSQL client: each column's type
// (names text, values json, times timestamptz, numbers int8) and each cell
// in text or binary format.
//
// Every finite Hindsight instant (years 0001..9999) is a valid timestamptz;
// -inf and +inf are sent as '-infinity' and 'infinity'. Times print in
// PostgreSQL's ISO style for the time zone UTC: '2022-06-30 00:00:00+00',
// with as many fraction digits as needed ('10:30:00.5+00').
#ifndef HINDSIGHT_SERVER_PG_TYPES_H_
#define HINDSIGHT_SERVER_PG_TYPES_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hindsight/time.h"
#include "query/session.h"
#include "server/pg_protocol.h"

namespace hindsight::server {

inline constexpr uint32_t kBoolOid = 16;
inline constexpr uint32_t kNameOid = 19;
inline constexpr uint32_t kInt8Oid = 20;
inline constexpr uint32_t kInt2Oid = 21;
inline constexpr uint32_t kInt4Oid = 23;
inline constexpr uint32_t kTextOid = 25;
inline constexpr uint32_t kJsonOid = 114;
inline constexpr uint32_t kFloat8Oid = 701;
inline constexpr uint32_t kVarcharOid = 1043;
inline constexpr uint32_t kDateOid = 1082;
inline constexpr uint32_t kTimestampOid = 1114;
inline constexpr uint32_t kTimestamptzOid = 1184;
inline constexpr uint32_t kNumericOid = 1700;
inline constexpr uint32_t kVoidOid = 2278;

// The type of a result column, by its name (the names a Session gives).
uint32_t ColumnType(const std::string& column);

// RowDescription fields for `columns`, typed by `types` (one a column) or,
// when it is empty, by their names (ColumnType). `formats` as Bind gives
// them: empty means all text, one applies to all, otherwise one a column.
// InvalidArgument for a format that is neither 0 nor 1, or a count that
// matches neither.
absl::StatusOr<std::vector<ColumnDescription>> DescribeColumns(const std::vector<std::string>& columns,
                                                               const std::vector<int16_t>& formats,
                                                               const std::vector<uint32_t>& types = {});

// A result's columns as described to the client, with the RowDescription
// message that describes them, encoded once: every portal of a prepared
// statement shares its statement's.
struct DescribedColumns {
  std::vector<ColumnDescription> columns;
  std::string row_description;  // the whole message
};

// DescribeColumns, and the RowDescription of what it gives.
absl::StatusOr<std::shared_ptr<const DescribedColumns>> DescribeResult(const std::vector<std::string>& columns,
                                                                       const std::vector<int16_t>& formats,
                                                                       const std::vector<uint32_t>& types = {});

// Appends a cell in the column's type and format to `out`; false, having
// appended nothing, for NULL (a value of none). A text cell holds its
// type's text form (PostgreSQL's); in binary it is sent as its type's
// binary form, text that does not read as its type as it is.
bool AppendCell(const internal::Cell& cell, const ColumnDescription& column, std::string* out);

// Appends a DataRow message of a read's row (subject, predicate, object,
// value, from, to) in `columns`' formats: what AppendCell would of its
// cells. REQUIRES: six columns.
void AppendRowMessage(const Row& row, const std::vector<ColumnDescription>& columns, std::string* out);

// Appends an instant as a timestamptz in text ("2025-09-25 00:00:00+00",
// "infinity").
void AppendTimestamptzText(Instant t, std::string* out);

// A parameter sent in binary, as the text the statement parser reads.
// Unimplemented for a type other than text, varchar, char, name, bpchar,
// unknown, int2/4/8, float4/8, numeric, bool, json, jsonb, date, timestamp
// (read as UTC, the server's time zone) and timestamptz.
absl::StatusOr<std::string> BinaryParamAsText(uint32_t type_oid, const std::string& bytes);

// A parameter sent in text, as the text the statement parser reads: a
// bool's PostgreSQL forms (t, TRUE, yes, on, 1, ...: what JDBC's
// setBoolean sends) become true or false; a time's (declared timestamptz,
// timestamp or date) become a time literal; anything else, and a bool that
// is none of those forms, is unchanged. Pure.
std::string TextParamAsLiteral(uint32_t type_oid, std::string text);

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_PG_TYPES_H_
