#include "shell/timeline_chart.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "format/tsv.h"

namespace hindsight::tools {
namespace {

// The finite range the axis shows: every finite bound and now, padded.
struct Axis {
  Instant lo, hi;
  double Fraction(Instant t) const {
    if (t == kNegInf) return 0;
    if (t == kPosInf) return 1;
    return std::clamp(static_cast<double>(t - lo) / static_cast<double>(hi - lo), 0.0, 1.0);
  }
};

Axis MakeAxis(const std::vector<Row>& rows, Instant now) {
  Instant lo = now, hi = now;
  for (const Row& r : rows) {
    for (Instant t : {r.valid.from, r.valid.to}) {
      if (t == kNegInf || t == kPosInf) continue;
      lo = std::min(lo, t);
      hi = std::max(hi, t);
    }
  }
  // Whole years, so the axis labels read as years.
  const auto year_start = [](Instant t, int add) {
    const std::string y = FormatInstant(t).substr(0, 4);
    return *ParseInstant(absl::StrFormat("%04d", std::clamp(std::stoi(y) + add, 1, 9999)));
  };
  return {year_start(lo, 0), year_start(hi, 1)};
}

std::string Label(const Value& v) { return v.is_none() ? "holds" : FormatValue(v); }

std::string KeyLabel(const FactKey& k) {
  return absl::StrCat(internal::EscapeField(k.subject), " ", internal::EscapeField(k.predicate), " ",
                      internal::EscapeField(k.object));
}

// Code points of `s`, for fitting labels into cells.
std::vector<std::string> Glyphs(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t n = 1;
    while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

std::string XmlEscape(const std::string& s) {
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

std::map<FactKey, std::vector<const Row*>> ByKey(const std::vector<Row>& rows) {
  std::map<FactKey, std::vector<const Row*>> keys;
  for (const Row& r : rows) keys[r.key].push_back(&r);
  return keys;
}

}  // namespace

std::string DrawTimelineText(const std::vector<Row>& rows, Instant now, int width) {
  if (rows.empty()) return "(no segments)\n";
  const Axis axis = MakeAxis(rows, now);
  const auto col = [&](Instant t) { return static_cast<int>(axis.Fraction(t) * (width - 1) + 0.5); };
  const auto keys = ByKey(rows);
  size_t label_width = 0;
  for (const auto& [key, segs] : keys) label_width = std::max(label_width, Glyphs(KeyLabel(key)).size());
  label_width = std::min<size_t>(label_width, 48);
  const int now_col = col(now);

  std::string out;
  std::string marker(label_width + 1 + now_col, ' ');
  absl::StrAppend(&out, marker, "v now (", FormatInstant(now).substr(0, 10), ")\n");
  for (const auto& [key, segs] : keys) {
    std::vector<std::string> line(width, " ");
    line[now_col] = "|";
    for (const Row* r : segs) {
      const int a = col(r->valid.from);
      const int b = r->valid.to == kPosInf ? width : std::max(a + 1, col(r->valid.to));
      for (int i = a; i < b && i < width; ++i) line[i] = "=";
      line[a] = r->valid.from == kNegInf ? "<" : "[";
      if (r->valid.to == kPosInf) line[std::min(b, width) - 1] = ">";
      const std::vector<std::string> label = Glyphs(Label(r->value));
      if (static_cast<int>(label.size()) + 2 <= b - a) {
        for (size_t i = 0; i < label.size(); ++i) line[a + 1 + i] = label[i];
      }
    }
    if (line[now_col] == "=") line[now_col] = "|";
    std::vector<std::string> name = Glyphs(KeyLabel(key));
    if (name.size() > label_width) {
      name.resize(label_width - 1);
      name.push_back("…");
    }
    for (const std::string& g : name) out += g;
    out.append(label_width - name.size() + 1, ' ');
    for (const std::string& g : line) out += g;
    out.push_back('\n');
  }
  const std::string lo = FormatInstant(axis.lo).substr(0, 4), hi = FormatInstant(axis.hi).substr(0, 4);
  absl::StrAppend(&out, std::string(label_width + 1, ' '), lo,
                  std::string(std::max<int>(1, width - static_cast<int>(lo.size() + hi.size())), ' '), hi, "\n");
  return out;
}

std::string DrawTimelineSvg(const std::vector<Row>& rows, Instant now) {
  const auto keys = ByKey(rows);
  const Axis axis = MakeAxis(rows.empty() ? std::vector<Row>{} : rows, now);
  constexpr int kLeft = 320, kBars = 640, kRow = 34, kTop = 40;
  const int height = kTop + kRow * static_cast<int>(keys.size()) + 50;
  const auto x = [&](Instant t) { return kLeft + axis.Fraction(t) * kBars; };
  static const char* const kColors[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                                        "#edc948", "#b07aa1", "#ff9da7", "#9c755f"};
  std::string out = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
      "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">Valid time</text>\n",
      kLeft + kBars + 40, height);
  int row = 0;
  for (const auto& [key, segs] : keys) {
    const int y = kTop + row * kRow;
    absl::StrAppendFormat(&out, "<text x=\"10\" y=\"%d\">%s</text>\n", y + 20, XmlEscape(KeyLabel(key)));
    for (const Row* r : segs) {
      const double a = x(r->valid.from), b = std::max(x(r->valid.to), a + 2);
      const std::string label = Label(r->value);
      const char* color = kColors[std::hash<std::string>{}(label) % 9];
      absl::StrAppendFormat(&out,
                            "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" rx=\"3\" fill=\"%s\" "
                            "stroke=\"white\"><title>%s [%s, %s)</title></rect>\n",
                            a, y + 4, b - a, kRow - 8, color, XmlEscape(label), FormatInstantShort(r->valid.from),
                            FormatInstantShort(r->valid.to));
      if (b - a > 7.0 * static_cast<double>(label.size())) {
        absl::StrAppendFormat(&out, "<text x=\"%.1f\" y=\"%d\" fill=\"white\">%s</text>\n", a + 4, y + 21,
                              XmlEscape(label));
      }
    }
    ++row;
  }
  const int axis_y = kTop + row * kRow + 10;
  absl::StrAppendFormat(&out,
                        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n"
                        "<text x=\"%d\" y=\"%d\">%s</text>\n<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
                        kLeft, axis_y, kLeft + kBars, axis_y, kLeft, axis_y + 16, FormatInstant(axis.lo).substr(0, 4),
                        kLeft + kBars, axis_y + 16, FormatInstant(axis.hi).substr(0, 4));
  absl::StrAppendFormat(&out,
                        "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d62728\" "
                        "stroke-dasharray=\"4 3\"/>\n<text x=\"%.1f\" y=\"%d\" fill=\"#d62728\" "
                        "text-anchor=\"middle\">now</text>\n</svg>\n",
                        x(now), kTop - 4, x(now), axis_y, x(now), kTop - 8);
  return out;
}

}  // namespace hindsight::tools
