#include "server/pg_types.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "hindsight/value.h"
#include "time/civil.h"
#include "time/postgres_time.h"

namespace hindsight::server {
namespace {

// Microseconds from 1970-01-01 to PostgreSQL's epoch, 2000-01-01.
constexpr int64_t kPostgresEpochMicros = 946'684'800'000'000;

std::string BigEndian(uint64_t v, int bytes) {
  std::string out(static_cast<size_t>(bytes), '\0');
  for (int i = bytes - 1; i >= 0; --i, v >>= 8) out[static_cast<size_t>(i)] = static_cast<char>(v & 0xFF);
  return out;
}

uint64_t FromBigEndian(std::string_view s) {
  uint64_t v = 0;
  for (const char c : s) v = v << 8 | static_cast<unsigned char>(c);
  return v;
}

// PostgreSQL's binary numeric (a count of base-10000 digits, the weight of
// the first, a sign, the decimal places shown, then the digits) as decimal
// text; nullopt if malformed, NaN or infinite.
std::optional<std::string> NumericText(const std::string& bytes) {
  if (bytes.size() < 8) return std::nullopt;
  const auto word = [&](size_t i) {
    return static_cast<uint16_t>(FromBigEndian(std::string_view(bytes).substr(2 * i, 2)));
  };
  const size_t ndigits = word(0);
  const int weight = static_cast<int16_t>(word(1));
  const uint16_t sign = word(2);
  const int dscale = word(3);
  if (bytes.size() != 8 + 2 * ndigits || (sign != 0 && sign != 0x4000) || dscale > 1000) return std::nullopt;
  // Digit group g (0 = the units group) is word(4 + weight - g), when present.
  const auto group = [&](int g) -> int {
    const int at = weight - g;
    return at >= 0 && static_cast<size_t>(at) < ndigits ? word(4 + static_cast<size_t>(at)) : 0;
  };
  std::string whole;
  for (int g = weight; g >= 0; --g) whole += absl::StrFormat("%04d", group(g));
  const size_t first = whole.find_first_not_of('0');
  std::string text = absl::StrCat(sign == 0x4000 ? "-" : "", first == std::string::npos ? "0" : whole.substr(first));
  if (dscale > 0) {
    std::string fraction;
    for (int g = -1; static_cast<int>(fraction.size()) < dscale; --g) fraction += absl::StrFormat("%04d", group(g));
    absl::StrAppend(&text, ".", fraction.substr(0, static_cast<size_t>(dscale)));
  }
  return text;
}

}  // namespace

uint32_t ColumnType(const std::string& column) {
  if (column == "count" || column == "tx" || column == "operations" || column == "keys" || column == "segments" ||
      column == "?column?" || column == "pid" || column == "pg_backend_pid") {
    return kInt8Oid;
  }
  if (column == "pg_cancel_backend" || column == "pg_terminate_backend" || column == "pg_is_in_recovery") {
    return kBoolOid;
  }
  if (column == "value") return kJsonOid;
  if (column == "from" || column == "to" || column == "tx_from" || column == "tx_to" || column == "since" ||
      column == "until" || column == "time" || column == "backend_start" || column == "state_change" ||
      column == "query_start") {
    return kTimestamptzOid;
  }
  return kTextOid;
}

absl::StatusOr<std::vector<ColumnDescription>> DescribeColumns(const std::vector<std::string>& columns,
                                                               const std::vector<int16_t>& formats,
                                                               const std::vector<uint32_t>& types) {
  if (formats.size() > 1 && formats.size() != columns.size()) {
    return absl::InvalidArgumentError(absl::StrCat("bind message has ", formats.size(),
                                                   " result formats but query has ", columns.size(), " columns"));
  }
  std::vector<ColumnDescription> out;
  out.reserve(columns.size());
  for (size_t i = 0; i < columns.size(); ++i) {
    const int16_t format = formats.empty() ? 0 : formats.size() == 1 ? formats[0] : formats[i];
    if (format != 0 && format != 1) return absl::InvalidArgumentError(absl::StrCat("invalid result format ", format));
    const uint32_t oid = types.empty() ? ColumnType(columns[i]) : types[i];
    int16_t size = -1;
    switch (oid) {
      case kBoolOid: size = 1; break;
      case kInt2Oid: size = 2; break;
      case kInt4Oid: case kDateOid: case kVoidOid: size = 4; break;
      case kInt8Oid: case kFloat8Oid: case kTimestamptzOid: size = 8; break;
      case kNameOid: size = 64; break;
      default: break;
    }
    out.push_back({columns[i], oid, size, format});
  }
  return out;
}

absl::StatusOr<std::shared_ptr<const DescribedColumns>> DescribeResult(const std::vector<std::string>& columns,
                                                                       const std::vector<int16_t>& formats,
                                                                       const std::vector<uint32_t>& types) {
  absl::StatusOr<std::vector<ColumnDescription>> described = DescribeColumns(columns, formats, types);
  if (!described.ok()) return described.status();
  auto result = std::make_shared<DescribedColumns>();
  result->columns = *std::move(described);
  AppendRowDescription(result->columns, &result->row_description);
  return result;
}

namespace {

// Writes `v` as `width` decimal digits at `at` (v >= 0 and below
// 10^width); returns the end.
char* PutDigits(int64_t v, int width, char* at) {
  for (int i = width - 1; i >= 0; --i, v /= 10) at[i] = static_cast<char>('0' + v % 10);
  return at + width;
}

}  // namespace

void AppendTimestamptzText(Instant t, std::string* out) {
  if (t == kNegInf) return out->append("-infinity"), void();
  if (t == kPosInf) return out->append("infinity"), void();
  const int64_t day = (t >= 0 ? t : t - internal::kMicrosPerDay + 1) / internal::kMicrosPerDay;
  const int64_t in_day = t - day * internal::kMicrosPerDay;
  const internal::CivilDate d = internal::CivilFromDays(day);
  const int64_t seconds = in_day / internal::kMicrosPerSecond;
  // Written into `text`, then appended at once: "YYYY-MM-DD HH:MM:SS.ffffff+00".
  char text[32];
  char* at = text;
  if (d.year < 0 || d.year > 9999) {
    out->append(absl::StrFormat("%04d", d.year));
  } else {
    at = PutDigits(d.year, 4, at);
  }
  *at++ = '-';
  at = PutDigits(d.month, 2, at);
  *at++ = '-';
  at = PutDigits(d.day, 2, at);
  *at++ = ' ';
  at = PutDigits(seconds / 3600, 2, at);
  *at++ = ':';
  at = PutDigits(seconds / 60 % 60, 2, at);
  *at++ = ':';
  at = PutDigits(seconds % 60, 2, at);
  if (int64_t micros = in_day % internal::kMicrosPerSecond; micros != 0) {
    int width = 6;
    while (micros % 10 == 0) micros /= 10, --width;
    *at++ = '.';
    at = PutDigits(micros, width, at);
  }
  *at++ = '+';
  *at++ = '0';
  *at++ = '0';
  out->append(text, static_cast<size_t>(at - text));
}

namespace {

// A value's field: its text (JSON), or false for NULL (a value of none).
bool AppendValueField(const Value& value, std::string* out) {
  if (value.is_none()) return false;
  AppendValue(value, out);
  return true;
}

void AppendInstantField(Instant t, const ColumnDescription& column, std::string* out) {
  if (column.format != 1) return AppendTimestamptzText(t, out);
  const int64_t pg = t == kNegInf || t == kPosInf ? t : t - kPostgresEpochMicros;
  out->append(BigEndian(static_cast<uint64_t>(pg), 8));
}

// A numeric's text (digits, an optional '-' and '.', at most 1000 bytes;
// NaN, Infinity, -Infinity) in PostgreSQL's binary form: a count of base-10000 digits, the
// weight of the first, a sign, the decimal places, then the digits.
void AppendNumericBinary(std::string_view text, std::string* out) {
  const auto header = [&](size_t ndigits, int weight, uint16_t sign, int dscale) {
    out->append(BigEndian(ndigits, 2));
    out->append(BigEndian(static_cast<uint16_t>(weight), 2));
    out->append(BigEndian(sign, 2));
    out->append(BigEndian(static_cast<uint64_t>(dscale), 2));
  };
  if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
    return header(0, 0, text == "NaN" ? 0xC000 : text == "Infinity" ? 0xD000 : 0xF000, 0);
  }
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  const size_t point = text.find('.');
  std::string whole(text.substr(0, point));
  std::string fraction(point == std::string_view::npos ? "" : text.substr(point + 1));
  const int dscale = static_cast<int>(fraction.size());
  whole.insert(0, (4 - whole.size() % 4) % 4, '0');  // whole groups of four digits each side of the point
  fraction.append((4 - fraction.size() % 4) % 4, '0');
  std::vector<uint16_t> groups;
  const auto group = [](std::string_view four) {
    uint16_t g = 0;
    for (const char c : four) g = static_cast<uint16_t>(g * 10 + (c - '0'));
    return g;
  };
  for (size_t i = 0; i < whole.size(); i += 4) groups.push_back(group(std::string_view(whole).substr(i, 4)));
  for (size_t i = 0; i < fraction.size(); i += 4) groups.push_back(group(std::string_view(fraction).substr(i, 4)));
  int weight = static_cast<int>(whole.size() / 4) - 1;
  size_t first = 0;
  while (first < groups.size() && groups[first] == 0) ++first, --weight;
  size_t end = groups.size();
  while (end > first && groups[end - 1] == 0) --end;
  if (first == end) return header(0, 0, 0, dscale);
  header(end - first, weight, negative ? 0x4000 : 0, dscale);
  for (size_t i = first; i < end; ++i) out->append(BigEndian(groups[i], 2));
}

// A text cell of type `oid` in its binary form; false, having appended
// nothing, for a type sent as its text or text that does not read as it.
bool AppendBinaryText(const std::string& text, uint32_t oid, std::string* out) {
  int64_t n = 0;
  double d = 0;
  switch (oid) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
      if (!absl::SimpleAtoi(text, &n)) return false;
      out->append(BigEndian(static_cast<uint64_t>(n), oid == kInt2Oid ? 2 : oid == kInt4Oid ? 4 : 8));
      return true;
    case kBoolOid:
      out->push_back(text == "t" ? '\1' : '\0');
      return true;
    case kFloat8Oid: {
      if (!absl::SimpleAtod(text, &d)) return false;
      uint64_t raw;
      std::memcpy(&raw, &d, sizeof raw);
      out->append(BigEndian(raw, 8));
      return true;
    }
    case kNumericOid:
      AppendNumericBinary(text, out);
      return true;
    case kVoidOid:
      return true;
    case kDateOid:
    case kTimestamptzOid: {
      absl::StatusOr<Instant> t = ParseInstant(internal::PostgresTimeAsLiteral(text));
      if (!t.ok()) return false;
      if (oid == kTimestamptzOid) {
        AppendInstantField(*t, {"", oid, 8, 1}, out);
      } else {
        const int64_t days = *t == kNegInf   ? std::numeric_limits<int32_t>::min()
                             : *t == kPosInf ? std::numeric_limits<int32_t>::max()
                                             : *t / internal::kMicrosPerDay - internal::DaysFromCivil(2000, 1, 1);
        out->append(BigEndian(static_cast<uint64_t>(days), 4));
      }
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

bool AppendCell(const internal::Cell& cell, const ColumnDescription& column, std::string* out) {
  using Kind = internal::Cell::Kind;
  switch (cell.kind) {
    case Kind::kName:
      out->append(cell.text);
      return true;
    case Kind::kValue:
      return AppendValueField(cell.value, out);
    case Kind::kInstant:
      AppendInstantField(cell.instant, column, out);
      return true;
    case Kind::kText:
      if (column.format != 1 || !AppendBinaryText(cell.text, column.type_oid, out)) out->append(cell.text);
      return true;
  }
  return false;
}

void AppendRowMessage(const Row& row, const std::vector<ColumnDescription>& columns, std::string* out) {
  AppendDataRow(
      6,
      [&](size_t c, std::string* o) {
        switch (c) {
          case 0: o->append(row.key.subject); return true;
          case 1: o->append(row.key.predicate); return true;
          case 2: o->append(row.key.object); return true;
          case 3: return AppendValueField(row.value, o);
          case 4: AppendInstantField(row.valid.from, columns[4], o); return true;
          default: AppendInstantField(row.valid.to, columns[5], o); return true;
        }
      },
      out);
}

absl::StatusOr<std::string> BinaryParamAsText(uint32_t type_oid, const std::string& bytes) {
  switch (type_oid) {
    case 0:
    case kTextOid:
    case kVarcharOid:
    case kJsonOid:
      return bytes;
    case 21:  // int2
    case 23:  // int4
    case kInt8Oid: {
      const int size = type_oid == 21 ? 2 : type_oid == 23 ? 4 : 8;
      if (bytes.size() != static_cast<size_t>(size)) break;
      const uint64_t raw = FromBigEndian(bytes);
      const int64_t v = size == 8 ? static_cast<int64_t>(raw)
                        : size == 4 ? static_cast<int32_t>(raw) : static_cast<int16_t>(raw);
      return absl::StrCat(v);
    }
    case kBoolOid:
      if (bytes.size() != 1) break;
      return std::string(bytes[0] != 0 ? "true" : "false");
    case 701: {  // float8
      if (bytes.size() != 8) break;
      const uint64_t raw = FromBigEndian(bytes);
      double d;
      std::memcpy(&d, &raw, sizeof d);
      return FormatValue(Value::Double(d));
    }
    case 18:    // char
    case 19:    // name
    case 1042:  // bpchar
      return bytes;
    case 2950: {  // uuid: 16 bytes, written as PostgreSQL writes one (8-4-4-4-12 lower-case hex digits)
      if (bytes.size() != 16) break;
      std::string text;
      for (size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
        text += absl::StrFormat("%02x", static_cast<unsigned char>(bytes[i]));
      }
      return text;
    }
    case 3802:  // jsonb: a version byte, then the text
      if (bytes.empty() || bytes[0] != 1) break;
      return bytes.substr(1);
    case 700: {  // float4
      if (bytes.size() != 4) break;
      const auto raw = static_cast<uint32_t>(FromBigEndian(bytes));
      float f;
      std::memcpy(&f, &raw, sizeof f);
      return FormatValue(Value::Double(f));
    }
    case 1700: {  // numeric
      std::optional<std::string> text = NumericText(bytes);
      if (!text) return absl::InvalidArgumentError("a binary numeric parameter is malformed, NaN or infinite");
      return *std::move(text);
    }
    case kDateOid: {  // days since 2000-01-01
      if (bytes.size() != 4) break;
      const auto days = static_cast<int32_t>(FromBigEndian(bytes));
      if (days == std::numeric_limits<int32_t>::min()) return std::string("-inf");
      if (days == std::numeric_limits<int32_t>::max()) return std::string("+inf");
      const internal::CivilDate d = internal::CivilFromDays(int64_t{days} + internal::DaysFromCivil(2000, 1, 1));
      return absl::StrFormat("%04d-%02d-%02d", d.year, d.month, d.day);
    }
    case kTimestampOid:  // without a zone: the server's, UTC
    case kTimestamptzOid: {
      if (bytes.size() != 8) break;
      const auto pg = static_cast<int64_t>(FromBigEndian(bytes));
      if (pg == kNegInf) return std::string("-inf");
      if (pg == kPosInf) return std::string("+inf");
      return FormatInstant(pg + kPostgresEpochMicros);
    }
    default:
      return absl::UnimplementedError(absl::StrCat("binary parameters of type ", type_oid, " are not supported"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("a binary parameter of type ", type_oid, " has ", bytes.size(), " bytes"));
}

std::string TextParamAsLiteral(uint32_t type_oid, std::string text) {
  if (type_oid == kTimestamptzOid || type_oid == kTimestampOid || type_oid == kDateOid) {
    return internal::PostgresTimeAsLiteral(text);
  }
  if (type_oid != kBoolOid) return text;
  // PostgreSQL's boolin: these words, any case, blanks around them.
  const std::string word = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  for (const char* yes : {"t", "true", "y", "yes", "on", "1"}) {
    if (word == yes) return "true";
  }
  for (const char* no : {"f", "false", "n", "no", "off", "0"}) {
    if (word == no) return "false";
  }
  return text;
}

}  // namespace hindsight::server
