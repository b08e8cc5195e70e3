#include "format/query_file.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "format/tsv.h"
#include "util/utf8.h"

namespace hindsight::internal {
namespace {

absl::StatusOr<std::optional<std::string>> ParsePatternField(std::string_view field) {
  if (field == "*") return std::optional<std::string>();
  absl::StatusOr<std::string> name = ParseNameField(field);
  if (!name.ok()) return name.status();
  return std::optional<std::string>(std::move(*name));
}

absl::Status ParsePattern(const std::vector<std::string_view>& f, Pattern* p) {
  std::optional<std::string>* const parts[] = {&p->subject, &p->predicate, &p->object};
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::optional<std::string>> part = ParsePatternField(f[1 + i]);
    if (!part.ok()) return part.status();
    *parts[i] = std::move(*part);
  }
  return absl::OkStatus();
}

absl::StatusOr<TxTimeClause> ParseAsOf(std::string_view field) {
  if (field.empty()) return TxTimeClause::Latest();
  absl::StatusOr<Instant> t = ParseInstant(field);
  if (!t.ok()) return t.status();
  return TxTimeClause::AsOf(*t);
}

void AppendKeyFields(const FactKey& k, std::string* out) {
  AppendEscaped(k.subject, out);
  out->push_back('\t');
  AppendEscaped(k.predicate, out);
  out->push_back('\t');
  AppendEscaped(k.object, out);
  out->push_back('\t');
}

}  // namespace

bool IsIgnoredQueryLine(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos || line[0] == '#';
}

absl::StatusOr<FileQuery> ParseQueryLine(std::string_view line) {
  const std::vector<std::string_view> f = SplitFields(line);
  FileQuery q;
  size_t want = 0;
  if (f[0] == "at") {
    want = 6;
  } else if (f[0] == "during") {
    want = 7;
  } else if (f[0] == "history") {
    want = 4;
    q.is_history = true;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown query kind '", VisibleText(PrefixAtCharacter(f[0], 40)), "'"));
  }
  if (f.size() != want) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", std::string(f[0]), "' has ", want, " fields, found ", f.size()));
  }
  if (absl::Status s = ParsePattern(f, &q.query.pattern); !s.ok()) return s;
  if (q.is_history) return q;
  absl::StatusOr<Instant> v1 = ParseInstant(f[4]);
  if (!v1.ok()) return v1.status();
  if (want == 6) {
    q.query.valid = ValidTimeClause::At(*v1);
  } else {
    absl::StatusOr<Instant> v2 = ParseInstant(f[5]);
    if (!v2.ok()) return v2.status();
    if (!(*v1 < *v2)) return absl::InvalidArgumentError("during needs V1 < V2");
    q.query.valid = ValidTimeClause::During({*v1, *v2});
  }
  absl::StatusOr<TxTimeClause> as_of = ParseAsOf(f[want - 1]);
  if (!as_of.ok()) return as_of.status();
  q.query.as_of = *as_of;
  return q;
}

void AppendRow(const Row& row, std::string* out) {
  AppendKeyFields(row.key, out);
  AppendValue(row.value, out);
  absl::StrAppend(out, "\t", FormatInstant(row.valid.from), "\t", FormatInstant(row.valid.to), "\n");
}

void AppendHistoryRow(const HistoryRow& row, std::string* out) {
  AppendKeyFields(row.key, out);
  AppendValue(row.value, out);
  absl::StrAppend(out, "\t", FormatInstant(row.valid.from), "\t", FormatInstant(row.valid.to), "\t",
                  FormatInstant(row.tx.from), "\t", FormatInstant(row.tx.to), "\n");
}

}  // namespace hindsight::internal
