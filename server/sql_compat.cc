#include "server/sql_compat.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "query/lexer.h"
#include "query/statement.h"
#include "server/sql_error.h"

namespace hindsight::server {
namespace {

// The lower-case words of `text` up to the first that is not a bare word;
// `*end` (if given) is where the last of them ends.
std::vector<std::string> LeadingWords(std::string_view text, size_t max, size_t* end = nullptr) {
  std::vector<std::string> words;
  size_t i = 0;
  if (end != nullptr) *end = 0;
  while (words.size() < max) {
    i = internal::AfterBlanks(text, i);
    const size_t start = i;
    while (i < text.size() && (absl::ascii_isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_')) ++i;
    if (i == start) break;
    words.push_back(absl::AsciiStrToLower(std::string(text.substr(start, i - start))));
    if (end != nullptr) *end = i;
  }
  return words;
}

Command Of(Command::Kind kind, std::string parameter = "", std::string argument = "") {
  Command c;
  c.kind = kind;
  c.parameter = std::move(parameter);
  c.argument = std::move(argument);
  return c;
}

// The text of `statement` after its first `words` words, trimmed.
std::string_view AfterWords(std::string_view statement, size_t words) {
  size_t end = 0;
  LeadingWords(statement, words, &end);
  std::string_view rest = statement.substr(end);
  while (!rest.empty() && absl::ascii_isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
  while (!rest.empty() && absl::ascii_isspace(static_cast<unsigned char>(rest.back()))) rest.remove_suffix(1);
  return rest;
}

// One word of a cursor statement: a "quoted identifier" ("" is a quote)
// as written, or a run of characters up to white space, folded to lower
// case.
struct Word {
  std::string text;
  size_t begin = 0;  // byte offsets in the statement
  size_t end = 0;
  bool quoted = false;
};

// The word at or after `*i`, moving `*i` past it; nullopt at the end, or
// (with `*error` set) at an unterminated quote.
std::optional<Word> NextWord(std::string_view text, size_t* i, absl::Status* error) {
  while (*i < text.size() && absl::ascii_isspace(static_cast<unsigned char>(text[*i]))) ++*i;
  if (*i >= text.size()) return std::nullopt;
  Word w;
  w.begin = *i;
  if (text[*i] == '"') {
    w.quoted = true;
    for (++*i;; ++*i) {
      if (*i >= text.size()) {
        *error = internal::StatementErrorAt(w.begin + 1, "unterminated quoted name: close it with \"");
        return std::nullopt;
      }
      if (text[*i] != '"') {
        w.text.push_back(text[*i]);
      } else if (*i + 1 < text.size() && text[*i + 1] == '"') {
        w.text.push_back('"');
        ++*i;
      } else {
        break;
      }
    }
    ++*i;
  } else {
    while (*i < text.size() && !absl::ascii_isspace(static_cast<unsigned char>(text[*i]))) ++*i;
    w.text = absl::AsciiStrToLower(std::string(text.substr(w.begin, *i - w.begin)));
  }
  w.end = *i;
  return w;
}

// The words of `text` from `from` to its end.
absl::StatusOr<std::vector<Word>> Words(std::string_view text, size_t from) {
  std::vector<Word> words;
  absl::Status error;
  size_t i = from;
  while (std::optional<Word> w = NextWord(text, &i, &error)) words.push_back(std::move(*w));
  if (!error.ok()) return error;
  return words;
}

Command Malformed(size_t column, std::string_view message) {
  Command c = Of(Command::Kind::kMalformed);
  c.error = internal::StatementErrorAt(column, message);
  return c;
}

// Of a statement that should end with a name, its word `at`: the column
// of the first word that does not fit (one after the name, the name
// itself, or the end).
size_t ColumnNotFitting(const std::vector<Word>& w, size_t at, std::string_view statement) {
  if (w.size() > at + 1) return w[at + 1].begin + 1;
  if (w.size() == at + 1) return w[at].begin + 1;
  return statement.size() + 1;
}

// A cursor's or a savepoint's name: a quoted identifier, or an unquoted
// one (a letter or _ first).
bool IsSqlName(const Word& w) {
  if (w.quoted) return !w.text.empty();
  return !w.text.empty() && (absl::ascii_isalpha(static_cast<unsigned char>(w.text[0])) || w.text[0] == '_');
}

Command ClassifyDeclare(std::string_view statement) {
  absl::Status error;
  size_t i = 0;
  NextWord(statement, &i, &error);  // DECLARE
  std::optional<Word> name = NextWord(statement, &i, &error);
  if (!error.ok()) return Malformed(*internal::ErrorColumn(error), internal::ErrorReason(error));
  if (!name || !IsSqlName(*name)) {
    return Malformed(name ? name->begin + 1 : statement.size() + 1,
                     "DECLARE takes a cursor name: DECLARE c CURSOR FOR ...");
  }
  Command c = Of(Command::Kind::kDeclare, name->text);
  bool cursor = false;  // past CURSOR
  for (std::optional<Word> w; (w = NextWord(statement, &i, &error));) {
    const std::string& t = w->text;
    const bool plain = !w->quoted;
    if (plain && t == "for" && cursor) {
      while (i < statement.size() && absl::ascii_isspace(static_cast<unsigned char>(statement[i]))) ++i;
      if (i == statement.size()) return Malformed(i + 1, "FOR takes the statement whose rows the cursor holds");
      c.body_offset = i;
      c.body_end = statement.size();
      return c;
    }
    if (plain && !cursor && t == "binary") {
      c.binary = true;
    } else if (plain && !cursor && (t == "asensitive" || t == "insensitive")) {
      // what Hindsight's cursors are: they answer from the moment they were declared
    } else if (plain && !cursor && t == "scroll") {
      c.scroll = true;
    } else if (plain && !cursor && t == "no") {
      std::optional<Word> scroll = NextWord(statement, &i, &error);
      if (!scroll || scroll->quoted || scroll->text != "scroll") return Malformed(w->begin + 1, "expected NO SCROLL");
      c.scroll = false;
    } else if (plain && !cursor && t == "cursor") {
      cursor = true;
    } else if (plain && cursor && (t == "with" || t == "without")) {
      std::optional<Word> hold = NextWord(statement, &i, &error);
      if (!hold || hold->quoted || hold->text != "hold")
        return Malformed(w->begin + 1, "expected WITH HOLD or WITHOUT HOLD");
      c.hold = t == "with";
    } else {
      return Malformed(w->begin + 1, cursor ? "expected WITH HOLD, WITHOUT HOLD or FOR"
                                            : "expected BINARY, INSENSITIVE, SCROLL, NO SCROLL or CURSOR");
    }
  }
  if (!error.ok()) return Malformed(*internal::ErrorColumn(error), internal::ErrorReason(error));
  return Malformed(statement.size() + 1, cursor ? "expected FOR and the statement whose rows the cursor holds"
                                                : "expected CURSOR FOR and the statement whose rows the cursor holds");
}

std::optional<int64_t> Count(const Word& w) {
  int64_t n = 0;
  if (w.quoted || !absl::SimpleAtoi(w.text, &n)) return std::nullopt;
  return n;
}

// The direction of FETCH or MOVE, from words[*i], moving *i past it; the
// words left are [FROM | IN] name. nullopt: not a direction.
std::optional<CursorStep> Direction(const std::vector<Word>& words, size_t* i) {
  using K = CursorStep::Kind;
  // A direction word needs a name after it (FETCH next reads a cursor "next").
  if (*i + 1 >= words.size() || words[*i].quoted) return CursorStep{};
  const std::string& t = words[*i].text;
  const auto take = [&](K kind, int64_t count, size_t n) {
    *i += n;
    return CursorStep{kind, count};
  };
  if (t == "next") return take(K::kForward, 1, 1);
  if (t == "prior") return take(K::kBackward, 1, 1);
  if (t == "first") return take(K::kAbsolute, 1, 1);
  if (t == "last") return take(K::kAbsolute, -1, 1);
  if (t == "all") return take(K::kForward, CursorStep::kAll, 1);
  if (std::optional<int64_t> n = Count(words[*i])) return take(K::kForward, *n, 1);
  if (t == "absolute" || t == "relative") {
    std::optional<int64_t> n = Count(words[*i + 1]);
    if (!n) return std::nullopt;
    return take(t == "absolute" ? K::kAbsolute : K::kRelative, *n, 2);
  }
  if (t == "forward" || t == "backward") {
    const K kind = t == "forward" ? K::kForward : K::kBackward;
    if (*i + 2 < words.size()) {  // a count, or ALL, before [FROM | IN] name
      const Word& next = words[*i + 1];
      if (std::optional<int64_t> n = Count(next)) return take(kind, *n, 2);
      if (!next.quoted && next.text == "all") return take(kind, CursorStep::kAll, 2);
    }
    return take(kind, 1, 1);
  }
  return CursorStep{};  // no direction: NEXT
}

Command ClassifyFetch(std::string_view statement, Command::Kind kind) {
  const char* what = kind == Command::Kind::kFetch ? "FETCH" : "MOVE";
  absl::StatusOr<std::vector<Word>> words = Words(statement, 0);
  if (!words.ok()) return Malformed(*internal::ErrorColumn(words.status()), internal::ErrorReason(words.status()));
  size_t i = 1;
  std::optional<CursorStep> step = Direction(*words, &i);
  if (!step) {
    return Malformed((*words)[i + 1].begin + 1, absl::StrCat((*words)[i].text, " takes a count"));
  }
  if (i + 1 < words->size() && !(*words)[i].quoted && ((*words)[i].text == "from" || (*words)[i].text == "in")) ++i;
  if (i >= words->size() || !IsSqlName((*words)[i])) {
    return Malformed(i < words->size() ? (*words)[i].begin + 1 : statement.size() + 1,
                     absl::StrCat(what, " takes a cursor: ", what, " [direction] [FROM | IN] name (a subject named ",
                                  (*words)[0].text, " is written \"", (*words)[0].text, "\")"));
  }
  if (i + 1 < words->size()) return Malformed((*words)[i + 1].begin + 1, "expected the end of the statement");
  Command c = Of(kind, (*words)[i].text);
  c.step = *step;
  return c;
}

Command ClassifyClose(std::string_view statement) {
  absl::StatusOr<std::vector<Word>> words = Words(statement, 0);
  if (!words.ok()) return Malformed(*internal::ErrorColumn(words.status()), internal::ErrorReason(words.status()));
  if (words->size() != 2 || !IsSqlName((*words)[1])) {
    return Malformed(ColumnNotFitting(*words, 1, statement),
                     "CLOSE takes one cursor, or ALL (a subject named close is written \"close\")");
  }
  const Word& name = (*words)[1];
  return Of(Command::Kind::kClose, !name.quoted && name.text == "all" ? "" : name.text);
}

// What follows COPY (statement): TO STDOUT and its options, into `c`;
// false if `tail` is not that.
bool CopyToTail(std::string_view tail, Command* c) {
  absl::StatusOr<std::vector<Word>> words = Words(tail, 0);
  if (!words.ok() || words->size() < 2 || (*words)[0].text != "to" || (*words)[1].text != "stdout") return false;
  std::string options;
  for (size_t i = 2; i < words->size(); ++i) {
    const Word& w = (*words)[i];
    if (w.quoted && w.text != "csv" && w.text != "text") return false;  // FORMAT "csv", as PostgreSQL takes it
    absl::StrAppend(&options, " ", w.text);
  }
  // Options in parentheses, one at a time: "(format csv, header)".
  std::string spaced = absl::StrReplaceAll(options, {{"(", " ( "}, {")", " ) "}, {",", " , "}});
  std::vector<std::string> w = absl::StrSplit(spaced, ' ', absl::SkipEmpty());
  size_t i = 0;
  if (i < w.size() && w[i] == "with") ++i;
  const bool listed = i < w.size() && w[i] == "(";
  if (listed) {
    if (w.back() != ")") return false;
    w.pop_back();
    ++i;
  }
  const auto boolean = [](const std::string& v) -> std::optional<bool> {
    if (v == "true" || v == "on" || v == "1") return true;
    if (v == "false" || v == "off" || v == "0") return false;
    return std::nullopt;
  };
  while (i < w.size()) {
    // FORMAT csv, 'csv' or "csv" (asyncpg writes the string).
    const std::string format = i + 1 < w.size() ? w[i + 1] : "";
    const bool csv = format == "csv" || format == "'csv'";
    if (listed && w[i] == "format" && (csv || format == "text" || format == "'text'")) {
      c->csv = csv;
      i += 2;
    } else if (!listed && w[i] == "csv") {
      c->csv = true;
      ++i;
    } else if (w[i] == "header") {
      c->header = true;
      ++i;
      if (listed && i < w.size() && boolean(w[i])) c->header = *boolean(w[i++]);
    } else {
      return false;
    }
    if (listed && i < w.size()) {
      if (w[i] != ",") return false;
      ++i;
    }
  }
  return true;
}

// COPY operations FROM STDIN, or COPY (statement) TO STDOUT [options].
Command ClassifyCopy(std::string_view statement) {
  constexpr char kForms[] =
      "COPY takes COPY operations FROM STDIN (an operations file), COPY operations TO STDOUT (the log as one) or "
      "COPY (statement) TO STDOUT [CSV] [HEADER] or (FORMAT csv|text, HEADER [bool]) (a subject named copy is "
      "written \"copy\")";
  size_t i = 0;
  absl::Status error;
  NextWord(statement, &i, &error);  // COPY
  while (i < statement.size() && absl::ascii_isspace(static_cast<unsigned char>(statement[i]))) ++i;
  if (i < statement.size() && statement[i] == '(') {
    // The statement ends at the last ')' that TO STDOUT follows (a
    // half-open interval [a, b) has one of its own).
    for (size_t close = statement.size(); close-- > i + 1;) {
      if (statement[close] != ')') continue;
      Command c = Of(Command::Kind::kCopyTo);
      if (!CopyToTail(statement.substr(close + 1), &c)) continue;
      c.body_offset = i + 1;
      c.body_end = close;
      return c;
    }
    return Malformed(i + 1, kForms);
  }
  absl::StatusOr<std::vector<Word>> words = Words(statement, 0);
  if (!words.ok()) return Malformed(*internal::ErrorColumn(words.status()), internal::ErrorReason(words.status()));
  const std::vector<Word>& w = *words;
  if (w.size() == 4 && w[1].text == "operations" && !w[2].quoted && !w[3].quoted) {
    if (w[2].text == "from" && w[3].text == "stdin") return Of(Command::Kind::kCopyFrom, "operations");
    if (w[2].text == "to" && w[3].text == "stdout") return Of(Command::Kind::kCopyLog, "operations");
  }
  return Malformed(w.size() > 1 ? w[1].begin + 1 : statement.size() + 1, kForms);
}

// `statement` as a select list: kSelect, kMalformed for one that fails,
// kHindsight for none.
Command ClassifySelectList(std::string_view statement) {
  std::optional<absl::StatusOr<std::vector<SelectItem>>> items = ParseSelectList(statement);
  if (!items) return Of(Command::Kind::kHindsight);
  if (!items->ok()) {
    Command c = Of(Command::Kind::kMalformed);
    c.error = items->status();
    return c;
  }
  Command c = Of(Command::Kind::kSelect);
  c.items = **std::move(items);
  return c;
}

// SELECT n FROM [pg_catalog.]pg_cursors WHERE name = 'c': psycopg 2 and 3
// send it to learn whether a cursor they did not declare exists.
std::optional<Command> ClassifyCursorCheck(std::string_view statement) {
  absl::StatusOr<std::vector<Word>> words = Words(statement, 0);
  if (!words.ok() || words->size() < 7) return std::nullopt;
  const std::vector<Word>& w = *words;
  int64_t n = 0;
  const bool shape = !w[1].quoted && absl::SimpleAtoi(w[1].text, &n) && w[2].text == "from" &&
                     (w[3].text == "pg_catalog.pg_cursors" || w[3].text == "pg_cursors") && w[4].text == "where" &&
                     w[5].text == "name" && w[6].text == "=";
  if (!shape) return std::nullopt;
  std::string_view literal = statement.substr(w[6].end);
  while (!literal.empty() && absl::ascii_isspace(static_cast<unsigned char>(literal.front()))) literal.remove_prefix(1);
  while (!literal.empty() && absl::ascii_isspace(static_cast<unsigned char>(literal.back()))) literal.remove_suffix(1);
  if (literal.size() < 2 || literal.front() != '\'' || literal.back() != '\'') return std::nullopt;
  const std::string inner(literal.substr(1, literal.size() - 2));
  Command c = ClassifySelectList(statement.substr(0, w[2].begin));
  if (c.kind != Command::Kind::kSelect) return std::nullopt;
  c.if_cursor = absl::StrReplaceAll(inner, {{"''", "'"}});
  return c;
}

// SELECT t.oid, typarray FROM pg_type t JOIN pg_namespace ns ON typnamespace
// = ns.oid WHERE typname = 'hstore': how psycopg 2 (under SQLAlchemy, on
// every connect) learns whether the hstore type exists.
bool IsHstoreProbe(std::string_view statement) {
  absl::StatusOr<std::vector<Word>> words = Words(statement, 0);
  if (!words.ok()) return false;
  bool from_pg_type = false;
  bool hstore = false;
  for (size_t i = 0; i + 1 < words->size(); ++i) {
    const Word& w = (*words)[i];
    const Word& next = (*words)[i + 1];
    if (w.text == "from" && (next.text == "pg_type" || next.text == "pg_catalog.pg_type")) from_pg_type = true;
    if (w.text == "typname" && next.text == "=" && i + 2 < words->size()) {
      std::string_view value = statement.substr(next.end);
      while (!value.empty() && absl::ascii_isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
      hstore = value.substr(0, 8) == "'hstore'";
    }
  }
  return from_pg_type && hstore;
}

// A SELECT that reads PostgreSQL's catalogs (pg_catalog.*,
// information_schema.*), as psql's \d commands and SQL tools' schema
// browsers do: refused with 0A000 at the first catalog name, saying where
// to look instead. Nullopt for any other statement.
std::optional<Command> ClassifyCatalogRead(std::string_view statement) {
  absl::StatusOr<std::vector<Word>> words = Words(statement, 0);
  if (!words.ok()) return std::nullopt;
  for (const Word& w : *words) {
    if (w.quoted) continue;
    for (const char* schema : {"pg_catalog.", "information_schema."}) {
      const size_t at = w.text.find(schema);
      if (at == std::string::npos) continue;
      size_t end = w.begin + at;
      while (end < w.end && (absl::ascii_isalnum(static_cast<unsigned char>(statement[end])) ||
                             statement[end] == '_' || statement[end] == '.')) {
        ++end;
      }
      const std::string_view name = statement.substr(w.begin + at, end - w.begin - at);
      Command c = Of(Command::Kind::kMalformed);
      const std::string message =
          absl::StrCat("Hindsight has no PostgreSQL catalogs or system functions: ", std::string(name));
      c.error = WithHint(WithSqlState(internal::StatementErrorAt(w.begin + at + 1, message), "0A000"),
          "psql's \\d commands and SQL tools' schema browsers read PostgreSQL's catalogs. What the database "
          "holds: SHOW hindsight_predicates, SHOW hindsight_stats, SHOW hindsight_names PREFIX "
          "(docs/server.md)");
      return c;
    }
  }
  return std::nullopt;
}

// The first byte of `s` at or after `i` that is not white space.
size_t SkipSpaces(std::string_view s, size_t i) {
  while (i < s.size() && absl::ascii_isspace(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

// NOTIFY channel [, 'payload']: the channel a name as LISTEN's (folded to
// lower case unless quoted), the payload a SQL string ('' for a quote).
Command ClassifyNotify(std::string_view statement) {
  constexpr char kForm[] = "expected NOTIFY channel [, 'payload'] (a subject named notify is written \"notify\")";
  const auto skip_spaces = [&](size_t i) { return SkipSpaces(statement, i); };
  const auto name_char = [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
  };
  size_t i = 0;
  absl::Status error;
  NextWord(statement, &i, &error);  // NOTIFY
  i = skip_spaces(i);
  Word channel;
  if (i < statement.size() && statement[i] == '"') {
    std::optional<Word> quoted = NextWord(statement, &i, &error);
    if (!error.ok()) return Malformed(*internal::ErrorColumn(error), internal::ErrorReason(error));
    channel = *std::move(quoted);
  } else {
    const size_t begin = i;
    while (i < statement.size() && name_char(statement[i])) ++i;
    channel.text = absl::AsciiStrToLower(std::string(statement.substr(begin, i - begin)));
    channel.begin = begin;
  }
  if (!IsSqlName(channel)) return Malformed(channel.begin + 1, kForm);
  i = skip_spaces(i);
  if (i == statement.size()) return Of(Command::Kind::kNotify, std::move(channel.text), "");
  if (statement[i] != ',') return Malformed(i + 1, kForm);
  i = skip_spaces(i + 1);
  if (i == statement.size() || statement[i] != '\'') return Malformed(i + 1, kForm);
  std::string payload;
  const size_t end = internal::SqlStringEnd(statement, i, &payload);
  if (end == std::string_view::npos) return Malformed(i + 1, "unterminated string: close it with '");
  if (const size_t after = skip_spaces(end); after != statement.size()) return Malformed(after + 1, kForm);
  return Of(Command::Kind::kNotify, std::move(channel.text), std::move(payload));
}

// SELECT [pg_catalog.]pg_notify(channel, payload), each a SQL string or a
// parameter $N (what a driver sends, as NOTIFY takes no parameters); the
// channel taken as written. Nullopt for a SELECT of anything else.
std::optional<Command> ClassifyPgNotify(std::string_view statement) {
  size_t i = SkipSpaces(statement, AfterWords(statement, 1).data() - statement.data());
  std::string_view call = statement.substr(i);
  absl::string_view name(call.data(), call.size());
  absl::ConsumePrefix(&name, "pg_catalog.");
  if (!absl::StartsWithIgnoreCase(name, "pg_notify")) return std::nullopt;
  i = SkipSpaces(statement, name.data() + 9 - statement.data());
  if (i == statement.size() || statement[i] != '(') return std::nullopt;
  constexpr char kForm[] = "expected SELECT pg_notify(channel, payload), each a 'string' or a parameter $N";
  Command c = Of(Command::Kind::kNotify);
  c.select = true;
  for (const char end : {',', ')'}) {
    i = SkipSpaces(statement, i + 1);
    const bool channel = end == ',';
    if (i < statement.size() && statement[i] == '\'') {
      i = internal::SqlStringEnd(statement, i, channel ? &c.parameter : &c.argument);
      if (i == std::string_view::npos) return Malformed(statement.size() + 1, "unterminated string: close it with '");
    } else if (i < statement.size() && statement[i] == '$') {
      size_t digits = i + 1;
      while (digits < statement.size() && absl::ascii_isdigit(static_cast<unsigned char>(statement[digits]))) ++digits;
      size_t n = 0;
      if (!absl::SimpleAtoi(absl::string_view(statement.data() + i + 1, digits - i - 1), &n) || n == 0 || n > 65535) {
        return Malformed(i + 1, kForm);
      }
      (channel ? c.channel_param : c.payload_param) = n;
      i = digits;
    } else {
      return Malformed(i + 1, kForm);
    }
    i = SkipSpaces(statement, i);
    if (i == statement.size() || statement[i] != end) return Malformed(i + 1, kForm);
  }
  if (const size_t after = SkipSpaces(statement, i + 1); after != statement.size()) return Malformed(after + 1, kForm);
  return c;
}

// SELECT of pg_cancel_backend(PID) or pg_terminate_backend(PID),
// pg_notify, catalog probes, or a select list (select_list.h): none is a
// statement of the language (a pattern has three terms), so nothing else
// is taken from it.
Command ClassifySelect(std::string_view statement) {
  const std::string_view rest = AfterWords(statement, 1);
  const auto digit = [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); };
  const auto space = [](char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); };
  std::string call(rest);
  call.erase(std::remove_if(call.begin(), call.end(), space), call.end());
  const std::string function = absl::AsciiStrToLower(call);
  for (const char* signal : {"pg_cancel_backend", "pg_terminate_backend"}) {
    absl::string_view pid = function;
    if (!absl::ConsumePrefix(&pid, "pg_catalog.")) pid = function;
    if (absl::ConsumePrefix(&pid, signal) && absl::ConsumePrefix(&pid, "(") && absl::ConsumeSuffix(&pid, ")") &&
        !pid.empty() && pid.size() <= 10 && std::all_of(pid.begin(), pid.end(), digit)) {
      return Of(Command::Kind::kSignal, signal, std::string(pid));
    }
  }
  if (std::optional<Command> notify = ClassifyPgNotify(statement)) return *notify;
  if (IsHstoreProbe(statement)) return Of(Command::Kind::kCatalog, "hstore");
  if (std::optional<Command> check = ClassifyCursorCheck(statement)) return *check;
  Command list = ClassifySelectList(statement);
  if (list.kind != Command::Kind::kHindsight) return list;  // a select list, or one that fails as PostgreSQL's would
  if (std::optional<Command> catalog = ClassifyCatalogRead(statement)) return *catalog;
  return list;
}

// `text` with the quotes of a SQL string ('it''s') or of a quoted
// identifier ("MyApp") taken off; else as written.
std::string Unquoted(std::string_view text) {
  for (const char quote : {'\'', '"'}) {
    if (text.size() >= 2 && text.front() == quote && text.back() == quote) {
      const std::string doubled(2, quote);
      return absl::StrReplaceAll(absl::string_view(text.data() + 1, text.size() - 2),
                                 {{doubled, std::string(1, quote)}});
    }
  }
  return std::string(text);
}

// SET [SESSION | LOCAL] name {TO | =} value, or RESET name: the name (its
// first word: SET TIME ZONE gives "time") and the value, Unquoted.
Command ClassifySet(std::string_view statement, bool reset) {
  const std::string_view after = AfterWords(statement, 1);
  absl::string_view rest(after.data(), after.size());
  const auto next_word = [&rest]() {
    size_t end = 0;
    while (end < rest.size() && (absl::ascii_isalnum(static_cast<unsigned char>(rest[end])) || rest[end] == '_' ||
                                 rest[end] == '.')) {
      ++end;
    }
    std::string word = absl::AsciiStrToLower(rest.substr(0, end));
    rest.remove_prefix(end);
    while (!rest.empty() && absl::ascii_isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
    return word;
  };
  Command c = Of(reset ? Command::Kind::kReset : Command::Kind::kSet, next_word());
  if (!reset && (c.parameter == "session" || c.parameter == "local")) {
    c.local = c.parameter == "local";
    c.parameter = next_word();
  }
  if (reset) return c;
  if (!rest.empty() && rest.front() == '=') {
    rest.remove_prefix(1);
  } else if (const std::string to = absl::AsciiStrToLower(rest.substr(0, 3)); to == "to " || to == "to'") {
    rest.remove_prefix(2);
  }
  const absl::string_view value = absl::StripAsciiWhitespace(rest);
  c.to_default = absl::EqualsIgnoreCase(value, "default");  // the keyword; 'default' is a string
  c.argument = Unquoted(std::string_view(value.data(), value.size()));
  return c;
}

// DEALLOCATE [PREPARE] name | ALL; a name that is not one word is left to
// the language, which rejects it.
Command ClassifyDeallocate(std::string_view statement) {
  absl::StatusOr<std::vector<Word>> words = Words(statement, 0);
  if (!words.ok()) return Of(Command::Kind::kHindsight);
  const std::vector<Word>& w = *words;
  const size_t at = w.size() > 2 && !w[1].quoted && w[1].text == "prepare" ? 2 : 1;
  if (w.size() != at + 1) return Of(Command::Kind::kHindsight);
  return Of(Command::Kind::kDeallocate, !w[at].quoted && w[at].text == "all" ? "" : w[at].text);
}

// LISTEN channel, UNLISTEN channel | *.
Command ClassifyListen(std::string_view statement, bool unlisten) {
  absl::StatusOr<std::vector<Word>> words = Words(statement, 0);
  if (!words.ok()) return Malformed(*internal::ErrorColumn(words.status()), internal::ErrorReason(words.status()));
  const std::vector<Word>& w = *words;
  const bool all = unlisten && w.size() == 2 && !w[1].quoted && w[1].text == "*";
  if (w.size() == 2 && (all || IsSqlName(w[1]))) {
    return Of(unlisten ? Command::Kind::kUnlisten : Command::Kind::kListen, w[1].text);
  }
  const char* first = unlisten ? "unlisten" : "listen";
  return Malformed(ColumnNotFitting(w, 1, statement),
                   absl::StrCat("expected ", unlisten ? "UNLISTEN channel | *" : "LISTEN channel", " (a subject named ",
                                first, " is written \"", first, "\")"));
}

// ROLLBACK [WORK | TRANSACTION] TO ...
bool IsRollbackTo(std::string_view statement) {
  const std::vector<std::string> w = LeadingWords(statement, 3);
  const size_t to = w.size() > 1 && (w[1] == "work" || w[1] == "transaction") ? 2 : 1;
  return w.size() > to && w[to] == "to";
}

// SAVEPOINT name, RELEASE [SAVEPOINT] name, ROLLBACK [WORK | TRANSACTION]
// TO [SAVEPOINT] name: the name a quoted identifier, or an unquoted one
// folded to lower case.
Command ClassifySavepoint(std::string_view statement, const std::string& first) {
  absl::StatusOr<std::vector<Word>> words = Words(statement, 0);
  if (!words.ok()) return Malformed(*internal::ErrorColumn(words.status()), internal::ErrorReason(words.status()));
  const std::vector<Word>& w = *words;
  const auto plain_word = [&](size_t i, std::string_view text) {
    return i < w.size() && !w[i].quoted && w[i].text == text;
  };
  Command::Kind kind = Command::Kind::kSavepoint;
  size_t at = 1;  // the name's word
  const char* form = "SAVEPOINT name";
  if (first == "release") {
    kind = Command::Kind::kRelease;
    at = plain_word(1, "savepoint") ? 2 : 1;
    form = "RELEASE [SAVEPOINT] name";
  } else if (first == "rollback") {
    kind = Command::Kind::kRollbackTo;
    at = plain_word(1, "work") || plain_word(1, "transaction") ? 3 : 2;
    at += plain_word(at, "savepoint") ? 1 : 0;
    form = "ROLLBACK TO [SAVEPOINT] name";
  }
  if (w.size() == at + 1 && IsSqlName(w[at])) return Of(kind, w[at].text);
  return Malformed(ColumnNotFitting(w, at, statement),
                   absl::StrCat("expected ", form, " (a subject named ", first, " is written \"", first, "\")"));
}

}  // namespace

Command Classify(std::string_view text) {
  if (internal::IsBlankStatement(text)) return Of(Command::Kind::kEmpty);
  // SQL's statements read with their comments as white space; positions
  // stay those of `text`. Most statements have none, and no copy.
  const bool may_comment = text.find("--") != std::string_view::npos || text.find("/*") != std::string_view::npos;
  const std::string blanked = may_comment ? internal::WithCommentsBlanked(text) : std::string();
  const std::string_view statement = may_comment ? std::string_view(blanked) : text;
  const std::vector<std::string> w = LeadingWords(statement, 2);
  const std::string first = w.empty() ? "" : w[0];
  const std::string second = w.size() > 1 ? w[1] : "";
  using Kind = Command::Kind;
  if (first == "begin") {
    // The language's own begin takes 'at' and 'source'.
    return second == "at" || second == "source" ? Of(Kind::kHindsight) : Of(Kind::kBegin);
  }
  if (first == "start" && second == "transaction") return Of(Kind::kBegin);
  if (first == "savepoint" || first == "release" || (first == "rollback" && IsRollbackTo(statement))) {
    return ClassifySavepoint(statement, first);
  }
  // Plain COMMIT and ROLLBACK only: two-phase commit is left to the
  // language, which rejects it.
  const bool plain = second.empty() || second == "work" || second == "transaction" || second == "and";
  if ((first == "commit" || first == "end") && plain) return Of(Kind::kCommit);
  if ((first == "rollback" || first == "abort") && plain) return Of(Kind::kRollback);
  if (first == "select") return ClassifySelect(statement);
  if (first == "discard" && (second == "all" || second == "plans" || second == "sequences" || second == "temp" ||
                             second == "temporary")) {
    return Of(Kind::kDiscard, second);
  }
  if (first == "deallocate") return ClassifyDeallocate(statement);
  if (first == "declare") return ClassifyDeclare(statement);
  if (first == "fetch") return ClassifyFetch(statement, Kind::kFetch);
  if (first == "move") return ClassifyFetch(statement, Kind::kMove);
  if (first == "close") return ClassifyClose(statement);
  if (first == "listen" || first == "unlisten") return ClassifyListen(statement, first == "unlisten");
  if (first == "notify") return ClassifyNotify(statement);
  if (first == "copy") return ClassifyCopy(statement);
  if (first == "set" || first == "reset") return ClassifySet(statement, first == "reset");
  if (first == "compact") return Of(Kind::kCompact, "", std::string(AfterWords(statement, 1)));
  if (first == "show" || first == "checkpoint") {
    // The rest as written: a count, a name prefix ('Syr' or Syr), a
    // directory.
    const bool show = first == "show";
    if (show && second == "transaction") {  // SHOW TRANSACTION ISOLATION LEVEL
      const std::vector<std::string> level = LeadingWords(statement, 4);
      if (level.size() == 4 && level[2] == "isolation" && level[3] == "level") {
        return Of(Kind::kShow, "transaction_isolation");
      }
    }
    std::string argument = Unquoted(AfterWords(statement, show ? 2 : 1));
    return show ? Of(Kind::kShow, second, std::move(argument)) : Of(Kind::kCheckpoint, "", std::move(argument));
  }
  return Of(Kind::kHindsight);
}

std::string InnerStatement(std::string_view statement, const Command& command) {
  std::string text(statement.substr(0, command.body_end));
  std::fill(text.begin(), text.begin() + std::min(command.body_offset, text.size()), ' ');
  return text;
}

std::vector<Piece> SplitStatements(std::string_view query) {
  std::vector<Piece> out;
  size_t offset = 0;
  while (offset < query.size()) {
    const std::string_view rest = query.substr(offset);
    const size_t end = internal::StatementEnd(rest);
    const std::string_view text = rest.substr(0, end == std::string_view::npos ? rest.size() : end);
    if (!internal::IsBlankStatement(text)) out.push_back({offset, text});
    if (end == std::string_view::npos) break;
    offset += end + 1;
  }
  return out;
}

}  // namespace hindsight::server
