// The textual read statement shared by `hindsight query` and (later) the
// shell: docs/query-language.md.
//
//   statement := ["history"] term term term [valid] [asof] [";"]
//   term      := "*" | bare-word | "quoted name"       (JSON string escapes)
//   valid     := "at" TIME | "during" "[" TIME "," TIME ")"
//   asof      := "as" "of" (TIME | "tx" NUMBER)
//
// Keywords are case-insensitive. A bare `*` is the wildcard; a quoted "*"
// is a name. History takes no valid or as-of clause.
#ifndef HINDSIGHT_QUERY_STATEMENT_H_
#define HINDSIGHT_QUERY_STATEMENT_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "hindsight/query.h"

namespace hindsight::internal {

struct Statement {
  bool is_history = false;
  Query query;
};

// InvalidArgument "column N: expected ..., found ..." on a malformed statement.
absl::StatusOr<Statement> ParseStatement(std::string_view text);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_QUERY_STATEMENT_H_
