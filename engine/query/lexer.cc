#include "query/lexer.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "hindsight/value.h"
#include "query/statement.h"
#include "time/postgres_time.h"
#include "util/utf8.h"

namespace hindsight::internal {
namespace {

absl::Status ColumnError(size_t column, absl::string_view message) {
  return StatementErrorAt(column, std::string_view(message.data(), message.size()));
}

bool IsPunct(char c) {
  return c == ';' || c == '[' || c == ']' || c == ',' || c == '(' || c == ')' || c == '=';
}

// A PostgreSQL cast right after a SQL string ('2025-01-01'::date, as a
// driver that quotes parameters into the text writes a time): the type,
// lower case, with *i moved past it; "" when there is none.
absl::StatusOr<std::string> CastAfterString(std::string_view s, size_t* i) {
  if (s.substr(*i, 2) != "::") return std::string();
  const size_t column = *i + 1;
  size_t end = *i + 2;
  while (end < s.size() && (absl::ascii_isalnum(static_cast<unsigned char>(s[end])) || s[end] == '_')) ++end;
  std::string type = absl::AsciiStrToLower(std::string(s.substr(*i + 2, end - *i - 2)));
  if (type != "text" && type != "varchar" && !IsPostgresTimeType(type)) {
    return ColumnError(column, "a 'string' may be cast only to text, varchar, timestamptz, timestamp or date");
  }
  *i = end;
  return type;
}

bool IsCommentAt(std::string_view s, size_t i) {
  return i + 1 < s.size() && ((s[i] == '-' && s[i + 1] == '-') || (s[i] == '/' && s[i + 1] == '*'));
}

// Where the comment that starts at s[i] ends: its line's end for `--`;
// past the `*/` that closes it for `/*` (they nest, as in PostgreSQL),
// or npos when none does.
size_t CommentEnd(std::string_view s, size_t i) {
  if (s[i] == '-') return std::min(s.size(), s.find('\n', i));
  int depth = 0;
  for (; i + 1 < s.size(); ++i) {
    if (s[i] == '/' && s[i + 1] == '*') {
      ++depth, ++i;
    } else if (s[i] == '*' && s[i + 1] == '/') {
      ++i;
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

// Where in `word` the first character stands that looks like white space
// but is none to the lexer (a no-break space pasted from a web page, the
// spaces of U+2000..U+200B, U+202F, U+205F, U+3000, U+FEFF), or npos.
size_t SpaceLookAlikeIn(std::string_view word) {
  for (size_t i = 0; i < word.size();) {
    if (static_cast<unsigned char>(word[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    const char32_t c = DecodeUtf8(word.substr(i), &len);
    if (c == U'\u00A0' || (c >= U'\u2000' && c <= U'\u200B') || c == U'\u202F' || c == U'\u205F' || c == U'\u3000' ||
        c == U'\uFEFF') {
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

// Where in `word` a typographic quote stands that a word processor or a
// web page put for a quote: “ or ” anywhere, or ‘ or „ first (’ may be an
// apostrophe in a name: Côte d’Ivoire). npos if none.
size_t TypographicQuoteIn(std::string_view word) {
  for (const std::string_view opening : {"\u2018", "\u201E"}) {
    if (word.substr(0, opening.size()) == opening) return 0;
  }
  return std::min(word.find("\u201C"), word.find("\u201D"));
}

// Where the quoted name, string or comment that starts at s[i] ends
// (past it), `i` when none starts there, or npos when it is left open.
size_t QuoteOrCommentEnd(std::string_view s, size_t i) {
  if (s[i] == '\'') return SqlStringEnd(s, i, nullptr);
  if (IsCommentAt(s, i)) return CommentEnd(s, i);
  if (s[i] != '"') return i;
  for (++i; i < s.size() && s[i] != '"';) i += s[i] == '\\' ? 2 : 1;
  return i < s.size() ? i + 1 : std::string_view::npos;
}

}  // namespace

size_t SqlStringEnd(std::string_view s, size_t start, std::string* text) {
  for (size_t i = start + 1; i < s.size(); ++i) {
    if (s[i] != '\'') {
      if (text != nullptr) text->push_back(s[i]);
    } else if (i + 1 < s.size() && s[i + 1] == '\'') {
      if (text != nullptr) text->push_back('\'');
      ++i;
    } else {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

absl::StatusOr<std::vector<Token>> Lex(std::string_view s) {
  std::vector<Token> out;
  out.reserve(16);  // most statements' tokens, without growing
  size_t i = 0;
  while (true) {
    while (i < s.size() && (absl::ascii_isspace(static_cast<unsigned char>(s[i])) || IsCommentAt(s, i))) {
      const size_t end = IsCommentAt(s, i) ? CommentEnd(s, i) : i + 1;
      if (end == std::string_view::npos) return ColumnError(i + 1, "unterminated comment: close it with */");
      i = end;
    }
    if (i == s.size()) break;
    const size_t start = i;
    if (IsPunct(s[i])) {
      out.push_back({Token::kPunct, std::string(1, s[i]), "", start + 1});
      ++i;
    } else if (s[i] == '\'') {
      std::string text;
      i = SqlStringEnd(s, start, &text);
      if (i == std::string_view::npos) {
        const size_t line_end = std::min(s.size(), s.find('\n', start));
        return ColumnError(line_end + 1, "unterminated string: close it with '");
      }
      if (!IsValidUtf8(text)) return ColumnError(start + 1, "a string must be valid UTF-8");
      std::string raw(s.substr(start, i - start));
      absl::StatusOr<std::string> cast = CastAfterString(s, &i);
      if (!cast.ok()) return cast.status();
      out.push_back({Token::kSqlString, std::move(text), std::move(raw), start + 1, 0, *std::move(cast)});
    } else if (s[i] == '$' && i + 1 < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[i + 1]))) {
      size_t n = 0;
      for (++i; i < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[i])); ++i) {
        n = n * 10 + static_cast<size_t>(s[i] - '0');
        if (n > 65535) return ColumnError(start + 1, "a parameter number is at most 65535");
      }
      if (n == 0) return ColumnError(start + 1, "parameters are numbered from $1");
      out.push_back({Token::kParam, std::string(s.substr(start, i - start)), "", start + 1, n});
    } else if (s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
      if (i >= s.size()) {
        const size_t line_end = std::min(s.size(), s.find('\n', start));
        return ColumnError(line_end + 1, "unterminated quoted name: close it with \"");
      }
      ++i;
      const std::string raw(s.substr(start, i - start));
      absl::StatusOr<Value> v = ParseValue(raw);
      if (!v.ok()) return ColumnError(start + 1, v.status().message());
      out.push_back({Token::kQuoted, v->string_value(), raw, start + 1});
    } else {
      bool ascii = true;
      while (i < s.size() && !absl::ascii_isspace(static_cast<unsigned char>(s[i])) && !IsPunct(s[i]) && s[i] != '"' &&
             s[i] != '\'' && !IsCommentAt(s, i)) {
        ascii = ascii && static_cast<unsigned char>(s[i]) < 0x80;
        ++i;
      }
      const std::string_view word = s.substr(start, i - start);
      if (const size_t space = ascii ? std::string_view::npos : SpaceLookAlikeIn(word);
          space != std::string_view::npos) {
        size_t len = 0;
        const char32_t c = DecodeUtf8(word.substr(space), &len);
        return ColumnError(start + space + 1,
                           absl::StrFormat("U+%04X (%s) is not white space here: type a plain space, or quote the name",
                                           static_cast<uint32_t>(c), c == U'\u00A0' ? "a no-break space" : "a space"));
      }
      if (const size_t quote = ascii ? std::string_view::npos : TypographicQuoteIn(word);
          quote != std::string_view::npos) {
        size_t len = 0;
        DecodeUtf8(word.substr(quote), &len);
        return ColumnError(start + quote + 1,
                           absl::StrCat(std::string(word.substr(quote, len)),
                                        " is a typographic quote, which quotes nothing here: quote a name with \" "
                                        "(\"South Korea\") and a string with '"));
      }
      out.push_back({Token::kWord, std::string(word), "", start + 1});
    }
  }
  out.push_back({Token::kEnd, "", "", s.size() + 1});
  return out;
}

size_t StatementEnd(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (s[i] == ';') return i;
    const size_t end = QuoteOrCommentEnd(s, i);
    if (end == std::string_view::npos) return end;
    i = end == i ? i + 1 : end;
  }
  return std::string_view::npos;
}

char OpenAtEnd(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t end = QuoteOrCommentEnd(s, i);
    if (end == std::string_view::npos) return s[i] == '/' ? '*' : s[i];
    i = end == i ? i + 1 : end;
  }
  return 0;
}

std::string WithCommentsBlanked(std::string_view s) {
  std::string out(s);
  for (size_t i = 0; i < s.size();) {
    const size_t end = std::min(s.size(), QuoteOrCommentEnd(s, i));
    if (end == i) {
      ++i;
      continue;
    }
    if (IsCommentAt(s, i)) {
      for (size_t k = i; k < end; ++k) out[k] = out[k] == '\n' ? '\n' : ' ';
    }
    i = end;
  }
  return out;
}

size_t AfterBlanks(std::string_view s, size_t i) {
  while (i < s.size()) {
    if (IsCommentAt(s, i)) {
      i = CommentEnd(s, i);
      if (i == std::string_view::npos) return i;
    } else if (absl::ascii_isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
    } else {
      break;
    }
  }
  return i;
}

bool IsBlankStatement(std::string_view text) { return AfterBlanks(text, 0) == text.size(); }

}  // namespace hindsight::internal
