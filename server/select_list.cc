#include "server/select_list.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "query/lexer.h"
#include "query/statement.h"
#include "server/pg_types.h"
#include "server/sql_error.h"
#include "time/postgres_time.h"

namespace hindsight::server {
namespace {

using Source = SelectItem::Source;

// ---- Types -------------------------------------------------------------

struct TypeName {
  const char* sql;  // as written after ::, lower case, words split by one space
  uint32_t oid;
};
constexpr TypeName kTypeNames[] = {
    {"bool", kBoolOid},         {"boolean", kBoolOid},
    {"int2", kInt2Oid},         {"smallint", kInt2Oid},
    {"int4", kInt4Oid},         {"int", kInt4Oid},
    {"integer", kInt4Oid},      {"int8", kInt8Oid},
    {"bigint", kInt8Oid},       {"numeric", kNumericOid},
    {"decimal", kNumericOid},   {"float8", kFloat8Oid},
    {"float", kFloat8Oid},      {"double precision", kFloat8Oid},
    {"text", kTextOid},         {"varchar", kVarcharOid},
    {"character varying", kVarcharOid}, {"name", kNameOid},
    {"date", kDateOid},         {"timestamptz", kTimestamptzOid},
    {"timestamp with time zone", kTimestamptzOid},
};

// The name PostgreSQL gives a column cast to `oid` (its type's own name).
std::string ColumnNameOf(uint32_t oid) {
  for (const TypeName& t : kTypeNames) {
    if (t.oid == oid) return t.sql;  // each type's first entry is its own name
  }
  return "?column?";
}

// The name PostgreSQL's messages give a type.
std::string MessageNameOf(uint32_t oid) {
  switch (oid) {
    case kBoolOid: return "boolean";
    case kInt2Oid: return "smallint";
    case kInt4Oid: return "integer";
    case kInt8Oid: return "bigint";
    case kNumericOid: return "numeric";
    case kFloat8Oid: return "double precision";
    case kVarcharOid: return "character varying";
    case kNameOid: return "name";
    case kDateOid: return "date";
    case kTimestamptzOid: return "timestamp with time zone";
    case kVoidOid: return "void";
    default: return "text";
  }
}

bool IsString(uint32_t oid) { return oid == kTextOid || oid == kVarcharOid || oid == kNameOid; }
bool IsInteger(uint32_t oid) { return oid == kInt2Oid || oid == kInt4Oid || oid == kInt8Oid; }
bool IsNumber(uint32_t oid) { return IsInteger(oid) || oid == kNumericOid || oid == kFloat8Oid; }
bool IsTime(uint32_t oid) { return oid == kDateOid || oid == kTimestamptzOid; }

// Whether PostgreSQL casts `from` to `to` (with its I/O conversion from and
// to the string types).
bool Castable(uint32_t from, uint32_t to) {
  if (from == to || IsString(to) || (IsString(from) && to != kVoidOid)) return true;
  if (IsNumber(from) && IsNumber(to)) return true;
  if ((from == kBoolOid && to == kInt4Oid) || (from == kInt4Oid && to == kBoolOid)) return true;
  return IsTime(from) && IsTime(to);
}

// ---- Tokens ------------------------------------------------------------

struct Tok {
  enum Kind { kNumber, kString, kWord, kQuoted, kParam, kPunct, kEnd } kind;
  std::string text;  // a word lower case; a string or quoted name unescaped; a parameter's number
  size_t column;     // 1-based
};

// The longest number a select list reads, as written or as a string cast to
// numeric: its digits fit PostgreSQL's binary numeric many times over.
constexpr size_t kMaxNumberBytes = 1000;

bool IsWordByte(char c, bool first) {
  const auto u = static_cast<unsigned char>(c);
  return absl::ascii_isalpha(u) || c == '_' || u >= 0x80 || (!first && (absl::ascii_isdigit(u) || c == '$'));
}

// The tokens of `s`, the last kEnd; nullopt for anything a select list
// does not hold.
std::optional<std::vector<Tok>> Tokens(std::string_view s) {
  std::vector<Tok> out;
  for (size_t i = internal::AfterBlanks(s, 0);; i = internal::AfterBlanks(s, i)) {
    if (i == std::string_view::npos) return std::nullopt;
    const size_t column = i + 1;
    if (i == s.size()) {
      out.push_back({Tok::kEnd, "", column});
      return out;
    }
    const char c = s[i];
    const auto digit = [&](size_t at) { return at < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[at])); };
    if (digit(i) || (c == '.' && digit(i + 1))) {
      size_t end = i;
      while (digit(end)) ++end;
      if (end < s.size() && s[end] == '.') {
        for (++end; digit(end);) ++end;
      }
      if (end < s.size() && (s[end] == 'e' || s[end] == 'E')) {  // an exponent: 1e5, 2.5E-3
        size_t digits = end + 1;
        if (digits < s.size() && (s[digits] == '-' || s[digits] == '+')) ++digits;
        if (!digit(digits)) return std::nullopt;
        for (end = digits; digit(end);) ++end;
        if (end - digits > 3) return std::nullopt;  // past numeric's exponents
      }
      if (end < s.size() && IsWordByte(s[end], false)) return std::nullopt;  // 12abc
      if (end - i > kMaxNumberBytes) return std::nullopt;
      out.push_back({Tok::kNumber, std::string(s.substr(i, end - i)), column});
      i = end;
    } else if (c == '\'') {
      std::string text;
      const size_t end = internal::SqlStringEnd(s, i, &text);
      if (end == std::string_view::npos) return std::nullopt;
      out.push_back({Tok::kString, std::move(text), column});
      i = end;
    } else if (c == '"') {
      std::string text;
      for (++i;; ++i) {
        if (i >= s.size()) return std::nullopt;
        if (s[i] == '"' && (i + 1 >= s.size() || s[i + 1] != '"')) break;
        if (s[i] == '"') ++i;
        text.push_back(s[i]);
      }
      if (text.empty()) return std::nullopt;  // a zero-length name, which SQL has not
      out.push_back({Tok::kQuoted, std::move(text), column});
      ++i;
    } else if (IsWordByte(c, true)) {
      size_t end = i + 1;
      while (end < s.size() && IsWordByte(s[end], false)) ++end;
      out.push_back({Tok::kWord, absl::AsciiStrToLower(std::string(s.substr(i, end - i))), column});
      i = end;
    } else if (c == '$' && digit(i + 1)) {
      size_t end = i + 1;
      while (digit(end)) ++end;
      if (end - i > 6 || (end < s.size() && IsWordByte(s[end], false))) return std::nullopt;
      out.push_back({Tok::kParam, std::string(s.substr(i + 1, end - i - 1)), column});
      i = end;
    } else if (c == ':' && i + 1 < s.size() && s[i + 1] == ':') {
      out.push_back({Tok::kPunct, "::", column});
      i += 2;
    } else if (c == '(' || c == ')' || c == ',' || c == '-' || c == '.') {
      out.push_back({Tok::kPunct, std::string(1, c), column});
      ++i;
    } else {
      return std::nullopt;
    }
  }
}

