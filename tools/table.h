// An aligned text table for people (psql style), aligned by display width
// (a CJK character or an emoji takes two columns).
#ifndef HINDSIGHT_TOOLS_TABLE_H_
#define HINDSIGHT_TOOLS_TABLE_H_

#include <string>
#include <vector>

namespace hindsight::tools {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  // REQUIRES: cells.size() == header size.
  void AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  // The header, a rule, the rows, and a "(N rows)" footer.
  std::string Render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_TABLE_H_
