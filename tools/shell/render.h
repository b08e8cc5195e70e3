// Renders a statement's result for people (table) or programs (tsv, csv,
// json).
#ifndef HINDSIGHT_TOOLS_SHELL_RENDER_H_
#define HINDSIGHT_TOOLS_SHELL_RENDER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "query/session.h"
#include "table.h"

namespace hindsight::tools {

enum class Format { kTable, kTsv, kCsv, kJson };

struct RenderOptions {
  Format format = Format::kTable;
  // The column names: auto prints them in table and CSV, not in TSV (whose
  // rows are the canonical ones); JSON always names them.
  enum class Headers { kAuto, kOn, kOff } headers = Headers::kAuto;
  // Table only: a block per row (psql's \x); auto: when the table would be
  // wider than `screen_width`.
  enum class Expanded { kOff, kOn, kAuto } expanded = Expanded::kOff;
  size_t max_width = 0;     // table only: cells cut to this many columns with "…"; 0: none
  size_t screen_width = 0;  // the terminal's columns; 0: not a terminal (auto stays off)
};

// Table: aligned columns, times in their shortest literal, a row count.
// Tsv: the canonical rows of SEMANTICS section 6 (the contract's columns
// only, Result::contract_columns). Csv: RFC 4180, canonical times. Json: an
// array of objects, one per row.
std::string Render(const internal::Result& result, const RenderOptions& options);

// How much of a RowWriter's output to gather before writing it out.
inline constexpr size_t kRowWriterBufferBytes = size_t{1} << 16;

// A table of more rows than this is drawn in pieces of this many rows.
inline constexpr size_t kTableRowsAtOnce = 10000;

// Writes an answer as its rows come, so that an answer of any size needs
// the memory of a few rows: TSV, CSV and JSON a row at a time, the same
// bytes Render gives the whole answer. A table is aligned by the widths of
// its cells: one of up to kTableRowsAtOnce rows is drawn whole at the end,
// as Render draws it; a longer one in pieces of that many rows, each
// aligned to the widest cells so far (psql's FETCH_COUNT), the header
// once, and the row count at the end.
class RowWriter {
 public:
  RowWriter(const RenderOptions& options, std::vector<std::string> columns, size_t contract_columns);
  ~RowWriter();
  // Appends `row` to `out`, after the header (or JSON's opening bracket)
  // before the first row; a table's rows when a piece is full.
  void Add(const std::vector<internal::Cell>& row, std::string* out);
  // Appends what ends the answer (the header of an answer without rows,
  // JSON's closing bracket, a table's last rows and row count, then its
  // limit and `end.note`), then `end.message`'s line, if any.
  void Finish(const internal::Result& end, std::string* out);

 private:
  void Start(std::string* out);
  Table::Style TableStyle() const;
  void AddToTable(const std::vector<internal::Cell>& row, std::string* out);
  void FinishTable(const internal::Result& end, std::string* out);

  RenderOptions options_;
  std::vector<std::string> columns_;
  size_t shown_columns_;  // TSV: the contract's columns only
  bool started_ = false;
  size_t rows_ = 0;
  // Table only: the rows not drawn yet; once drawn in pieces, their style
  // (chosen by the first piece) and widths.
  std::unique_ptr<Table> table_;
  std::optional<Table::Style> table_style_;
  std::vector<size_t> piece_widths_;
};

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_SHELL_RENDER_H_