// ---- Parsing -------------------------------------------------------------

// A numeric literal as PostgreSQL prints it: no leading zeros but one, a
// 0 before a leading point, no point without digits after it.
std::string NormalDecimal(std::string_view digits) {
  std::string_view whole = digits.substr(0, digits.find('.'));
  std::string_view fraction = whole.size() < digits.size() ? digits.substr(whole.size() + 1) : "";
  while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
  return absl::StrCat(whole.empty() ? "0" : std::string(whole), fraction.empty() ? "" : ".", std::string(fraction));
}

// Digits with a point, or none, and an exponent (1.5e3, .2E-2) as digits
// with a point, or none, and no exponent (1500, 0.002).
std::string WithoutExponent(const std::string& number) {
  const size_t e = number.find_first_of("eE");
  if (e == std::string::npos) return number;
  int exponent = 0;
  (void)absl::SimpleAtoi(number.substr(e + 1), &exponent);  // -1000..1000 (Tokens, NumericInput)
  const std::string mantissa = number.substr(0, e);
  const size_t point = std::min(mantissa.find('.'), mantissa.size());
  std::string digits = mantissa.substr(0, point) + (point < mantissa.size() ? mantissa.substr(point + 1) : "");
  const int at = static_cast<int>(point) + exponent;  // where the point goes in `digits`
  if (at <= 0) return absl::StrCat("0.", std::string(static_cast<size_t>(-at), '0'), digits);
  const auto whole = static_cast<size_t>(at);
  if (whole >= digits.size()) return digits + std::string(whole - digits.size(), '0');
  return absl::StrCat(digits.substr(0, whole), ".", digits.substr(whole));
}

// A number token (negated by a '-' before it) as a constant item.
SelectItem NumberItem(const std::string& token, bool negative) {
  SelectItem item;
  const std::string sign = negative ? "-" : "";
  const std::string digits = WithoutExponent(token);
  const bool exact = token.find_first_of(".eE") == std::string::npos;
  int64_t n = 0;
  if (exact && absl::SimpleAtoi(sign + digits, &n)) {
    item.constant = absl::StrCat(n);
    item.source_type = n >= std::numeric_limits<int32_t>::min() && n <= std::numeric_limits<int32_t>::max()
                           ? kInt4Oid
                           : kInt8Oid;
  } else {
    const std::string normal = NormalDecimal(digits);
    item.constant = normal.find_first_not_of("0.") == std::string::npos ? normal : sign + normal;
    item.source_type = kNumericOid;
  }
  return item;
}

