// The shell's `timeline` statement: turns its answer (every segment, or
// every history row, of the pattern in the window) into a picture for the
// terminal or an SVG file.
#ifndef HINDSIGHT_TOOLS_SHELL_TIMELINE_STATEMENT_H_
#define HINDSIGHT_TOOLS_SHELL_TIMELINE_STATEMENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "query/session.h"
#include "query/statement.h"

namespace hindsight::tools {

// Keys drawn when the statement has no limit.
inline constexpr size_t kTerminalTimelineKeys = 40;
inline constexpr size_t kSvgTimelineKeys = 200;
// An SVG taller than this gets a warning with its size.
inline constexpr int kTallSvgPixels = 20000;

// What the shell prints for timeline statement `st` (typed as `text`),
// answered with `result`: the chart for a terminal `width` columns wide,
// or, with `svg FILE`, a line saying what was written there (and a
// warning when the picture is huge). `now` is marked when on the axis.
// Fails when the file cannot be written.
absl::StatusOr<std::string> TimelineOutput(const internal::Statement& st, const std::string& text,
                                           const internal::Result& result, Instant now, size_t width);

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_SHELL_TIMELINE_STATEMENT_H_
