// Renders a statement's result for people (table) or programs (tsv, csv,
// json).
#ifndef HINDSIGHT_TOOLS_SHELL_RENDER_H_
#define HINDSIGHT_TOOLS_SHELL_RENDER_H_

#include <string>

#include "query/session.h"

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

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_SHELL_RENDER_H_