struct Function {
  const char* name;
  Source source;
  uint32_t type;
};
constexpr Function kFunctions[] = {
    {"version", Source::kVersion, kTextOid},
    {"current_database", Source::kDatabase, kNameOid},
    {"current_schema", Source::kSchema, kNameOid},
    {"pg_backend_pid", Source::kBackendPid, kInt4Oid},
    {"pg_is_in_recovery", Source::kInRecovery, kBoolOid},
    {"pg_advisory_unlock_all", Source::kUnlockAll, kVoidOid},
    {"now", Source::kNow, kTimestamptzOid},
    {"transaction_timestamp", Source::kNow, kTimestamptzOid},
    {"statement_timestamp", Source::kNow, kTimestamptzOid},
    {"clock_timestamp", Source::kNow, kTimestamptzOid},
    {"current_setting", Source::kSetting, kTextOid},
};
// SQL's functions written without parentheses.
constexpr Function kKeywords[] = {
    {"current_user", Source::kUser, kNameOid},
    {"session_user", Source::kUser, kNameOid},
    {"user", Source::kUser, kNameOid},
    {"current_role", Source::kUser, kNameOid},
    {"current_catalog", Source::kDatabase, kNameOid},
    {"current_schema", Source::kSchema, kNameOid},
    {"current_timestamp", Source::kNow, kTimestamptzOid},
    {"current_date", Source::kToday, kDateOid},
};

// An item as read, with what analysing it will find wrong: a function or
// a type Hindsight has not. PostgreSQL reports the first error of its
// analysis, item by item and each from the inside out (select_list.h), so
// these wait until the whole list has read as one.
struct ParsedItem {
  SelectItem item;
  absl::Status function;            // 42883 for a function of none
  std::vector<absl::Status> types;  // one a cast: 0A000 for a type of none
};

class ListParser {
 public:
  explicit ListParser(std::vector<Tok> tokens) : t_(std::move(tokens)) {}

  // The list's items, nullopt for a statement that is no select list.
  std::optional<std::vector<ParsedItem>> Parse() {
    if (!IsWord("select")) return std::nullopt;
    ++at_;
    std::vector<ParsedItem> items;
    for (;;) {
      std::optional<ParsedItem> item = Item();
      if (!item) return std::nullopt;
      items.push_back(*std::move(item));
      if (IsPunct(",")) {
        ++at_;
        continue;
      }
      if (t_[at_].kind != Tok::kEnd) return std::nullopt;
      return items;
    }
  }

 private:
  bool IsWord(std::string_view w) const { return t_[at_].kind == Tok::kWord && t_[at_].text == w; }
  bool IsPunct(std::string_view p) const { return t_[at_].kind == Tok::kPunct && t_[at_].text == p; }

  std::optional<ParsedItem> Item() {
    const size_t column = t_[at_].column;
    std::optional<ParsedItem> parsed = Primary();
    if (!parsed) return std::nullopt;
    SelectItem& it = parsed->item;
    it.column = column;
    while (IsPunct("::")) {
      const size_t cast_column = t_[at_++].column;
      std::optional<absl::StatusOr<uint32_t>> type = Type();
      if (!type) return std::nullopt;
      it.casts.push_back({type->ok() ? **type : 0, cast_column});
      parsed->types.push_back(type->status());
    }
    if (negated_ && !it.casts.empty()) {  // '::' binds tighter than '-': -(1::int2)
      std::vector<SelectItem::Cast> casts = std::move(it.casts);
      it = NumberItem(t_[number_].text, false);
      it.column = column;
      it.casts = std::move(casts);
      it.negated = true;
    }
    // A cast names a constant's column after its type, as in PostgreSQL.
    if (it.source == Source::kConstant && !it.casts.empty() && !negated_) it.name = ColumnNameOf(it.type());
    if (it.name.empty()) it.name = "?column?";
    negated_ = false;
    if (IsWord("as")) {
      ++at_;
      if (t_[at_].kind != Tok::kWord && t_[at_].kind != Tok::kQuoted) return std::nullopt;
      it.name = t_[at_++].text;
    }
    return parsed;
  }

  std::optional<ParsedItem> Primary() {
    const Tok& tok = t_[at_];
    if (tok.kind == Tok::kPunct && tok.text == "-" && t_[at_ + 1].kind == Tok::kNumber) {
      negated_ = true;
      number_ = at_ + 1;
      at_ += 2;
      return Named(NumberItem(t_[number_].text, true), "?column?");
    }
    if (tok.kind == Tok::kNumber) {
      ++at_;
      return Named(NumberItem(tok.text, false), "?column?");
    }
    SelectItem item;
    if (tok.kind == Tok::kParam) {
      item.source = Source::kParameter;
      item.source_type = kTextOid;
      if (!absl::SimpleAtoi(tok.text, &item.parameter) || item.parameter == 0 || item.parameter > 65535) {
        return std::nullopt;
      }
      ++at_;
      return Named(std::move(item), "?column?");
    }
    if (tok.kind == Tok::kString) {
      item.constant = tok.text;
      item.source_type = kTextOid;
      ++at_;
      return Named(std::move(item), "?column?");
    }
    if (tok.kind != Tok::kWord) return std::nullopt;
    if (tok.text == "true" || tok.text == "false" || tok.text == "null") {
      if (tok.text != "null") item.constant = tok.text == "true" ? "t" : "f";
      item.source_type = tok.text == "null" ? kTextOid : kBoolOid;
      ++at_;
      return Named(std::move(item), "?column?");
    }
    return Call("", tok.column);
  }

