// An aligned text table for people (psql style), aligned by display width
// (a CJK character or an emoji takes two columns).
#ifndef HINDSIGHT_TOOLS_TABLE_H_
#define HINDSIGHT_TOOLS_TABLE_H_

#include <string>
#include <vector>

namespace hindsight::tools {

class Table {
 public:
  struct Style {
    bool header = true;    // the column names and a rule under them
    size_t max_width = 0;  // cells wider than this end in "…"; 0: no limit
    bool expanded = false;  // a block of "column | value" lines per row (psql's \x)
  };

  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  // REQUIRES: cells.size() == header size.
  void AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  // The header and a rule (unless style.header is off), the rows, and a
  // "(N rows)" footer; expanded: "-[ RECORD n ]-" and a line per column for
  // each row, then the footer.
  std::string Render(const Style& style) const;
  std::string Render() const { return Render(Style()); }
  // The columns the widest line of Render(style) takes.
  size_t Width(const Style& style) const;

  // A table too long to hold is drawn in pieces as its rows come: the rows
  // added since the last piece, aligned to `widths` after widening them
  // to fit these rows (the widths start empty and are kept from piece to
  // piece), under the header (expanded: records numbered from
  // `first_row` + 1) when `first_row` is 0; no footer: Footer(total rows)
  // ends the table. Then ClearRows for the next piece.
  std::string RenderPiece(const Style& style, size_t first_row, std::vector<size_t>* widths) const;
  void ClearRows() { rows_.clear(); }
  size_t rows() const { return rows_.size(); }
  // "(N rows)".
  static std::string Footer(size_t rows);

 private:
  std::string RenderColumns(const Style& style) const;
  std::string RenderExpanded(const Style& style) const;
  std::vector<size_t> ColumnWidths(const Style& style) const;
  size_t ValueWidth(const Style& style) const;  // expanded: the widest cell
  // The lines of the rows (and the header, when `header`), aligned to `width`.
  void AppendColumnLines(const Style& style, const std::vector<size_t>& width, bool header, std::string* out) const;
  // The records, numbered from first_row + 1, values `value_width` wide.
  void AppendRecords(const Style& style, size_t first_row, size_t value_width, std::string* out) const;

  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_TABLE_H_
