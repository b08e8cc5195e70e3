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

 private:
  std::string RenderColumns(const Style& style) const;
  std::string RenderExpanded(const Style& style) const;
  std::vector<size_t> ColumnWidths(const Style& style) const;

  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_TABLE_H_