  static ParsedItem Named(SelectItem item, std::string name) {
    item.name = std::move(name);
    return {std::move(item), absl::OkStatus(), {}};
  }

  // A function: a keyword of SQL's, or [pg_catalog.]name(constants).
  // `schema`: "pg_catalog." when written, else ""; `column`: where it starts.
  std::optional<ParsedItem> Call(const std::string& schema, size_t column) {
    std::string name = t_[at_++].text;
    if (!IsPunct("(")) {
      if (name == "pg_catalog" && schema.empty() && IsPunct(".")) {
        ++at_;
        if (t_[at_].kind != Tok::kWord) return std::nullopt;
        return Call("pg_catalog.", column);
      }
      for (const Function& k : kKeywords) {
        if (name == k.name && schema.empty()) return ParsedItem{FunctionItem(k, name), absl::OkStatus(), {}};
      }
      return std::nullopt;  // a name: no select list's
    }
    ++at_;
    std::vector<Tok> args;
    while (!IsPunct(")")) {
      if (!args.empty()) {
        if (!IsPunct(",")) return std::nullopt;
        ++at_;
      }
      const Tok& arg = t_[at_];
      const bool constant = arg.kind == Tok::kString || arg.kind == Tok::kNumber ||
                            (arg.kind == Tok::kWord && (arg.text == "true" || arg.text == "false"));
      if (!constant) return std::nullopt;
      args.push_back(arg);
      ++at_;
    }
    ++at_;
    return Resolve(schema, name, args, column);
  }

  static SelectItem FunctionItem(const Function& f, const std::string& name) {
    SelectItem item;
    item.source = f.source;
    item.source_type = f.type;
    item.name = name;
    return item;
  }

  // The function `name` called with `args`; 42883 for one Hindsight has not.
  static ParsedItem Resolve(const std::string& schema, const std::string& name, const std::vector<Tok>& args,
                            size_t column) {
    const bool setting = name == "current_setting" && !args.empty() && args.size() <= 2 &&
                         args[0].kind == Tok::kString && (args.size() == 1 || args[1].kind == Tok::kWord);
    for (const Function& f : kFunctions) {
      if (name != f.name || (f.source == Source::kSetting ? !setting : !args.empty())) continue;
      SelectItem item = FunctionItem(f, name);
      if (setting) {
        item.constant = absl::AsciiStrToLower(args[0].text);
        item.missing_ok = args.size() == 2 && args[1].text == "true";
      }
      return {std::move(item), absl::OkStatus(), {}};
    }
    std::vector<std::string> types;
    for (const Tok& a : args) {
      types.emplace_back(a.kind == Tok::kString                       ? "unknown"
                         : a.kind == Tok::kWord                       ? "boolean"
                         : a.text.find('.') != std::string::npos ? "numeric"
                                                                      : "integer");
    }
    std::vector<std::string> known;
    for (const Function& f : kFunctions) known.emplace_back(f.name);
    const absl::Status unknown = WithHint(
        WithSqlState(internal::StatementErrorAt(column, absl::StrCat("function ", schema, name, "(",
                                                                     absl::StrJoin(types, ", "), ") does not exist")),
                     "42883"),
        absl::StrCat("a SELECT without FROM takes constants and these functions: ", absl::StrJoin(known, "(), "),
                     "(name)"));
    return {SelectItem{}, unknown, {}};
  }

  // A type's name after '::'; 0A000 for one not listed.
  std::optional<absl::StatusOr<uint32_t>> Type() {
    if (t_[at_].kind != Tok::kWord) return std::nullopt;
    const size_t column = t_[at_].column;
    std::string name = t_[at_++].text;
    for (;;) {  // the longest of the names with more words that fits
      bool longer = false;
      for (const TypeName& t : kTypeNames) {
        if (t_[at_].kind == Tok::kWord && absl::StartsWith(t.sql, absl::StrCat(name, " ", t_[at_].text))) {
          longer = true;
        }
      }
      if (!longer) break;
      absl::StrAppend(&name, " ", t_[at_++].text);
    }
    if (IsPunct("(")) return std::nullopt;  // varchar(10): a modifier, which this list has not
    for (const TypeName& t : kTypeNames) {
      if (name == t.sql) return t.oid;
    }
    return WithSqlState(
        internal::StatementErrorAt(column, absl::StrCat("casts to type \"", name, "\" are not supported: ",
                                                        "bool, int2, int4, int8, numeric, float8, text, ",
                                                        "varchar, name, date and timestamptz are")),
        "0A000");
  }

