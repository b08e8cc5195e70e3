// Errors as a PostgreSQL client sees them: an absl::Status that carries its
// SQLSTATE, and optionally a hint, as payloads (data, not text), so that the
// ErrorResponse is built from the status alone.
#ifndef HINDSIGHT_SERVER_SQL_ERROR_H_
#define HINDSIGHT_SERVER_SQL_ERROR_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace hindsight::server {

// A status of `code` whose SQLSTATE is `sqlstate`.
absl::Status SqlError(absl::StatusCode code, std::string_view sqlstate, std::string_view message);

// `s` with SQLSTATE `sqlstate`, its code, message and other payloads kept
// (a statement error's column among them).
absl::Status WithSqlState(absl::Status s, std::string_view sqlstate);

// The SQLSTATE of `s`: the one it carries, else one fitting its code (a
// statement error with a column is 42601, a time literal 22007, ...).
std::string SqlStateOf(const absl::Status& s);

// `s` with a hint, which psql prints after the error.
absl::Status WithHint(absl::Status s, std::string_view hint);
std::optional<std::string> HintOf(const absl::Status& s);

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_SQL_ERROR_H_
