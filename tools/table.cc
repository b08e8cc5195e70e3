#include "table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "terminal_text.h"

namespace hindsight::tools {
namespace {

void AppendPadded(const std::string& cell, size_t width, std::string* out) {
  out->append(cell);
  out->append(width - DisplayWidth(cell), ' ');
}

}  // namespace

std::string Table::Render() const {
  std::vector<size_t> width(header_.size());
  for (size_t c = 0; c < header_.size(); ++c) width[c] = DisplayWidth(header_[c]);
  for (const auto& row : rows_) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], DisplayWidth(row[c]));
  }
  std::string out;
  const auto append_line = [&](const std::vector<std::string>& cells) {
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) out.append(" | ");
      if (c + 1 == cells.size()) {
        out.append(cells[c]);
      } else {
        AppendPadded(cells[c], width[c], &out);
      }
    }
    out.push_back('\n');
  };
  append_line(header_);
  for (size_t c = 0; c < width.size(); ++c) {
    if (c > 0) out.append("-+-");
    out.append(width[c], '-');
  }
  out.push_back('\n');
  for (const auto& row : rows_) append_line(row);
  absl::StrAppend(&out, "(", rows_.size(), rows_.size() == 1 ? " row)\n" : " rows)\n");
  return out;
}

}  // namespace hindsight::tools
