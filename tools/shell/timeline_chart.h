// The `timeline` statement's picture: one row per key and a bar per segment
// over the valid-time axis, with the value on the bar and a marker for now.
#ifndef HINDSIGHT_TOOLS_SHELL_TIMELINE_CHART_H_
#define HINDSIGHT_TOOLS_SHELL_TIMELINE_CHART_H_

#include <string>
#include <vector>

#include "hindsight/fact.h"

namespace hindsight::tools {

// For a terminal: `width` columns of bars after the key labels.
std::string DrawTimelineText(const std::vector<Row>& rows, Instant now, int width = 60);

// The same chart as a standalone SVG document.
std::string DrawTimelineSvg(const std::vector<Row>& rows, Instant now);

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_SHELL_TIMELINE_CHART_H_