  std::vector<Tok> t_;
  size_t at_ = 0;
  bool negated_ = false;  // the item is '-' and a number: its column stays "?column?" when cast
  size_t number_ = 0;     // ... that number's token
};

// ---- Values and casts --------------------------------------------------------

// An error of SQLSTATE `state`, at no column.
absl::Status Failure(std::string_view state, const std::string& message) {
  return SqlError(absl::StatusCode::kInvalidArgument, state, message);
}

absl::Status BadInput(uint32_t to, const std::string& text) {
  return Failure(IsTime(to) ? "22007" : "22P02",
                 absl::StrCat("invalid input syntax for type ", MessageNameOf(to), ": \"", text, "\""));
}

// A float8 as PostgreSQL prints it: the shortest digits that read back,
// in positional notation for exponents -4..14, else as 1.5e+20.
std::string Float8Text(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buffer[64];
  const std::to_chars_result r = std::to_chars(buffer, buffer + sizeof buffer, d, std::chars_format::scientific);
  const std::string_view sci(buffer, static_cast<size_t>(r.ptr - buffer));  // -1.2345e+07
  const size_t e = sci.find('e');
  const bool negative = sci.front() == '-';
  std::string digits;
  for (const char c : sci.substr(negative ? 1 : 0, e - (negative ? 1 : 0))) {
    if (c != '.') digits.push_back(c);
  }
  int exponent = 0;
  std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exponent);
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= 15) {
    absl::StrAppend(&out, digits.substr(0, 1), digits.size() > 1 ? "." : "", digits.substr(1), "e",
                    exponent < 0 ? "-" : "+", std::abs(exponent) < 10 ? "0" : "", std::abs(exponent));
  } else if (exponent < 0) {
    absl::StrAppend(&out, "0.", std::string(static_cast<size_t>(-exponent - 1), '0'), digits);
  } else {
    const size_t point = static_cast<size_t>(exponent) + 1;
    if (digits.size() <= point) digits.append(point - digits.size(), '0');
    absl::StrAppend(&out, digits.substr(0, point), digits.size() > point ? "." : "", digits.substr(point));
  }
  return out;
}

// A decimal's text rounded to an integer, half away from zero; nullopt
// past int64.
std::optional<int64_t> RoundedInteger(const std::string& decimal) {
  const size_t point = decimal.find('.');
  int64_t n = 0;  // (a decimal has digits before its point: NormalDecimal)
  if (!absl::SimpleAtoi(decimal.substr(0, point), &n)) return std::nullopt;
  if (point != std::string_view::npos && point + 1 < decimal.size() && decimal[point + 1] >= '5') {
    if (n == std::numeric_limits<int64_t>::max() || n == std::numeric_limits<int64_t>::min()) return std::nullopt;
    n += decimal.front() == '-' ? -1 : 1;
  }
  return n;
}

bool IsDecimal(std::string_view s) {
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  const size_t point = s.find('.');
  const std::string_view whole = s.substr(0, point);
  const std::string_view fraction = point == std::string_view::npos ? "" : s.substr(point + 1);
  const auto digits = [](std::string_view d) {
    return std::all_of(d.begin(), d.end(), [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); });
  };
  return !(whole.empty() && fraction.empty()) && digits(whole) && digits(fraction);
}

// The range of an integer type, as its lowest value (the highest is -(low + 1)).
int64_t LowestOf(uint32_t type) {
  return type == kInt2Oid   ? std::numeric_limits<int16_t>::min()
         : type == kInt4Oid ? std::numeric_limits<int32_t>::min()
                            : std::numeric_limits<int64_t>::min();
}

