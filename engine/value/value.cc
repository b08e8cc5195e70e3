#include "hindsight/value.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "hindsight/fact.h"
#include "util/utf8.h"

namespace hindsight {
namespace {

absl::Status Invalid(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid value '", internal::Excerpt(text), "': ", std::string(why)));
}

bool ReadHex4(std::string_view s, size_t pos, uint32_t* out) {
  if (pos + 4 > s.size()) return false;
  uint32_t v = 0;
  for (size_t i = pos; i < pos + 4; ++i) {
    const char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= c - '0';
    else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
    else return false;
  }
  *out = v;
  return true;
}

// Parses a whole JSON string literal (text starts and ends with '"').
absl::StatusOr<Value> ParseJsonString(std::string_view text) {
  if (text.size() < 2 || text.back() != '"') return Invalid(text, "unterminated string");
  std::string out;
  out.reserve(text.size() - 2);
  const size_t end = text.size() - 1;
  for (size_t i = 1; i < end; ++i) {
    const unsigned char c = text[i];
    if (c == '"') return Invalid(text, "unescaped '\"' inside a string");
    if (c < 0x20) return Invalid(text, "raw control character in a string");
    if (c != '\\') {
      out.push_back(static_cast<char>(c));
      continue;
    }
    if (++i >= end) return Invalid(text, "unterminated escape");
    switch (text[i]) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        uint32_t cp = 0;
        if (i + 4 >= end || !ReadHex4(text, i + 1, &cp)) return Invalid(text, "\\u needs 4 hex digits");
        i += 4;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return Invalid(text, "lone low surrogate");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t lo = 0;
          if (i + 6 >= end || text[i + 1] != '\\' || text[i + 2] != 'u' ||
              !ReadHex4(text, i + 3, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
            return Invalid(text, "lone high surrogate");
          }
          i += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        internal::AppendUtf8(static_cast<char32_t>(cp), &out);
        break;
      }
      default:
        return Invalid(text, "unknown escape");
    }
  }
  if (!IsValidUtf8(out)) return Invalid(text, "not valid UTF-8");
  return Value::String(std::move(out));
}

// Parses a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
absl::StatusOr<Value> ParseJsonNumber(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  auto digits = [&]() {
    const size_t start = i;
    while (i < n && text[i] >= '0' && text[i] <= '9') ++i;
    return i - start;
  };
  if (i < n && text[i] == '-') ++i;
  const size_t int_start = i;
  const size_t int_digits = digits();
  if (int_digits == 0) return Invalid(text, "not a JSON value");
  if (int_digits > 1 && text[int_start] == '0') return Invalid(text, "leading zero");
  bool is_double = false;
  if (i < n && text[i] == '.') {
    ++i;
    if (digits() == 0) return Invalid(text, "a fraction needs digits");
    is_double = true;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) return Invalid(text, "an exponent needs digits");
    is_double = true;
  }
  if (i != n) return Invalid(text, "not a JSON value");
  if (!is_double) {
    int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + n, v);
    if (ec != std::errc() || ptr != text.data() + n) return Invalid(text, "integer out of int64 range");
    return Value::Int64(v);
  }
  const std::string copy(text);
  errno = 0;
  char* end = nullptr;
  const double d = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || std::isinf(d)) return Invalid(text, "number out of double range");
  return Value::Double(d);
}

}  // namespace

absl::StatusOr<Value> ParseValue(std::string_view text) {
  if (text.empty()) return Value::None();
  if (text == "true") return Value::Bool(true);
  if (text == "false") return Value::Bool(false);
  if (text == "null") return Invalid(text, "JSON null is not a value (an empty field means none)");
  if (text.front() == '"') return ParseJsonString(text);
  return ParseJsonNumber(text);
}

std::string FormatDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  // Shortest round-trip digits in scientific form: [-]D[.DDD]e[+-]XX.
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, res.ptr - buf);
  std::string out;
  if (sci.front() == '-') {
    out.push_back('-');
    sci.remove_prefix(1);
  }
  const size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exp10 = 0;
  std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exp10);
  // Python repr: value = 0.DIGITS * 10^decpt; fixed notation when
  // -4 < decpt <= 16, else scientific with a signed two-digit exponent.
  const int decpt = exp10 + 1;
  const int nd = static_cast<int>(digits.size());
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0.";
      out.append(-decpt, '0');
      out += digits;
    } else if (decpt >= nd) {
      out += digits;
      out.append(decpt - nd, '0');
      out += ".0";
    } else {
      out += digits.substr(0, decpt);
      out += '.';
      out += digits.substr(decpt);
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (nd > 1) {
    out += '.';
    out += digits.substr(1);
  }
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
  out += exp_buf;
  return out;
}

namespace {

// Appends `s` as a JSON string: quoted, escaping only `"`, `\` and
// control characters. The runs between escapes are appended whole.
void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  size_t run = 0;  // where the run of characters not yet appended starts
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default: {
        char esc[8];
        std::snprintf(esc, sizeof esc, "\\u%04x", c);
        out->append(esc);
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

}  // namespace

void AppendValue(const Value& value, std::string* out) {
  switch (value.type()) {
    case Value::Type::kNone:
      return;
    case Value::Type::kBool:
      out->append(value.bool_value() ? "true" : "false");
      return;
    case Value::Type::kInt64:
      absl::StrAppend(out, value.int64_value());
      return;
    case Value::Type::kDouble:
      out->append(FormatDouble(value.double_value()));
      return;
    case Value::Type::kString:
      AppendJsonString(value.string_value(), out);
      return;
  }
}

std::string FormatValue(const Value& value) {
  std::string out;
  AppendValue(value, &out);
  return out;
}

bool operator==(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Value::Type::kNone: return true;
    case Value::Type::kString: return a.string_value() == b.string_value();
    case Value::Type::kInt64: return a.int64_value() == b.int64_value();
    case Value::Type::kBool: return a.bool_value() == b.bool_value();
    case Value::Type::kDouble: {
      // Same canonical text: bitwise equality is exactly that for finite
      // doubles (it separates -0.0 from 0.0).
      const double x = a.double_value(), y = b.double_value();
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
  }
  return false;
}

}  // namespace hindsight
