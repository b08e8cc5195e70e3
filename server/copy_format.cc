#include "server/copy_format.h"

#include "format/tsv.h"

namespace hindsight::server {
namespace {

void AppendCsvField(const std::string& field, std::string* out) {
  if (!field.empty() && field.find_first_of(",\"\n\r") == std::string::npos) {
    out->append(field);
    return;
  }
  out->push_back('"');
  for (const char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace

void AppendCopyLine(const std::vector<std::optional<std::string>>& fields, bool csv, std::string* out) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out->push_back(csv ? ',' : '\t');
    if (!fields[i]) {
      if (!csv) out->append("\\N");
    } else if (csv) {
      AppendCsvField(*fields[i], out);
    } else {
      internal::AppendEscaped(*fields[i], out);  // the operations format's escapes are COPY's
    }
  }
  out->push_back('\n');
}

}  // namespace hindsight::server
