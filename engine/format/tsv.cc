#include "format/tsv.h"

#include "absl/strings/str_cat.h"
#include "hindsight/fact.h"

namespace hindsight::internal {

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (size_t tab; (tab = line.find('\t', start)) != std::string_view::npos; start = tab + 1) {
    fields.push_back(line.substr(start, tab - start));
  }
  fields.push_back(line.substr(start));
  return fields;
}

absl::StatusOr<std::string> UnescapeField(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    const char c = field[i];
    if (c == '\r') return absl::InvalidArgumentError("raw carriage return (write \\r)");
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (i + 1 == field.size()) return absl::InvalidArgumentError("backslash at the end of a field");
    switch (field[++i]) {
      case '\\': out.push_back('\\'); break;
      case 't': out.push_back('\t'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("bad escape '\\", std::string(1, field[i]), "' (only \\\\ \\t \\n \\r)"));
    }
  }
  return out;
}

void AppendEscaped(std::string_view text, std::string* out) {
  for (const char c : text) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '\t': out->append("\\t"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      default: out->push_back(c);
    }
  }
}

std::string EscapeField(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendEscaped(text, &out);
  return out;
}

absl::StatusOr<std::string> ParseNameField(std::string_view field) {
  absl::StatusOr<std::string> name = UnescapeField(field);
  if (!name.ok()) return name.status();
  if (absl::Status s = ValidateName(*name); !s.ok()) return s;
  return name;
}

}  // namespace hindsight::internal
