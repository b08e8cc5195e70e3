#include "shell/timeline_layout.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "terminal_text.h"
#include "time/civil.h"
#include "util/plural.h"

namespace hindsight::tools {
namespace {

using internal::kMicrosPerDay;

constexpr Instant kHour = 3600 * internal::kMicrosPerSecond;
constexpr Instant kYear = 365 * kMicrosPerDay;

std::string KeyLabel(const FactKey& k) {
  return absl::StrCat(ShownName(k.subject), " ", ShownName(k.predicate), " ", ShownName(k.object));
}

// Value labels to legend entries, in the order they first appear.
class Legend {
 public:
  size_t StyleOf(const Value& v) {
    const std::string label = ValueLabel(v);
    auto [it, added] = styles_.try_emplace(label, entries_.size());
    if (added) entries_.push_back(label);
    return it->second;
  }
  std::vector<std::string> Take() { return std::move(entries_); }

 private:
  std::map<std::string, size_t> styles_;
  std::vector<std::string> entries_;
};

// The axis: the window where it is given, else the finite bounds of the
// bars, padded a little; never stretched to now.
void SetAxis(const ChartRequest& request, Chart* chart) {
  Instant lo = kPosInf, hi = kNegInf;
  bool open_before = false, open_after = false;  // some bar starts at -inf, ends at +inf
  for (const ChartLane& lane : chart->lanes) {
    for (const ChartBar& bar : lane.bars) {
      open_before |= bar.valid.from == kNegInf;
      open_after |= bar.valid.to == kPosInf;
      for (Instant t : {bar.valid.from, bar.valid.to}) {
        if (t == kNegInf || t == kPosInf) continue;
        lo = std::min(lo, t);
        hi = std::max(hi, t);
      }
    }
  }
  if (lo > hi) lo = hi = request.now;  // only unbounded segments
  if (lo == hi) hi = lo + kYear;
  // A little room at each end; more where bars go on for ever, so that
  // one starting at the last bound still shows.
  const Instant pad = (hi - lo) / 40, open_pad = (hi - lo) / 6;
  lo -= open_before ? open_pad : pad;
  hi += open_after ? open_pad : pad;
  if (request.window && request.window->from != kNegInf) lo = request.window->from;
  if (request.window && request.window->to != kPosInf) hi = request.window->to;
  if (lo >= hi) hi = lo + kMicrosPerDay;
  lo = std::max<Instant>(lo, internal::kMinLiteral);
  hi = std::min<Instant>(hi, internal::kEndLiteral - 1);
  chart->lo = lo;
  chart->hi = hi;
  chart->ticks = Ticks(lo, hi, request.max_ticks);
  if (lo <= request.now && request.now <= hi) chart->now = request.now;
}

// What is left once the lanes are laid out: the keys left out (of `keys`
// in the rows given and those not given), the legend, the subtitle
// (`axes`; the keys drawn and `drawn`), the axis.
void Finish(const ChartRequest& request, size_t keys, const char* axes, const std::string& drawn, Legend* legend,
            Chart* chart) {
  keys += request.keys_not_given;
  chart->keys_left_out = keys > request.max_keys ? keys - request.max_keys : 0;
  chart->legend = legend->Take();
  chart->subtitle = absl::StrCat(axes, "; ", internal::Plural(std::min(keys, request.max_keys), "key"), ", ", drawn);
  SetAxis(request, chart);
}

int64_t DayOf(Instant t) { return (t >= 0 ? t : t - kMicrosPerDay + 1) / kMicrosPerDay; }

}  // namespace

std::string ValueLabel(const Value& v) { return v.is_none() ? "holds" : FormatValue(v); }

std::vector<ChartTick> Ticks(Instant lo, Instant hi, size_t max_ticks) {
  const Instant span = hi - lo;
  std::vector<ChartTick> ticks;
  // Years and months follow the calendar; days and hours are uniform.
  for (int64_t years : {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000}) {
    if (span / (years * kYear) > static_cast<Instant>(max_ticks)) continue;
    if (span < 2 * kYear && years == 1) break;  // months read better
    const internal::CivilDate first = internal::CivilFromDays(DayOf(lo));
    for (int64_t y = (first.year / years) * years; y <= 9999; y += years) {
      const Instant at = internal::DaysFromCivil(y, 1, 1) * kMicrosPerDay;
      if (at > hi) break;
      if (at >= lo) ticks.push_back({at, absl::StrFormat("%04d", y)});
    }
    return ticks;
  }
  for (int months : {1, 2, 3, 6}) {
    if (span / (months * 30 * kMicrosPerDay) > static_cast<Instant>(max_ticks)) continue;
    if (span < 60 * kMicrosPerDay && months == 1) break;  // days read better
    const internal::CivilDate first = internal::CivilFromDays(DayOf(lo));
    for (int64_t m = first.year * 12 + first.month - 1; m / 12 <= 9999; ++m) {
      if (m % months != 0) continue;
      const Instant at = internal::DaysFromCivil(m / 12, static_cast<int>(m % 12) + 1, 1) * kMicrosPerDay;
      if (at > hi) break;
      if (at >= lo) ticks.push_back({at, absl::StrFormat("%04d-%02d", m / 12, m % 12 + 1)});
    }
    return ticks;
  }
  for (Instant step : {kMicrosPerDay, 2 * kMicrosPerDay, 7 * kMicrosPerDay, 14 * kMicrosPerDay}) {
    if (span < 2 * kMicrosPerDay) break;  // hours read better
    if (span / step > static_cast<Instant>(max_ticks) && step != 14 * kMicrosPerDay) continue;
    for (Instant at = DayOf(lo) * kMicrosPerDay; at <= hi; at += step) {
      if (at < lo) continue;
      const internal::CivilDate d = internal::CivilFromDays(DayOf(at));
      ticks.push_back({at, absl::StrFormat("%04d-%02d-%02d", d.year, d.month, d.day)});
    }
    return ticks;
  }
  for (Instant step : {kHour, 2 * kHour, 3 * kHour, 6 * kHour, 12 * kHour}) {
    if (span / step > static_cast<Instant>(max_ticks) && step != 12 * kHour) continue;
    for (Instant at = (lo / kHour) * kHour; at <= hi; at += step) {
      if (at < lo) continue;
      const Instant in_day = at - DayOf(at) * kMicrosPerDay;
      ticks.push_back({at, absl::StrFormat("%02d:00", in_day / kHour)});
    }
    break;
  }
  return ticks;
}

std::vector<size_t> LaneColours(const ChartLane& lane, size_t palette) {
  std::vector<size_t> colours;
  for (size_t i = 0; i < lane.bars.size(); ++i) {
    size_t c = lane.bars[i].style % palette;
    if (i > 0 && lane.bars[i - 1].valid.to == lane.bars[i].valid.from && colours.back() == c) c = (c + 1) % palette;
    colours.push_back(c);
  }
  return colours;
}

Chart LayoutTimeline(const std::vector<Row>& rows, const ChartRequest& request) {
  Chart chart;
  chart.title = request.title;
  Legend legend;
  size_t keys = 0, bars = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i == 0 || !(rows[i].key == rows[i - 1].key)) {
      if (++keys > request.max_keys) continue;
      chart.lanes.push_back({"", KeyLabel(rows[i].key), {}});
    }
    if (keys > request.max_keys) continue;
    chart.lanes.back().bars.push_back({rows[i].valid, legend.StyleOf(rows[i].value)});
    ++bars;
  }
  Finish(request, keys, "valid time across", internal::Plural(bars, "segment"), &legend, &chart);
  return chart;
}

