#include "format/replay.h"

#include "absl/strings/str_cat.h"
#include "util/utf8.h"

namespace hindsight::internal {

std::vector<ParsedQuery> ReadQueryFile(std::istream* in) {
  std::vector<ParsedQuery> out;
  std::string line;
  for (bool first = true; std::getline(*in, line); first = false) {
    if (first) line = std::string(WithoutByteOrderMark(line));
    if (IsIgnoredQueryLine(line)) continue;
    if (line.find('\r') != std::string::npos) {
      out.push_back({absl::InvalidArgumentError("raw carriage return in line")});
      continue;
    }
    out.push_back({ParseQueryLine(line)});
  }
  return out;
}

absl::Status AnswerQuery(const Database& db, const ParsedQuery& q, size_t number, std::string* out,
                         size_t* row_count) {
  *row_count = 0;
  const size_t header_at = out->size();
  absl::Status status;
  if (q.query.ok()) {
    absl::StrAppend(out, "#\t", number, "\t");
    const size_t count_at = out->size();
    std::string rows;
    if (q.query->is_history) {
      status = db.ScanHistory(q.query->query.pattern, [&](const HistoryRow& r) {
        AppendHistoryRow(r, &rows);
        ++*row_count;
        return true;
      });
    } else {
      status = db.Scan(q.query->query, [&](const Row& r) {
        AppendRow(r, &rows);
        ++*row_count;
        return true;
      });
    }
    if (status.ok()) {
      out->insert(count_at, absl::StrCat(*row_count, "\n"));
      out->append(rows);
      return absl::OkStatus();
    }
    out->resize(header_at);
    *row_count = 0;
    // A query the database itself rejects (as of a missing tx) is an invalid
    // query; anything else is a failure of the database.
    if (!absl::IsInvalidArgument(status)) return status;
  }
  absl::StrAppend(out, "#\t", number, "\terror\n");
  return absl::OkStatus();
}

}  // namespace hindsight::internal
