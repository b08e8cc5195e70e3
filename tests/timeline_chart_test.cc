// The timeline pictures: the layout (axis, ticks, legend, lanes, the keys
// left out) and what the terminal and SVG drawings make of it.
#include "gtest/gtest.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "shell/timeline_chart.h"
#include "shell/timeline_layout.h"
#include "terminal_text.h"

namespace hindsight::tools {
namespace {

Instant T(const char* literal) { return *ParseInstant(literal); }

Row R(const char* s, const char* value, const char* from, const char* to) {
  return {{s, "p", "o"}, Value::String(value), {T(from), T(to)}};
}

std::vector<std::string> Labels(const std::vector<ChartTick>& ticks) {
  std::vector<std::string> out;
  for (const ChartTick& t : ticks) out.push_back(t.label);
  return out;
}

TEST(TimelineChartTest, TicksFollowTheCalendarAtAStepThatFits) {
  EXPECT_EQ(Labels(Ticks(T("2013-12-15"), T("2018-02-01"), 8)),
            (std::vector<std::string>{"2014", "2015", "2016", "2017", "2018"}));
  EXPECT_EQ(Labels(Ticks(T("1900"), T("2000-06"), 8)),
            (std::vector<std::string>{"1900", "1920", "1940", "1960", "1980", "2000"}));
  EXPECT_EQ(Labels(Ticks(T("2014-01-10"), T("2014-12-20"), 8)),
            (std::vector<std::string>{"2014-03", "2014-05", "2014-07", "2014-09", "2014-11"}));
  EXPECT_EQ(Labels(Ticks(T("2014-03-01"), T("2014-03-08"), 8)).front(), "2014-03-01");
  EXPECT_EQ(Labels(Ticks(T("2014-03-01T08:30Z"), T("2014-03-01T12:00Z"), 8)),
            (std::vector<std::string>{"09:00", "10:00", "11:00", "12:00"}));
}

TEST(TimelineChartTest, TheAxisFitsTheDataOrTheWindowNotNow) {
  ChartRequest request;
  request.now = T("2026-12-01");
  const std::vector<Row> rows = {R("a", "x", "2014-01-01", "2014-06-01"), R("b", "y", "2014-03-01", "2014-12-01")};
  Chart chart = LayoutTimeline(rows, request);
  EXPECT_LE(chart.lo, T("2014-01-01"));
  EXPECT_GT(chart.lo, T("2013-12-01"));
  EXPECT_GE(chart.hi, T("2014-12-01"));
  EXPECT_LT(chart.hi, T("2015-01-15"));
  EXPECT_FALSE(chart.now.has_value());  // 2026 is off the axis
  request.window = Interval{T("2014-02-01"), T("2014-04-01")};
  chart = LayoutTimeline(rows, request);
  EXPECT_EQ(chart.lo, T("2014-02-01"));
  EXPECT_EQ(chart.hi, T("2014-04-01"));
}

TEST(TimelineChartTest, AdjacentBarsNeverShareAColour) {
  // Eleven values over a palette of ten: the eleventh would take the first's colour.
  std::vector<Row> rows;
  const char* days[] = {"2014-01-01", "2014-01-02", "2014-01-03", "2014-01-04", "2014-01-05", "2014-01-06",
                        "2014-01-07", "2014-01-08", "2014-01-09", "2014-01-10", "2014-01-11", "2014-01-12"};
  for (int i = 0; i < 11; ++i) rows.push_back(R("a", std::to_string(i).c_str(), days[i], days[i + 1]));
  rows.push_back(R("b", "0", "2014-01-01", "2014-01-02"));
  rows.push_back(R("b", "10", "2014-01-02", "2014-01-03"));  // same style mod 10 as "0"
  const Chart chart = LayoutTimeline(rows, ChartRequest{});
  ASSERT_EQ(chart.lanes.size(), 2u);
  EXPECT_EQ(chart.legend.size(), 11u);
  for (const ChartLane& lane : chart.lanes) {
    const std::vector<size_t> colours = LaneColours(lane, 10);
    for (size_t i = 1; i < colours.size(); ++i) EXPECT_NE(colours[i], colours[i - 1]) << lane.label << " bar " << i;
  }
}

TEST(TimelineChartTest, KeysPastTheCapAreCounted) {
  std::vector<Row> rows;
  for (char k = 'a'; k <= 'z'; ++k) rows.push_back(R(std::string(1, k).c_str(), "x", "2014", "2015"));
  ChartRequest request;
  request.max_keys = 5;
  const Chart chart = LayoutTimeline(rows, request);
  EXPECT_EQ(chart.lanes.size(), 5u);
  EXPECT_EQ(chart.keys_left_out, 21u);
  const std::string text = DrawChartText(chart, 80);
  EXPECT_TRUE(absl::StrContains(text, "… 21 more keys: add 'limit N' to draw more")) << text;
}

// The shell keeps only the rows of the keys a chart draws and counts the
// rest as they come: the same chart.
TEST(TimelineChartTest, KeysNotGivenAreCountedAsLeftOut) {
  std::vector<Row> rows;
  for (char k = 'a'; k <= 'e'; ++k) rows.push_back(R(std::string(1, k).c_str(), "x", "2014", "2015"));
  ChartRequest request;
  request.max_keys = 5;
  request.keys_not_given = 21;
  const Chart chart = LayoutTimeline(rows, request);
  EXPECT_EQ(chart.lanes.size(), 5u);
  EXPECT_EQ(chart.keys_left_out, 21u);
  request.keys_not_given = 0;
  EXPECT_EQ(LayoutTimeline(rows, request).keys_left_out, 0u);
}

// The worked example of the news: severed, then talks, then restored.
std::vector<HistorySegment> WorkedExample() {
  const FactKey k{"Syria", "diplomatic_relations", "Ukraine"};
  const auto h = [&](const char* v, const char* from, const char* to, const char* tx_from, const char* tx_to,
                     const char* tx, const char* source) {
    return HistorySegment{{k, Value::String(v), {T(from), T(to)}, {T(tx_from), T(tx_to)}}, tx, source};
  };
  return {h("severed", "2022-06-30", "+inf", "2022-07-01", "2024-12-31", "1", "news"),
          h("severed", "2022-06-30", "2024-12-30", "2024-12-31", "+inf", "2", "kyivpost"),
          h("talks", "2024-12-30", "+inf", "2024-12-31", "2025-09-26", "2", "kyivpost"),
          h("talks", "2024-12-30", "2025-09-25", "2025-09-26", "+inf", "3", "caliber.az"),
          h("restored", "2025-09-25", "+inf", "2025-09-26", "+inf", "3", "caliber.az")};
}

TEST(TimelineChartTest, TheBitemporalPictureHasABandPerTransaction) {
  ChartRequest request;
  request.title = "timeline history Syria diplomatic_relations Ukraine";
  const Chart chart = LayoutHistory(WorkedExample(), request);
  ASSERT_EQ(chart.lanes.size(), 3u);
  EXPECT_EQ(chart.lanes[0].heading, "Syria diplomatic_relations Ukraine");
  EXPECT_EQ(chart.lanes[0].label, "tx 1 2022-07-01 news");
  EXPECT_EQ(chart.lanes[1].label, "tx 2 2024-12-31 kyivpost");
  EXPECT_EQ(chart.lanes[2].label, "tx 3 2025-09-26 caliber.az");
  EXPECT_EQ(chart.legend, (std::vector<std::string>{"\"severed\"", "\"talks\"", "\"restored\""}));
  ASSERT_EQ(chart.lanes[2].bars.size(), 3u);
  EXPECT_EQ(chart.lanes[2].bars[1].valid, (Interval{T("2024-12-30"), T("2025-09-25")}));
  const std::string text = DrawChartText(chart, 100);
  const std::vector<std::string> lines = absl::StrSplit(text, '\n');
  ASSERT_GE(lines.size(), 8u) << text;
  EXPECT_EQ(lines[2], "Syria diplomatic_relations Ukraine");
  EXPECT_TRUE(absl::StartsWith(lines[3], "  tx 1 2022-07-01 news ")) << text;
  EXPECT_TRUE(absl::StrContains(lines[3], "[\"severed\"====")) << text;
  EXPECT_TRUE(absl::StrContains(lines[4], "[\"talks\"####")) << text;
  EXPECT_TRUE(absl::StrContains(lines[5], "[\"talks\"##")) << text;
  EXPECT_TRUE(absl::StrContains(lines[5], "[\"resto")) << text;
  EXPECT_TRUE(absl::StrContains(text, "legend:  = \"severed\"  # \"talks\"  % \"restored\"")) << text;
  for (const std::string& line : lines) EXPECT_LE(DisplayWidth(line), 100u) << line;
}

TEST(TimelineChartTest, ARetractionOfEverythingIsAnEmptyBand) {
  const FactKey k{"a", "p", "o"};
  const std::vector<HistorySegment> rows = {
      {{k, Value::String("x"), {T("2020"), T("+inf")}, {T("2021"), T("2022")}}, "1", "first"}};
  const Chart chart = LayoutHistory(rows, ChartRequest{});
  ASSERT_EQ(chart.lanes.size(), 2u);
  EXPECT_EQ(chart.lanes[0].heading, "a p o");
  EXPECT_EQ(chart.lanes[0].bars.size(), 1u);
  EXPECT_EQ(chart.lanes[1].heading, "");
  EXPECT_EQ(chart.lanes[1].label, "2022-01-01: nothing believed");
  EXPECT_TRUE(chart.lanes[1].bars.empty());
}

TEST(TimelineChartTest, LabelsAreCutToTheirBar) {
  const std::vector<Row> rows = {R("a", "a rather long value that cannot fit", "2014-01-01", "2014-04-01"),
                                 R("a", "short", "2014-04-01", "2014-12-01")};
  const Chart chart = LayoutTimeline(rows, ChartRequest{});
  const std::string text = DrawChartText(chart, 80);
  EXPECT_TRUE(absl::StrContains(text, "[\"a rather")) << text;
  EXPECT_TRUE(absl::StrContains(text, "…=")) << text;
  EXPECT_FALSE(absl::StrContains(text, "cannot")) << text;
  const SvgPicture svg = DrawChartSvg(chart);
  EXPECT_FALSE(absl::StrContains(svg.document, ">\"a rather long value that cannot fit\"</text>")) << svg.document;
  EXPECT_TRUE(absl::StrContains(svg.document, "<title>&quot;a rather long value that cannot fit&quot;")) << svg.document;
}

}  // namespace
}  // namespace hindsight::tools
