#include "shell/timeline_chart.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "terminal_text.h"

namespace hindsight::tools {
namespace {

constexpr size_t kLegendEntries = 24;  // more are counted, not listed
constexpr size_t kTextLabelColumns = 40;

// `text` cut to `columns` display columns, ending in "…" when cut.
std::string Fit(const std::string& text, size_t columns) {
  if (DisplayWidth(text) <= columns) return text;
  if (columns == 0) return "";
  return std::string(PrefixFitting(text, columns - 1)) + "…";
}

// The position of `t` on an axis of `span` units from chart.lo to chart.hi.
double Position(const Chart& chart, Instant t, double span) {
  const Instant clamped = std::clamp(t, chart.lo, chart.hi);
  return static_cast<double>(clamped - chart.lo) / static_cast<double>(chart.hi - chart.lo) * span;
}

std::string LegendMore(const Chart& chart) {
  return chart.legend.size() > kLegendEntries ? absl::StrCat("… ", chart.legend.size() - kLegendEntries, " more values")
                                              : "";
}

std::string KeysMore(const Chart& chart) {
  return absl::StrCat("… ", chart.keys_left_out, chart.keys_left_out == 1 ? " more key" : " more keys",
                      ": add 'limit N' to draw more");
}

// --- text ---

constexpr const char* kGlyphs[] = {"=", "#", "%", "*", "+", "~", "@", ":", "o", "&"};
constexpr size_t kGlyphCount = sizeof(kGlyphs) / sizeof(kGlyphs[0]);

// A line of `width` cells, each one column (a wide character takes two
// cells, the second left empty).
class CellLine {
 public:
  explicit CellLine(size_t width) : cells_(width, " ") {}
  size_t width() const { return cells_.size(); }
  void Set(size_t i, std::string s) {
    if (i < cells_.size()) cells_[i] = std::move(s);
  }
  const std::string& At(size_t i) const { return cells_[i]; }
  // Writes `text` from cell `at` on, character by character.
  void Write(size_t at, const std::string& text) {
    for (size_t i = 0; i < text.size() && at < cells_.size();) {
      size_t n = 1;
      while (i + n < text.size() && (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80) ++n;
      const std::string glyph = text.substr(i, n);
      const size_t w = DisplayWidth(glyph);
      if (w == 2 && at + 1 < cells_.size()) {
        cells_[at] = glyph;
        cells_[at + 1] = "";
        at += 2;
      } else if (w == 1) {
        cells_[at++] = glyph;
      } else if (w == 0 && at > 0) {
        cells_[at - 1] += glyph;  // a combining mark joins the character before it
      } else {
        break;
      }
      i += n;
    }
  }
  std::string Str() const {
    std::string out;
    for (const std::string& c : cells_) out += c;
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
  }

 private:
  std::vector<std::string> cells_;
};

std::string LaneText(const Chart& chart, const ChartLane& lane, size_t width) {
  CellLine line(width);
  const auto col = [&](Instant t) { return static_cast<size_t>(Position(chart, t, static_cast<double>(width)) + 0.5); };
  if (chart.now) line.Set(std::min(col(*chart.now), width - 1), "|");
  const std::vector<size_t> colours = LaneColours(lane, kGlyphCount);
  for (size_t i = 0; i < lane.bars.size(); ++i) {
    const ChartBar& bar = lane.bars[i];
    if (bar.valid.to <= chart.lo || bar.valid.from >= chart.hi) continue;
    size_t a = std::min(col(bar.valid.from), width - 1);
    const size_t b = std::clamp(col(bar.valid.to), a + 1, width);
    for (size_t c = a; c < b; ++c) line.Set(c, kGlyphs[colours[i]]);
    // A bar one cell wide (a day's event on a year's axis) shows its glyph.
    line.Set(a, bar.valid.from < chart.lo ? "<" : b - a == 1 ? kGlyphs[colours[i]] : "[");
    if (bar.valid.to > chart.hi) line.Set(b - 1, ">");
    if (b - a >= 4) line.Write(a + 1, Fit(chart.legend[bar.style], b - a - 2));
  }
  return line.Str();
}

// The axis, its tick marks, and the tick labels where they do not overlap.
std::string AxisText(const Chart& chart, size_t indent, size_t width) {
  CellLine rule(width), labels(width);
  for (size_t c = 0; c < width; ++c) rule.Set(c, "-");
  size_t free_from = 0;  // the first cell a label may start at
  for (const ChartTick& tick : chart.ticks) {
    const size_t c =
        std::min(static_cast<size_t>(Position(chart, tick.at, static_cast<double>(width)) + 0.5), width - 1);
    rule.Set(c, "+");
    if (c >= free_from && c + tick.label.size() <= width) {
      labels.Write(c, tick.label);
      free_from = c + tick.label.size() + 1;
    }
  }
  const std::string pad(indent, ' ');
  return absl::StrCat(pad, rule.Str(), "\n", pad, labels.Str(), "\n");
}

std::string LegendText(const Chart& chart, size_t width) {
  std::string out, line = "legend:";
  for (size_t i = 0; i < chart.legend.size() && i < kLegendEntries; ++i) {
    const std::string entry = absl::StrCat(kGlyphs[i % kGlyphCount], " ", Fit(chart.legend[i], 30));
    if (DisplayWidth(line) + 2 + DisplayWidth(entry) > width) {
      absl::StrAppend(&out, line, "\n");
      line = "       ";
    }
    absl::StrAppend(&line, "  ", entry);
  }
  if (const std::string more = LegendMore(chart); !more.empty()) absl::StrAppend(&line, "  ", more);
  return absl::StrCat(out, line, "\n");
}

// --- SVG ---

constexpr int kSvgWidth = 1000, kPlotLeft = 300, kPlotRight = 980, kLane = 24, kHeading = 22;
constexpr double kCharWidth = 6.6;  // pixels of a 12 px sans-serif character, about
constexpr const char* kColours[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                                    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
constexpr bool kDarkText[] = {false, false, false, false, true, true, false, true, false, true};
constexpr size_t kColourCount = sizeof(kColours) / sizeof(kColours[0]);

std::string Xml(const std::string& s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// `text` cut to about `pixels` of 12 px text.
std::string FitPixels(const std::string& text, double pixels) {
  return Fit(text, static_cast<size_t>(std::max(0.0, pixels / kCharWidth)));
}

double X(const Chart& chart, Instant t) { return kPlotLeft + Position(chart, t, kPlotRight - kPlotLeft); }

void AppendBarSvg(const Chart& chart, const ChartBar& bar, size_t colour, int y, std::string* out) {
  const double a = X(chart, bar.valid.from), b = std::max(X(chart, bar.valid.to), a + 2);
  const std::string& label = chart.legend[bar.style];
  absl::StrAppendFormat(out,
                        "<rect class=\"bar\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
                        "stroke=\"white\"><title>%s [%s, %s)</title></rect>\n",
                        a, y + 3, b - a, kLane - 6, kColours[colour], Xml(label), FormatInstantShort(bar.valid.from),
                        FormatInstantShort(bar.valid.to));
  const int mid = y + kLane / 2;
  if (bar.valid.to > chart.hi) {  // it goes on past the axis
    absl::StrAppendFormat(out, "<polygon points=\"%.1f,%d %.1f,%d %.1f,%d\" fill=\"%s\"/>\n", b, y + 3, b + 7.0, mid,
                          b, y + kLane - 3, kColours[colour]);
  }
  if (bar.valid.from < chart.lo) {
    absl::StrAppendFormat(out, "<polygon points=\"%.1f,%d %.1f,%d %.1f,%d\" fill=\"%s\"/>\n", a, y + 3, a - 7.0, mid,
                          a, y + kLane - 3, kColours[colour]);
  }
  if (const std::string shown = FitPixels(label, b - a - 8); b - a >= 24 && !shown.empty()) {
    absl::StrAppendFormat(out, "<text class=\"value\" x=\"%.1f\" y=\"%d\" fill=\"%s\">%s</text>\n", a + 4, mid + 4,
                          kDarkText[colour] ? "#222" : "white", Xml(shown));
  }
}

}  // namespace

std::string DrawChartText(const Chart& chart, size_t width) {
  width = std::max<size_t>(width, 40);
  // Lanes under a key's heading are indented.
  const size_t indent = !chart.lanes.empty() && !chart.lanes[0].heading.empty() ? 2 : 0;
  size_t label_width = 0;
  for (const ChartLane& lane : chart.lanes) label_width = std::max(label_width, indent + DisplayWidth(lane.label));
  label_width = std::max(std::min({label_width, kTextLabelColumns, width * 2 / 5}), indent + 1);
  const size_t bars = width - label_width - 1;
  std::string out = absl::StrCat(Fit(chart.title, width), "\n", Fit(chart.subtitle, width), "\n");
  if (chart.lanes.empty()) return out + "(no segments)\n";
  if (chart.now) {
    const size_t c =
        std::min(static_cast<size_t>(Position(chart, *chart.now, static_cast<double>(bars)) + 0.5), bars - 1);
    const std::string date = FormatInstantShort(*chart.now);
    // "v now (...)" from the mark on, or "now (...) v" up to it when that
    // would not fit.
    std::string marker = absl::StrCat("v now (", date, ")");
    size_t at = c;
    if (c + marker.size() > bars) {
      marker = absl::StrCat("now (", date, ") v");
      at = c + 1 >= marker.size() ? c + 1 - marker.size() : 0;
    }
    absl::StrAppend(&out, std::string(label_width + 1 + at, ' '), marker, "\n");
  }
  for (const ChartLane& lane : chart.lanes) {
    if (!lane.heading.empty()) absl::StrAppend(&out, Fit(lane.heading, width), "\n");
    const std::string label = std::string(indent, ' ') + Fit(lane.label, label_width - indent);
    std::string line = absl::StrCat(label, std::string(label_width - DisplayWidth(label) + 1, ' '),
                                    LaneText(chart, lane, bars));
    while (!line.empty() && line.back() == ' ') line.pop_back();  // an empty band
    absl::StrAppend(&out, line, "\n");
  }
  out += AxisText(chart, label_width + 1, bars);
  out += LegendText(chart, width);
  if (chart.keys_left_out > 0) absl::StrAppend(&out, KeysMore(chart), "\n");
  return out;
}

SvgPicture DrawChartSvg(const Chart& chart) {
  std::string body;
  int y = 70;
  const int lanes_top = y;
  const bool indented = !chart.lanes.empty() && !chart.lanes[0].heading.empty();
  for (const ChartLane& lane : chart.lanes) {
    if (!lane.heading.empty()) {
      y += lane.heading == chart.lanes[0].heading ? 0 : 6;
      absl::StrAppendFormat(&body, "<text class=\"heading\" x=\"10\" y=\"%d\" font-weight=\"bold\">%s</text>\n",
                            y + 16, Xml(FitPixels(lane.heading, kSvgWidth - 20)));
      y += kHeading;
    }
    const int indent = indented ? 22 : 10;
    absl::StrAppendFormat(&body, "<text class=\"lane\" x=\"%d\" y=\"%d\">%s</text>\n", indent, y + 16,
                          Xml(FitPixels(lane.label, kPlotLeft - indent - 14)));
    const std::vector<size_t> colours = LaneColours(lane, kColourCount);
    for (size_t i = 0; i < lane.bars.size(); ++i) {
      if (lane.bars[i].valid.to <= chart.lo || lane.bars[i].valid.from >= chart.hi) continue;
      AppendBarSvg(chart, lane.bars[i], colours[i], y, &body);
    }
    y += kLane;
  }
  const int axis_y = y + 8;
  std::string grid;
  for (const ChartTick& tick : chart.ticks) {
    const double x = X(chart, tick.at);
    absl::StrAppendFormat(&grid, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e4e4e4\"/>\n", x,
                          lanes_top, x, axis_y);
    absl::StrAppendFormat(&body,
                          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>\n"
                          "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                          x, axis_y, x, axis_y + 5, x, axis_y + 19, tick.label);
  }
  absl::StrAppendFormat(&body, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", kPlotLeft, axis_y,
                        kPlotRight, axis_y);
  if (chart.now) {
    const double x = X(chart, *chart.now);
    absl::StrAppendFormat(&body,
                          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d62728\" "
                          "stroke-dasharray=\"4 3\"/>\n<text x=\"%.1f\" y=\"%d\" fill=\"#d62728\" "
                          "text-anchor=\"middle\">now</text>\n",
                          x, lanes_top - 6, x, axis_y, x, lanes_top - 9);
  }
  // The legend, wrapped.
  int lx = 10, ly = axis_y + 44;
  for (size_t i = 0; i < chart.legend.size() && i < kLegendEntries; ++i) {
    const std::string label = FitPixels(chart.legend[i], 220);
    const int entry_width = 22 + static_cast<int>(DisplayWidth(label) * kCharWidth) + 18;
    if (lx + entry_width > kSvgWidth - 10 && lx > 10) lx = 10, ly += 20;
    absl::StrAppendFormat(&body,
                          "<rect class=\"swatch\" x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>"
                          "<text class=\"legend\" x=\"%d\" y=\"%d\">%s</text>\n",
                          lx, ly - 11, kColours[i % kColourCount], lx + 20, ly, Xml(label));
    lx += entry_width;
  }
  if (const std::string more = LegendMore(chart); !more.empty()) {
    absl::StrAppendFormat(&body, "<text x=\"%d\" y=\"%d\">%s</text>\n", lx, ly, Xml(more));
  }
  if (chart.keys_left_out > 0) {
    ly += 24;
    absl::StrAppendFormat(&body, "<text class=\"more\" x=\"10\" y=\"%d\">%s</text>\n", ly, Xml(KeysMore(chart)));
  }
  SvgPicture picture;
  picture.width = kSvgWidth;
  picture.height = ly + 20;
  picture.document = absl::StrCat(
      absl::StrFormat("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                      "font-family=\"sans-serif\" font-size=\"12\">\n"
                      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                      picture.width, picture.height),
      absl::StrFormat("<text class=\"title\" x=\"10\" y=\"26\" font-size=\"15\" font-weight=\"bold\">%s</text>\n"
                      "<text class=\"subtitle\" x=\"10\" y=\"46\" fill=\"#555\">%s</text>\n",
                      Xml(FitPixels(chart.title, (kSvgWidth - 20) * 0.85)), Xml(chart.subtitle)),
      grid, body, "</svg>\n");
  return picture;
}

}  // namespace hindsight::tools
