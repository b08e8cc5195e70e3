#include "error_caret.h"

#include "absl/strings/str_cat.h"
#include "query/statement.h"
#include "terminal_text.h"

namespace hindsight::tools {

std::string DescribeError(const std::string& statement, const absl::Status& status) {
  std::string out = absl::StrCat(std::string(internal::ErrorReason(status)), "\n");
  const std::optional<size_t> column = internal::ErrorColumn(status);
  if (!column || *column == 0) return out;
  const size_t offset = std::min(*column - 1, statement.size());
  const size_t line_start = offset == 0 ? 0 : statement.rfind('\n', offset - 1) + 1;
  size_t line_end = statement.find('\n', offset);
  if (line_end == std::string::npos) line_end = statement.size();
  const size_t caret = DisplayWidth(std::string_view(statement).substr(line_start, offset - line_start));
  absl::StrAppend(&out, "  ", statement.substr(line_start, line_end - line_start), "\n  ", std::string(caret, ' '),
                  "^\n");
  return out;
}

}  // namespace hindsight::tools