// Text read as an integer of type `to`, as PostgreSQL 15 reads one: blanks,
// a sign, digits, blanks. Digits past the type's range are out of range
// (22003) before anything after them is looked at.
absl::StatusOr<std::string> IntegerInput(const std::string& text, uint32_t to) {
  std::string_view rest = text;
  const auto blanks = [&rest] {
    while (!rest.empty() && absl::ascii_isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
  };
  blanks();
  const bool negative = !rest.empty() && rest.front() == '-';
  if (!rest.empty() && (rest.front() == '-' || rest.front() == '+')) rest.remove_prefix(1);
  // Accumulated negative, as PostgreSQL does, so that the lowest value fits.
  int64_t n = 0;
  size_t digits = 0;
  for (; !rest.empty() && absl::ascii_isdigit(static_cast<unsigned char>(rest.front())); rest.remove_prefix(1)) {
    const int d = rest.front() - '0';
    if (n < (LowestOf(to) + d) / 10) {
      return Failure("22003", absl::StrCat("value \"", text, "\" is out of range for type ", MessageNameOf(to)));
    }
    n = n * 10 - d;
    ++digits;
  }
  blanks();
  if (digits == 0 || !rest.empty()) return BadInput(to, text);
  if (!negative && n == LowestOf(to)) {
    return Failure("22003", absl::StrCat("value \"", text, "\" is out of range for type ", MessageNameOf(to)));
  }
  return absl::StrCat(negative ? n : -n);
}

absl::StatusOr<std::string> ToInteger(const std::string& text, uint32_t from, uint32_t to) {
  std::optional<int64_t> n;
  if (from == kBoolOid) {
    n = text == "t" ? 1 : 0;
  } else if (from == kFloat8Oid) {
    double d = 0;
    if (absl::SimpleAtod(text, &d) && std::isfinite(d) && std::abs(d) < 9.2e18) n = static_cast<int64_t>(std::nearbyint(d));
  } else if (IsString(from)) {
    return IntegerInput(text, to);
  } else if (text == "NaN" || absl::StrContains(text, "Infinity")) {  // numeric's
    return Failure("0A000", absl::StrCat("cannot convert ", text == "NaN" ? "NaN" : "infinity", " to ",
                                         MessageNameOf(to)));
  } else {
    n = RoundedInteger(text);
  }
  if (!n || *n < LowestOf(to) || *n > -(LowestOf(to) + 1)) {
    return Failure("22003", absl::StrCat(MessageNameOf(to), " out of range"));
  }
  return absl::StrCat(*n);
}

absl::StatusOr<std::string> ToBool(const std::string& text, uint32_t from) {
  if (from == kInt4Oid) return std::string(text == "0" ? "f" : "t");
  const std::string literal = TextParamAsLiteral(kBoolOid, text);
  if (literal == "true") return std::string("t");
  if (literal == "false") return std::string("f");
  return BadInput(kBoolOid, text);
}

absl::StatusOr<std::string> ToTime(const std::string& text, uint32_t from, uint32_t to) {
  std::string timestamptz;
  if (IsString(from)) {
    absl::StatusOr<Instant> t = ParseInstant(internal::PostgresTimeAsLiteral(std::string(absl::StripAsciiWhitespace(text))));
    if (!t.ok()) return BadInput(to, text);
    AppendTimestamptzText(*t, &timestamptz);
  } else if (from == kDateOid) {
    timestamptz = text.find("infinity") != std::string::npos ? text : absl::StrCat(text, " 00:00:00+00");
  } else {
    timestamptz = text;
  }
  return to == kDateOid ? timestamptz.substr(0, timestamptz.find(' ')) : timestamptz;
}

// Text read as a numeric, as PostgreSQL's numeric_in reads it: blanks
// around, a sign, digits with a point or none, an exponent; NaN and the
// infinities in any case. Its text as numeric prints it.
absl::StatusOr<std::string> NumericInput(const std::string& text) {
  const std::string trimmed(absl::StripAsciiWhitespace(text));
  const std::string lower = absl::AsciiStrToLower(trimmed);
  if (lower == "nan") return std::string("NaN");
  if (lower == "infinity" || lower == "+infinity" || lower == "inf" || lower == "+inf") return std::string("Infinity");
  if (lower == "-infinity" || lower == "-inf") return std::string("-Infinity");
  const size_t e = lower.find('e');
  int exponent = 0;
  const bool exponent_reads = e == std::string::npos || (absl::SimpleAtoi(lower.substr(e + 1), &exponent) &&
                                                         lower.find_first_of("0123456789", e) != std::string::npos);
  const std::string mantissa = lower.substr(0, e);
  if (!IsDecimal(mantissa) || !exponent_reads) return BadInput(kNumericOid, text);
  if (trimmed.size() > kMaxNumberBytes || std::abs(exponent) > 1000) {
    return Failure("22003", "value overflows numeric format");
  }
  const bool negative = mantissa.front() == '-';
  const std::string unsigned_mantissa = mantissa.substr(negative || mantissa.front() == '+' ? 1 : 0);
  const std::string normal =
      NormalDecimal(WithoutExponent(e == std::string::npos ? unsigned_mantissa
                                                           : absl::StrCat(unsigned_mantissa, "e", exponent)));
  return negative && normal.find_first_not_of("0.") != std::string::npos ? "-" + normal : normal;
}

// A float8's text (Float8Text) as a numeric's: its digits without an
// exponent; NaN and the infinities as they are (numeric has them too).
std::string FloatAsDecimal(const std::string& text) {
  const size_t e = text.find('e');
  if (e == std::string::npos) return text;
  double d = 0;
  int exponent = 0;
  (void)absl::SimpleAtod(text, &d);
  (void)absl::SimpleAtoi(text.substr(e + 1), &exponent);
  const size_t point = text.find('.');
  const int fraction = point == std::string::npos ? 0 : static_cast<int>(e - point - 1);
  return absl::StrFormat("%.*f", std::max(0, fraction - exponent), d);
}

// `text` of type `from` as type `to`. REQUIRES: Castable(from, to).
absl::StatusOr<std::string> Cast(const std::string& text, uint32_t from, uint32_t to) {
  if (from == to) return text;
  if (IsString(to)) {  // bool's own cast to text and varchar says true; its output function, for name, t
    return from == kBoolOid && to != kNameOid ? std::string(text == "t" ? "true" : "false") : text;
  }
  if (IsInteger(to)) return ToInteger(text, from, to);
  if (to == kBoolOid) return ToBool(text, from);
  if (IsTime(to)) return ToTime(text, from, to);
  if (to == kFloat8Oid) {
    double d = 0;
    if (!absl::SimpleAtod(absl::StripAsciiWhitespace(text), &d)) return BadInput(to, text);
    return Float8Text(d);
  }
  // numeric
  if (from == kFloat8Oid) return FloatAsDecimal(text);
  return NumericInput(text);
}

// What an item's source gives, before its casts.
absl::StatusOr<std::optional<std::string>> SourceValue(const SelectItem& item, const SelectContext& context) {
  std::string text;
  switch (item.source) {
    case Source::kConstant: return item.constant;
    case Source::kVersion: return context.version;
    case Source::kDatabase: return context.database;
    case Source::kSchema: return std::string("public");
    case Source::kBackendPid: return absl::StrCat(context.pid);
    case Source::kInRecovery: return std::string("f");
    case Source::kUnlockAll: return std::string();
    case Source::kUser: return context.user;
    case Source::kNow:
    case Source::kToday:
      AppendTimestamptzText(context.now, &text);
      return item.source == Source::kNow ? text : text.substr(0, text.find(' '));
    case Source::kParameter: {
      if (item.parameter > context.parameters.size()) {
        return WithSqlState(internal::StatementErrorAt(item.column, absl::StrCat("there is no parameter $",
                                                                                 item.parameter)),
                            "42P02");
      }
      const std::optional<std::string>& value = context.parameters[item.parameter - 1];
      if (!value) return std::nullopt;
      absl::StatusOr<std::string> typed = Cast(*value, kTextOid, item.source_type);  // read as its type reads text
      if (!typed.ok()) return typed.status();
      return *std::move(typed);
    }
    case Source::kSetting: {
      std::optional<std::string> value = context.setting ? context.setting(*item.constant) : std::nullopt;
      if (!value && !item.missing_ok) {
        return Failure("42704", absl::StrCat("unrecognized configuration parameter \"", *item.constant, "\""));
      }
      return value;
    }
  }
  return std::nullopt;
}

// 42846 at `cast` if PostgreSQL has no cast from `from` to its type.
absl::Status CheckCast(uint32_t from, const SelectItem::Cast& cast) {
  if (Castable(from, cast.type)) return absl::OkStatus();
  return WithSqlState(internal::StatementErrorAt(cast.column, absl::StrCat("cannot cast type ", MessageNameOf(from),
                                                                           " to ", MessageNameOf(cast.type))),
                      "42846");
}

// 42883 at `item` if it is '-' before a cast to `type`, which is no number.
absl::Status CheckNegation(const SelectItem& item, uint32_t type) {
  if (!item.negated || IsNumber(type)) return absl::OkStatus();
  return WithSqlState(
      internal::StatementErrorAt(item.column, absl::StrCat("operator does not exist: - ", MessageNameOf(type))),
      "42883");
}

// The first of CheckCast and CheckNegation to fail for `item`.
absl::Status CheckCasts(const SelectItem& item) {
  uint32_t type = item.source_type;
  for (const SelectItem::Cast& cast : item.casts) {
    if (absl::Status s = CheckCast(type, cast); !s.ok()) return s;
    type = cast.type;
  }
  return CheckNegation(item, type);
}

// A number's text (`text`, of number type `type`, not negative) negated.
absl::StatusOr<std::string> Negated(const std::string& text, uint32_t type) {
  int64_t n = 0;
  if (IsInteger(type) && absl::SimpleAtoi(text, &n)) return absl::StrCat(-n);  // fits: n is at most the highest
  if (text == "NaN" || (type == kNumericOid && text.find_first_not_of("0.") == std::string::npos)) return text;
  return absl::StrCat("-", text);
}

// `value`, of the type item.casts[from - 1] gives (the source's for 0),
// through the item's casts [from, to).
absl::StatusOr<std::optional<std::string>> ApplyCasts(const SelectItem& item, std::optional<std::string> value,
                                                      size_t from, size_t to) {
  uint32_t type = from == 0 ? item.source_type : item.casts[from - 1].type;
  for (size_t i = from; i < to && value; ++i) {
    absl::StatusOr<std::string> text = Cast(*value, type, item.casts[i].type);
    if (!text.ok()) return text.status();
    value = *std::move(text);
    type = item.casts[i].type;
  }
  return value;
}

// How many of a constant's casts PostgreSQL's planner folds before the
// statement runs: those up to the first that is stable (to or from a time,
// which reads the session's time zone), a string's first cast aside (it is
// read as the statement is analysed).
size_t FoldedCasts(const SelectItem& item) {
  uint32_t type = item.source_type;
  for (size_t i = 0; i < item.casts.size(); ++i) {
    const bool literal = i == 0 && type == kTextOid;
    if (!literal && (IsTime(type) || IsTime(item.casts[i].type))) return i;
    type = item.casts[i].type;
  }
  return item.casts.size();
}

// The first error PostgreSQL's analysis finds in `parsed`, from the inside
// out: its function, then each cast in turn (the type, then whether the
// value takes it: a 'string' is read as its first cast's type here, so
// that one that does not read fails where it is written).
absl::Status Analyse(const ParsedItem& parsed) {
  if (!parsed.function.ok()) return parsed.function;
  const SelectItem& item = parsed.item;
  uint32_t type = item.source_type;
  for (size_t i = 0; i < item.casts.size(); ++i) {
    if (!parsed.types[i].ok()) return parsed.types[i];
    const SelectItem::Cast& cast = item.casts[i];
    if (absl::Status s = CheckCast(type, cast); !s.ok()) return s;
    const bool written = i == 0 && item.source == Source::kConstant && type == kTextOid && item.constant;
    if (absl::StatusOr<std::string> read = written ? Cast(*item.constant, type, cast.type) : ""; !read.ok()) {
      return WithSqlState(internal::StatementErrorAt(item.column, std::string(read.status().message())),
                          SqlStateOf(read.status()));
    }
    type = cast.type;
  }
  return CheckNegation(item, type);
}

}  // namespace

