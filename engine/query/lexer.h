// The language's lexer: a statement's text as tokens (words, quoted names,
// SQL strings, parameters, punctuation), and the scans of raw text (where
// a statement ends, what a line leaves open, comments) that tools make
// without parsing. The parser (statement.h) reads the tokens.
#ifndef HINDSIGHT_QUERY_LEXER_H_
#define HINDSIGHT_QUERY_LEXER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace hindsight::internal {

// A token of a statement's text.
struct Token {
  enum Kind { kWord, kQuoted, kSqlString, kParam, kPunct, kEnd } kind;
  std::string text;  // a word as written; a quoted name or SQL string unescaped; the punctuation
  std::string raw;   // a quoted token as written, quotes included
  size_t column;     // 1-based
  size_t param = 0;  // kParam: N of $N
  std::string cast{};  // kSqlString: the PostgreSQL type it is cast to ('...'::date), lower case
};

// A SQL string literal starting at s[start] == '\'': its text ('' is a
// quote) appended to `*text` (if not null), and the index past its closing
// quote; npos when it is left open.
size_t SqlStringEnd(std::string_view s, size_t start, std::string* text);

// The tokens of `s`, the last a kEnd at its end. InvalidArgument at the
// offending byte's column (ErrorColumn) for a quote or `/*` comment left
// open, a string that is not valid UTF-8, a parameter numbered 0 or past
// 65535, a cast of a string to a type other than text or a time's, or a
// word holding a look-alike of a space or a typographic quote.
absl::StatusOr<std::vector<Token>> Lex(std::string_view s);

// Where the first statement of `text` ends: the first ';' outside quotes
// ("..." or '...') and comments, or npos (also when a quote or a `/*`
// comment is left open).
size_t StatementEnd(std::string_view text);

// What `text` ends inside of: '"' a quoted name, '\'' a string, '*' a
// `/*` comment; 0 when none is left open.
char OpenAtEnd(std::string_view text);

// `text` with each comment's bytes turned to spaces (its line ends kept),
// so that positions in it are positions in `text`: for readers of text
// that know nothing of comments. A comment left open is blanked to the end.
std::string WithCommentsBlanked(std::string_view text);

// The first byte of `text` at or after `i` that is neither white space
// nor in a comment, or text.size(); npos when a `/*` comment is left
// open. A `--` comment runs to the end of its line; a `/* ... */` comment
// may span lines and nest, as in PostgreSQL.
size_t AfterBlanks(std::string_view text, size_t i);

// Whether `text` holds nothing but white space and closed comments.
bool IsBlankStatement(std::string_view text);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_QUERY_LEXER_H_
