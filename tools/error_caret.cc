#include "error_caret.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "query/statement.h"
#include "terminal_text.h"
#include "util/utf8.h"

namespace hindsight::tools {

std::string DescribeError(const std::string& statement, const absl::Status& status) {
  std::string out = absl::StrCat(std::string(internal::ErrorReason(status)), "\n");
  const std::optional<size_t> column = internal::ErrorColumn(status);
  if (!column || *column == 0) return out;
  const std::string_view text = statement;
  const size_t offset = std::min(*column - 1, text.size());
  const size_t line_start = offset == 0 ? 0 : text.rfind('\n', offset - 1) + 1;
  size_t line_end = text.find('\n', offset);
  if (line_end == std::string_view::npos) line_end = text.size();
  // A long line shows the columns around the caret, as psql does.
  constexpr size_t kBefore = 50, kAfter = 25;
  // Shown as VisibleText (a tab as a space, so that the caret can count
  // its column).
  const auto shown = [](std::string_view part) {
    std::string spaced(part);
    std::replace(spaced.begin(), spaced.end(), '\t', ' ');
    return internal::VisibleText(spaced);
  };
  std::string before = shown(text.substr(line_start, offset - line_start));
  if (DisplayWidth(before) > kBefore) before = "..." + std::string(SuffixFitting(before, kBefore - 3));
  std::string after = shown(text.substr(offset, line_end - offset));
  if (DisplayWidth(after) > kAfter) after = std::string(PrefixFitting(after, kAfter - 3)) + "...";
  absl::StrAppend(&out, "  ", before, after, "\n  ", std::string(DisplayWidth(before), ' '), "^\n");
  return out;
}

}  // namespace hindsight::tools