size_t ParameterCount(const std::vector<SelectItem>& items) {
  size_t n = 0;
  for (const SelectItem& item : items) {
    if (item.source == Source::kParameter) n = std::max(n, item.parameter);
  }
  return n;
}

void TypeParameters(std::vector<SelectItem>* items, std::vector<uint32_t>* declared) {
  if (declared->size() < ParameterCount(*items)) declared->resize(ParameterCount(*items));
  for (const SelectItem& item : *items) {
    if (item.source != Source::kParameter) continue;
    uint32_t& type = (*declared)[item.parameter - 1];
    if (type == 0) type = item.casts.empty() ? kTextOid : item.casts[0].type;
  }
  for (SelectItem& item : *items) {
    if (item.source != Source::kParameter) continue;
    const uint32_t type = (*declared)[item.parameter - 1];
    const bool known = std::any_of(std::begin(kTypeNames), std::end(kTypeNames),
                                   [type](const TypeName& t) { return t.oid == type; });
    item.source_type = known ? type : kTextOid;
  }
}

std::optional<absl::StatusOr<std::vector<SelectItem>>> ParseSelectList(std::string_view statement) {
  std::optional<std::vector<Tok>> tokens = Tokens(statement);
  if (!tokens) return std::nullopt;
  std::optional<std::vector<ParsedItem>> parsed = ListParser(*std::move(tokens)).Parse();
  if (!parsed) return std::nullopt;
  std::vector<SelectItem> items;
  for (ParsedItem& p : *parsed) {
    if (absl::Status s = Analyse(p); !s.ok()) return s;
    items.push_back(std::move(p.item));
  }
  return items;
}

