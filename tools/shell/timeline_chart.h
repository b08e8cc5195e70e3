// Draws a timeline picture laid out by timeline_layout.h: as text for a
// terminal (a glyph per value, a legend, tick labels under the axis) or as
// a standalone SVG document (a colour per value, a legend, gridlines).
// Labels never run past their bar: they are cut to it, ending in "…".
#ifndef HINDSIGHT_TOOLS_SHELL_TIMELINE_CHART_H_
#define HINDSIGHT_TOOLS_SHELL_TIMELINE_CHART_H_

#include <string>

#include "shell/timeline_layout.h"

namespace hindsight::tools {

// For a terminal `width` columns wide (at least 40 are used).
std::string DrawChartText(const Chart& chart, size_t width);

struct SvgPicture {
  std::string document;
  int width = 0, height = 0;  // pixels
};
SvgPicture DrawChartSvg(const Chart& chart);

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_SHELL_TIMELINE_CHART_H_
