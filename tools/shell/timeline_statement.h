// The shell's `timeline` statement: turns its answer (every segment, or
// every history row, of the pattern in the window) into a picture for the
// terminal or an SVG file.
#ifndef HINDSIGHT_TOOLS_SHELL_TIMELINE_STATEMENT_H_
#define HINDSIGHT_TOOLS_SHELL_TIMELINE_STATEMENT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "query/session.h"
#include "query/statement.h"

namespace hindsight::tools {

// Keys drawn when the statement has no limit.
inline constexpr size_t kTerminalTimelineKeys = 40;
inline constexpr size_t kSvgTimelineKeys = 200;
// An SVG taller than this gets a warning with its size.
inline constexpr int kTallSvgPixels = 20000;

// The most keys timeline statement `st` draws: its limit, or the
// terminal's or the SVG's default.
size_t TimelineKeysDrawn(const internal::Statement& st);

// A timeline's answer taken as its rows come (in key order): the rows of
// the keys its chart draws are kept, the keys after them only counted, so
// a chart of a big pattern needs the memory of what it draws.
class TimelineRows {
 public:
  explicit TimelineRows(size_t max_keys) : max_keys_(max_keys) {}
  void Add(std::vector<internal::Cell>&& row);
  const std::vector<std::vector<internal::Cell>>& rows() const { return rows_; }
  // Keys that came after the `max_keys` kept.
  size_t keys_left_out() const { return keys_ > max_keys_ ? keys_ - max_keys_ : 0; }

 private:
  size_t max_keys_;
  size_t keys_ = 0;
  std::vector<internal::Cell> last_key_;  // subject, predicate and object of the last row
  std::vector<std::vector<internal::Cell>> rows_;
};

// What the shell prints for timeline statement `st` (typed as `text`),
// answered with `rows`: the chart for a terminal `width` columns wide, or,
// with `svg FILE`, a line saying what was written there (and a warning
// when the picture is huge). `now` is marked when on the axis. Fails when
// the file cannot be written.
absl::StatusOr<std::string> TimelineOutput(const internal::Statement& st, const std::string& text,
                                           const TimelineRows& rows, Instant now, size_t width);

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_SHELL_TIMELINE_STATEMENT_H_