Chart LayoutHistory(const std::vector<HistorySegment>& rows, const ChartRequest& request) {
  Chart chart;
  chart.title = request.title;
  Legend legend;
  size_t keys = 0, bands = 0;
  for (size_t begin = 0; begin < rows.size();) {
    size_t end = begin;
    while (end < rows.size() && rows[end].row.key == rows[begin].row.key) ++end;
    if (++keys > request.max_keys) {
      begin = end;
      continue;
    }
    const size_t lane_count_before = chart.lanes.size();
    // A band begins at each transaction that changed this key; its bars are
    // the rows believed then. A transaction that ended rows without
    // starting any (a retraction of everything) begins an empty band; the
    // history rows name only the transactions that start rows.
    std::map<Instant, const HistorySegment*> starts;
    for (size_t i = begin; i < end; ++i) starts[rows[i].row.tx.from] = &rows[i];
    for (size_t i = begin; i < end; ++i) {
      if (rows[i].row.tx.to != kPosInf) starts.try_emplace(rows[i].row.tx.to, nullptr);
    }
    for (const auto& [at, segment] : starts) {
      ChartLane lane;
      if (chart.lanes.size() == lane_count_before) lane.heading = KeyLabel(rows[begin].row.key);
      lane.label = segment == nullptr ? absl::StrCat(FormatInstantShort(at), ": nothing believed")
                                      : absl::StrCat("tx ", segment->tx, " ", FormatInstantShort(at),
                                                     segment->source.empty() ? "" : " ",
                                                     ShownName(segment->source));
      for (size_t i = begin; i < end; ++i) {
        const HistoryRow& h = rows[i].row;
        if (h.tx.from <= at && at < h.tx.to) lane.bars.push_back({h.valid, legend.StyleOf(h.value)});
      }
      std::sort(lane.bars.begin(), lane.bars.end(),
                [](const ChartBar& a, const ChartBar& b) { return a.valid.from < b.valid.from; });
      chart.lanes.push_back(std::move(lane));
      ++bands;
    }
    begin = end;
  }
  Finish(request, keys, "valid time across, transaction time down", internal::Plural(bands, "band"), &legend, &chart);
  return chart;
}

}  // namespace hindsight::tools
