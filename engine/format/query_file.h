// Query files and expected-answer files (workload/README.md sections 3, 4).
#ifndef HINDSIGHT_FORMAT_QUERY_FILE_H_
#define HINDSIGHT_FORMAT_QUERY_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "hindsight/fact.h"
#include "hindsight/query.h"

namespace hindsight::internal {

struct FileQuery {
  bool is_history = false;  // history S P O; else at / during
  Query query;              // for history only query.pattern is used
};

// True for lines the query format ignores: blank, or starting with '#'.
bool IsIgnoredQueryLine(std::string_view line);

// Parses one query line (without its LF). InvalidArgument with the reason
// for an unknown kind, a wrong field count, a bad name or literal, V1 >= V2.
absl::StatusOr<FileQuery> ParseQueryLine(std::string_view line);

// Canonical TSV rows, each ending in LF.
void AppendRow(const Row& row, std::string* out);
void AppendHistoryRow(const HistoryRow& row, std::string* out);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_FORMAT_QUERY_FILE_H_
