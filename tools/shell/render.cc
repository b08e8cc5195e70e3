#include "shell/render.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "format/tsv.h"
#include "table.h"
#include "terminal_text.h"
#include "util/utf8.h"

namespace hindsight::tools {
namespace {

using internal::Cell;

// For the table: names escaped as in TSV, and no character a terminal
// would act on instead of showing (VisibleText).
std::string Readable(const Cell& c) {
  switch (c.kind) {
    case Cell::Kind::kName: return ShownName(c.text);
    case Cell::Kind::kValue: return FormatValue(c.value);
    case Cell::Kind::kInstant: return FormatInstantShort(c.instant);
    case Cell::Kind::kText: return internal::VisibleText(c.text);
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
  if (result.columns.empty()) return result.message.empty() ? "" : result.message + "\n";
  std::string out;
  RowWriter writer(options, result.columns, result.contract_columns);
  for (const auto& row : result.rows) writer.Add(row, &out);
  writer.Finish(result, &out);
  return out;
}

RowWriter::RowWriter(const RenderOptions& options, std::vector<std::string> columns, size_t contract_columns)
    : options_(options),
      columns_(std::move(columns)),
      shown_columns_(options.format == Format::kTsv && contract_columns > 0 ? contract_columns : columns_.size()) {
  if (options_.format == Format::kTable) table_ = std::make_unique<Table>(columns_);
}

RowWriter::~RowWriter() = default;

Table::Style RowWriter::TableStyle() const {
  Table::Style style;
  style.header = options_.headers != RenderOptions::Headers::kOff;
  style.max_width = options_.max_width;
  // Decided by the rows held: the whole table's, or the first piece's.
  style.expanded = options_.expanded == RenderOptions::Expanded::kOn ||
                   (options_.expanded == RenderOptions::Expanded::kAuto && options_.screen_width > 0 &&
                    table_->Width(style) > options_.screen_width);
  return style;
}

void RowWriter::AddToTable(const std::vector<internal::Cell>& row, std::string* out) {
  std::vector<std::string> cells;
  cells.reserve(row.size());
  for (const Cell& c : row) cells.push_back(Readable(c));
  table_->AddRow(std::move(cells));
  if (table_->rows() < kTableRowsAtOnce) return;
  if (!table_style_) table_style_ = TableStyle();
  out->append(table_->RenderPiece(*table_style_, rows_ - table_->rows(), &piece_widths_));
  table_->ClearRows();
}

void RowWriter::FinishTable(const internal::Result& end, std::string* out) {
  if (table_style_) {  // drawn in pieces: the rest, then the footer
    out->append(table_->RenderPiece(*table_style_, rows_ - table_->rows(), &piece_widths_));
    out->append(Table::Footer(rows_));
  } else {
    out->append(table_->Render(TableStyle()));
  }
  if (end.limited) out->append("(limit reached: more rows not shown)\n");
  if (!end.note.empty()) absl::StrAppend(out, "(", end.note, ")\n");
}

void RowWriter::Start(std::string* out) {
  started_ = true;
  using Headers = RenderOptions::Headers;
  const bool headers = options_.headers == Headers::kOn ||
                       (options_.headers == Headers::kAuto && options_.format != Format::kTsv);
  switch (options_.format) {
    case Format::kTsv:
    case Format::kCsv: {
      if (!headers) return;
      const char* separator = options_.format == Format::kTsv ? "\t" : ",";
      for (size_t i = 0; i < shown_columns_; ++i) absl::StrAppend(out, i ? separator : "", columns_[i]);
      out->append(options_.format == Format::kTsv ? "\n" : "\r\n");
      return;
    }
    case Format::kJson:
      out->push_back('[');
      return;
    case Format::kTable:  // drawn by the Table
      return;
  }
}

void RowWriter::Add(const std::vector<internal::Cell>& row, std::string* out) {
  if (!started_) Start(out);
  switch (options_.format) {
    case Format::kTsv:
      // The contract's canonical rows: its columns only.
      for (size_t i = 0; i < shown_columns_; ++i) absl::StrAppend(out, i ? "\t" : "", Canonical(row[i]));
      out->push_back('\n');
      break;
    case Format::kCsv:
      for (size_t i = 0; i < row.size(); ++i) absl::StrAppend(out, i ? "," : "", CsvField(CsvText(row[i])));
      out->append("\r\n");
      break;
    case Format::kJson:
      absl::StrAppend(out, rows_ ? ",\n " : "", "{");
      for (size_t i = 0; i < columns_.size(); ++i) {
        absl::StrAppend(out, i ? ", " : "", JsonString(columns_[i]), ": ", JsonCell(row[i]));
      }
      out->push_back('}');
      break;
    case Format::kTable:
      ++rows_;
      AddToTable(row, out);
      return;
  }
  ++rows_;
}

void RowWriter::Finish(const internal::Result& end, std::string* out) {
  if (!started_) Start(out);
  if (options_.format == Format::kJson) out->append("]\n");
  if (options_.format == Format::kTable) FinishTable(end, out);
  if (!end.message.empty()) absl::StrAppend(out, end.message, "\n");
}

}  // namespace hindsight::tools
