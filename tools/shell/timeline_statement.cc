#include "shell/timeline_statement.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "shell/timeline_chart.h"

namespace hindsight::tools {
namespace {

Row RowOf(const std::vector<internal::Cell>& cells) {
  return {{cells[0].text, cells[1].text, cells[2].text}, cells[3].value, {cells[4].instant, cells[5].instant}};
}

// History's columns: the row's eight, then tx and source.
HistorySegment HistorySegmentOf(const std::vector<internal::Cell>& cells) {
  const Row r = RowOf(cells);
  return {{r.key, r.value, r.valid, {cells[6].instant, cells[7].instant}}, cells[8].text, cells[9].text};
}

// The statement as the picture's title: one line, without its ';' or its
// `svg FILE`, saying "as of now" when it gives no "as of".
std::string Title(const internal::Statement& st, const std::string& text) {
  std::string title;
  for (const char c : text) title.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
  absl::string_view t = title;
  if (st.svg_column > 0) t = t.substr(0, st.svg_column - 1);
  t = absl::StripAsciiWhitespace(t);
  absl::ConsumeSuffix(&t, ";");
  t = absl::StripAsciiWhitespace(t);
  const bool latest = !st.timeline_history && st.query.as_of.kind == TxTimeClause::Kind::kLatest;
  return absl::StrCat(t, latest ? " (as of now)" : "");
}

}  // namespace

size_t TimelineKeysDrawn(const internal::Statement& st) {
  if (st.limit) return static_cast<size_t>(*st.limit);
  return st.svg_path.empty() ? kTerminalTimelineKeys : kSvgTimelineKeys;
}

void TimelineRows::Add(std::vector<internal::Cell>&& row) {
  const bool same_key = keys_ > 0 && row[0].text == last_key_[0].text && row[1].text == last_key_[1].text &&
                        row[2].text == last_key_[2].text;
  if (!same_key) {
    ++keys_;
    last_key_.assign(row.begin(), row.begin() + 3);
  }
  if (keys_ <= max_keys_) rows_.push_back(std::move(row));
}

absl::StatusOr<std::string> TimelineOutput(const internal::Statement& st, const std::string& text,
                                           const TimelineRows& answer, Instant now, size_t width) {
  const bool svg = !st.svg_path.empty();
  ChartRequest request;
  request.title = Title(st, text);
  if (st.query.valid.kind == ValidTimeClause::Kind::kDuring) request.window = st.query.valid.during;
  request.max_keys = TimelineKeysDrawn(st);
  request.keys_not_given = answer.keys_left_out();
  request.max_ticks = svg ? 10 : std::max<size_t>(2, width / 14);
  request.now = now;
  Chart chart;
  if (st.timeline_history) {
    std::vector<HistorySegment> rows;
    for (const auto& cells : answer.rows()) rows.push_back(HistorySegmentOf(cells));
    chart = LayoutHistory(rows, request);
  } else {
    std::vector<Row> rows;
    for (const auto& cells : answer.rows()) rows.push_back(RowOf(cells));
    chart = LayoutTimeline(rows, request);
  }
  if (!svg) return DrawChartText(chart, width);
  const SvgPicture picture = DrawChartSvg(chart);
  std::ofstream file(st.svg_path, std::ios::binary);
  file << picture.document;
  file.close();
  if (!file) return absl::UnavailableError(absl::StrCat("cannot write ", st.svg_path, ": ", std::strerror(errno)));
  std::string out = absl::StrCat("wrote ", st.svg_path, " (", chart.subtitle.substr(chart.subtitle.find("; ") + 2),
                                 ", ", picture.width, "x", picture.height, " px)\n");
  if (chart.keys_left_out > 0) {
    absl::StrAppend(&out, "(", chart.keys_left_out, " more keys not drawn: add 'limit N' to draw more)\n");
  }
  if (picture.height > kTallSvgPixels) {
    absl::StrAppend(&out, "warning: the picture is ", picture.height,
                    " pixels tall; a smaller 'limit' or a narrower pattern draws fewer keys\n");
  }
  return out;
}

}  // namespace hindsight::tools
