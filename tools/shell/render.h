// Renders a statement's result for people (table) or programs (tsv, csv,
// json).
#ifndef HINDSIGHT_TOOLS_SHELL_RENDER_H_
#define HINDSIGHT_TOOLS_SHELL_RENDER_H_

#include <string>

#include "query/session.h"

namespace hindsight::tools {

enum class Format { kTable, kTsv, kCsv, kJson };

// Table: aligned columns, times in their shortest literal, a row count.
// Tsv: the canonical rows of SEMANTICS section 6, no header. Csv: RFC 4180
// with a header, canonical times. Json: an array of objects, one per row.
std::string Render(const internal::Result& result, Format format);

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_SHELL_RENDER_H_
