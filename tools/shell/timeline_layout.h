// What a `timeline` picture shows, decided before anything is drawn: the
// lanes of bars, the valid-time axis and its ticks, the legend, the keys
// left out. The terminal and SVG renderers (timeline_chart.h) only draw it.
//
// Two pictures:
// - `timeline PATTERN`: a lane per key, a bar per segment of its timeline.
// - `timeline history PATTERN`: for each key a heading, then a lane per
//   band of transaction time (what was believed from one transaction that
//   changed the key to the next), labelled with that transaction: valid
//   time across, transaction time down.
#ifndef HINDSIGHT_TOOLS_SHELL_TIMELINE_LAYOUT_H_
#define HINDSIGHT_TOOLS_SHELL_TIMELINE_LAYOUT_H_

#include <optional>
#include <string>
#include <vector>

#include "hindsight/fact.h"

namespace hindsight::tools {

struct ChartBar {
  Interval valid;  // as stored: may reach past the axis
  size_t style;    // the legend entry of its value
};

struct ChartLane {
  std::string heading;  // when not empty: a key's heading drawn above this lane
  std::string label;
  std::vector<ChartBar> bars;  // in valid-time order, not overlapping
};

struct ChartTick {
  Instant at;
  std::string label;  // "2014", "2014-03", "2014-03-05" or "10:00"
};

struct Chart {
  std::string title;     // the statement
  std::string subtitle;  // what the axes are, how many keys and bars
  Instant lo, hi;        // the axis: finite, lo < hi
  std::vector<ChartTick> ticks;
  std::optional<Instant> now;  // when inside the axis
  std::vector<ChartLane> lanes;
  std::vector<std::string> legend;  // style -> the value it stands for
  size_t keys_left_out = 0;
};

struct ChartRequest {
  std::string title;
  std::optional<Interval> window;  // `during [A, B)`: the axis
  size_t max_keys = 40;
  // Keys of the answer after those of the rows given (left out as they
  // came): counted among the keys not drawn.
  size_t keys_not_given = 0;
  size_t max_ticks = 8;
  Instant now = 0;
};

// A history row with the transaction that began it (history's tx and
// source columns).
struct HistorySegment {
  HistoryRow row;
  std::string tx;
  std::string source;
};

// `rows` in answer order (by key, then from).
Chart LayoutTimeline(const std::vector<Row>& rows, const ChartRequest& request);
// `rows` in history order (by key, then tx_from, then from).
Chart LayoutHistory(const std::vector<HistorySegment>& rows, const ChartRequest& request);

// The colour (or glyph) of each bar of `lane` among `palette` of them: its
// style's, unless the bar just before it, touching it, has that one; then
// the next. Adjacent bars never look alike.
std::vector<size_t> LaneColours(const ChartLane& lane, size_t palette);

// Calendar-aligned ticks over [lo, hi]: years, months, days or hours,
// whichever step gives at most `max_ticks`.
std::vector<ChartTick> Ticks(Instant lo, Instant hi, size_t max_ticks);

// A value as a chart shows it: its JSON text, or "holds" for none.
std::string ValueLabel(const Value& v);

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_SHELL_TIMELINE_LAYOUT_H_
