#include "table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "terminal_text.h"

namespace hindsight::tools {
namespace {

// `cell` cut to `max_width` columns, its end replaced by "…" (0: as is).
std::string Fit(const std::string& cell, size_t max_width) {
  if (max_width == 0 || DisplayWidth(cell) <= max_width) return cell;
  return std::string(PrefixFitting(cell, max_width - 1)) + "…";
}

void AppendPadded(const std::string& cell, size_t width, std::string* out) {
  out->append(cell);
  out->append(width - DisplayWidth(cell), ' ');
}

}  // namespace

std::string Table::Footer(size_t rows) { return absl::StrCat("(", rows, rows == 1 ? " row)\n" : " rows)\n"); }

std::vector<size_t> Table::ColumnWidths(const Style& style) const {
  std::vector<size_t> width(header_.size());
  for (size_t c = 0; c < header_.size(); ++c)
    width[c] = style.header ? DisplayWidth(Fit(header_[c], style.max_width)) : 0;
  for (const auto& row : rows_) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], DisplayWidth(Fit(row[c], style.max_width)));
  }
  return width;
}

size_t Table::Width(const Style& style) const {
  if (!style.expanded) {
    const std::vector<size_t> width = ColumnWidths(style);
    size_t total = 0;
    for (size_t w : width) total += w;
    return width.empty() ? 0 : total + 3 * (width.size() - 1);
  }
  size_t widest = 0;
  const std::string rendered = RenderExpanded(style);
  for (size_t start = 0; start < rendered.size();) {
    const size_t end = std::min(rendered.find('\n', start), rendered.size());
    widest = std::max(widest, DisplayWidth(std::string_view(rendered).substr(start, end - start)));
    start = end + 1;
  }
  return widest;
}

std::string Table::Render(const Style& style) const {
  return style.expanded ? RenderExpanded(style) : RenderColumns(style);
}

std::string Table::RenderPiece(const Style& style, size_t first_row, std::vector<size_t>* widths) const {
  std::string out;
  if (style.expanded) {
    widths->resize(1);
    (*widths)[0] = std::max((*widths)[0], ValueWidth(style));
    AppendRecords(style, first_row, (*widths)[0], &out);
    return out;
  }
  const std::vector<size_t> fit = ColumnWidths(style);
  widths->resize(fit.size());
  for (size_t c = 0; c < fit.size(); ++c) (*widths)[c] = std::max((*widths)[c], fit[c]);
  AppendColumnLines(style, *widths, style.header && first_row == 0, &out);
  return out;
}

std::string Table::RenderColumns(const Style& style) const {
  std::string out;
  AppendColumnLines(style, ColumnWidths(style), style.header, &out);
  out += Footer(rows_.size());
  return out;
}

void Table::AppendColumnLines(const Style& style, const std::vector<size_t>& width, bool header,
                              std::string* out) const {
  const auto append_line = [&](const std::vector<std::string>& cells) {
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) out->append(" | ");
      const std::string cell = Fit(cells[c], style.max_width);
      if (c + 1 == cells.size()) {
        out->append(cell);
      } else {
        AppendPadded(cell, width[c], out);
      }
    }
    out->push_back('\n');
  };
  if (header) {
    append_line(header_);
    for (size_t c = 0; c < width.size(); ++c) {
      if (c > 0) out->append("-+-");
      out->append(width[c], '-');
    }
    out->push_back('\n');
  }
  for (const auto& row : rows_) append_line(row);
}

size_t Table::ValueWidth(const Style& style) const {
  size_t value_width = 0;
  for (const auto& row : rows_) {
    for (const std::string& cell : row) value_width = std::max(value_width, DisplayWidth(Fit(cell, style.max_width)));
  }
  return value_width;
}

std::string Table::RenderExpanded(const Style& style) const {
  std::string out;
  AppendRecords(style, 0, ValueWidth(style), &out);
  out += Footer(rows_.size());
  return out;
}

void Table::AppendRecords(const Style& style, size_t first_row, size_t value_width, std::string* out) const {
  size_t name_width = 0;
  for (const std::string& name : header_) name_width = std::max(name_width, DisplayWidth(name));
  for (size_t r = 0; r < rows_.size(); ++r) {
    // "-[ RECORD 3 ]-" ruled to the width of the lines under it.
    std::string title = absl::StrCat("-[ RECORD ", first_row + r + 1, " ]");
    const size_t line_width = name_width + 3 + value_width;
    if (title.size() < line_width) title.append(line_width - title.size(), '-');
    absl::StrAppend(out, title, "\n");
    for (size_t c = 0; c < header_.size(); ++c) {
      AppendPadded(header_[c], name_width, out);
      absl::StrAppend(out, " | ", Fit(rows_[r][c], style.max_width), "\n");
    }
  }
}

}  // namespace hindsight::tools
