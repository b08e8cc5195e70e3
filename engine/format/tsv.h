// The TSV conventions of the workload files (workload/README.md section 1):
// fields split on TAB; names escaped as in PostgreSQL COPY text format.
#ifndef HINDSIGHT_FORMAT_TSV_H_
#define HINDSIGHT_FORMAT_TSV_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace hindsight::internal {

// The fields of `line` (no line terminator) split on TAB.
std::vector<std::string_view> SplitFields(std::string_view line);

// Undoes \\ \t \n \r. Any other backslash sequence is InvalidArgument.
absl::StatusOr<std::string> UnescapeField(std::string_view field);

// Writes \ TAB LF CR as \\ \t \n \r; everything else as is.
void AppendEscaped(std::string_view text, std::string* out);
std::string EscapeField(std::string_view text);

// Unescapes and validates a subject, predicate or object field.
absl::StatusOr<std::string> ParseNameField(std::string_view field);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_FORMAT_TSV_H_
