#include "shell/render.h"

#include "absl/strings/str_cat.h"
#include "format/tsv.h"
#include "table.h"

namespace hindsight::tools {
namespace {

using internal::Cell;

// For the table: names with control characters escaped as in TSV.
std::string Readable(const Cell& c) {
  switch (c.kind) {
    case Cell::Kind::kName: return internal::EscapeField(c.text);
    case Cell::Kind::kValue: return FormatValue(c.value);
    case Cell::Kind::kInstant: return FormatInstantShort(c.instant);
    case Cell::Kind::kText: return c.text;
  }
  return "";
}

std::string Canonical(const Cell& c) {
  switch (c.kind) {
    case Cell::Kind::kName: return internal::EscapeField(c.text);
    case Cell::Kind::kValue: return FormatValue(c.value);
    case Cell::Kind::kInstant: return FormatInstant(c.instant);
    case Cell::Kind::kText: return c.text;
  }
  return "";
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char ch : s) {
    if (ch == '"') out.push_back('"');
    out.push_back(ch);
  }
  out.push_back('"');
  return out;
}

std::string JsonString(const std::string& s) { return FormatValue(Value::String(s)); }

// For CSV: names and text values as plain text (a spreadsheet's cell), other
// values and times canonical.
std::string CsvText(const Cell& c) {
  if (c.kind == Cell::Kind::kName) return c.text;
  if (c.kind == Cell::Kind::kValue && c.value.type() == Value::Type::kString) return c.value.string_value();
  return Canonical(c);
}

std::string JsonCell(const Cell& c) {
  switch (c.kind) {
    case Cell::Kind::kValue: return c.value.is_none() ? "null" : FormatValue(c.value);
    case Cell::Kind::kInstant: return JsonString(FormatInstant(c.instant));
    default: return JsonString(c.text);
  }
}

}  // namespace

std::string Render(const internal::Result& result, const RenderOptions& options) {
  std::string out;
  if (result.columns.empty()) return result.message.empty() ? "" : result.message + "\n";
  using Headers = RenderOptions::Headers;
  const bool headers = options.headers == Headers::kOn ||
                       (options.headers == Headers::kAuto && options.format != Format::kTsv);
  switch (options.format) {
    case Format::kTable: {
      Table table(result.columns);
      for (const auto& row : result.rows) {
        std::vector<std::string> cells;
        for (const Cell& c : row) cells.push_back(Readable(c));
        table.AddRow(std::move(cells));
      }
      Table::Style style;
      style.header = headers;
      style.max_width = options.max_width;
      style.expanded = options.expanded == RenderOptions::Expanded::kOn ||
                       (options.expanded == RenderOptions::Expanded::kAuto && options.screen_width > 0 &&
                        table.Width(style) > options.screen_width);
      out = table.Render(style);
      if (result.limited) out += "(limit reached: more rows not shown)\n";
      if (!result.note.empty()) absl::StrAppend(&out, "(", result.note, ")\n");
      break;
    }
    case Format::kTsv: {
      // The contract's canonical rows: its columns only.
      const size_t n = result.contract_columns == 0 ? result.columns.size() : result.contract_columns;
      if (headers) {
        for (size_t i = 0; i < n; ++i) absl::StrAppend(&out, i ? "\t" : "", result.columns[i]);
        out.push_back('\n');
      }
      for (const auto& row : result.rows) {
        for (size_t i = 0; i < n; ++i) absl::StrAppend(&out, i ? "\t" : "", Canonical(row[i]));
        out.push_back('\n');
      }
      break;
    }
    case Format::kCsv:
      if (headers) {
        for (size_t i = 0; i < result.columns.size(); ++i) absl::StrAppend(&out, i ? "," : "", result.columns[i]);
        out += "\r\n";
      }
      for (const auto& row : result.rows) {
        for (size_t i = 0; i < row.size(); ++i) {
          absl::StrAppend(&out, i ? "," : "", CsvField(CsvText(row[i])));
        }
        out += "\r\n";
      }
      break;
    case Format::kJson:
      out = "[";
      for (size_t r = 0; r < result.rows.size(); ++r) {
        absl::StrAppend(&out, r ? ",\n " : "", "{");
        for (size_t i = 0; i < result.columns.size(); ++i) {
          absl::StrAppend(&out, i ? ", " : "", JsonString(result.columns[i]), ": ", JsonCell(result.rows[r][i]));
        }
        out += "}";
      }
      out += "]\n";
      break;
  }
  if (!result.message.empty()) absl::StrAppend(&out, result.message, "\n");
  return out;
}

}  // namespace hindsight::tools