absl::StatusOr<std::vector<std::optional<std::string>>> EvaluateSelectList(const std::vector<SelectItem>& items,
                                                                           const SelectContext& context) {
  std::vector<std::optional<std::string>> row(items.size());
  std::vector<size_t> cast(items.size(), 0);  // how many of its casts each item's value has been through
  for (size_t i = 0; i < items.size(); ++i) {
    if (absl::Status s = CheckCasts(items[i]); !s.ok()) return s;  // (a parameter's type is known only now)
  }
  // As PostgreSQL's planner folds the constants' casts before it runs the
  // rest, their errors come first.
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].source != Source::kConstant) continue;
    absl::StatusOr<std::optional<std::string>> value = ApplyCasts(items[i], items[i].constant, 0, FoldedCasts(items[i]));
    if (!value.ok()) return value.status();
    row[i] = *std::move(value);
    cast[i] = FoldedCasts(items[i]);
  }
  for (size_t i = 0; i < items.size(); ++i) {
    const SelectItem& item = items[i];
    absl::StatusOr<std::optional<std::string>> value =
        item.source == Source::kConstant ? absl::StatusOr<std::optional<std::string>>(row[i]) : SourceValue(item, context);
    if (value.ok()) value = ApplyCasts(item, *std::move(value), cast[i], item.casts.size());
    if (value.ok() && *value && item.negated) {
      absl::StatusOr<std::string> negative = Negated(**value, item.type());
      if (!negative.ok()) return negative.status();
      *value = *std::move(negative);
    }
    if (!value.ok()) return value.status();
    row[i] = *std::move(value);
  }
  return row;
}

}  // namespace hindsight::server
