#include "query/statement.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "hindsight/fact.h"
#include "hindsight/value.h"

namespace hindsight::internal {
namespace {

struct Token {
  enum Kind { kWord, kQuoted, kPunct, kEnd } kind;
  std::string text;  // a word as written; a quoted name unescaped; the punctuation
  size_t column;     // 1-based
};

bool IsPunct(char c) { return c == ';' || c == '[' || c == ']' || c == ',' || c == '(' || c == ')'; }

absl::StatusOr<std::vector<Token>> Lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && absl::ascii_isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i == s.size()) break;
    const size_t start = i;
    if (IsPunct(s[i])) {
      out.push_back({Token::kPunct, std::string(1, s[i]), start + 1});
      ++i;
    } else if (s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
      if (i >= s.size()) return absl::InvalidArgumentError(absl::StrCat("column ", start + 1, ": unterminated quoted name"));
      ++i;
      absl::StatusOr<Value> v = ParseValue(s.substr(start, i - start));
      if (!v.ok()) return absl::InvalidArgumentError(absl::StrCat("column ", start + 1, ": ", v.status().message()));
      out.push_back({Token::kQuoted, v->string_value(), start + 1});
    } else {
      while (i < s.size() && !absl::ascii_isspace(static_cast<unsigned char>(s[i])) && !IsPunct(s[i]) && s[i] != '"') ++i;
      out.push_back({Token::kWord, std::string(s.substr(start, i - start)), start + 1});
    }
  }
  out.push_back({Token::kEnd, "", s.size() + 1});
  return out;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  absl::StatusOr<Statement> Parse() {
    Statement st;
    if (IsKeyword("history")) {
      st.is_history = true;
      ++pos_;
    }
    std::optional<std::string>* const parts[] = {&st.query.pattern.subject, &st.query.pattern.predicate,
                                                 &st.query.pattern.object};
    const char* const labels[] = {"a subject", "a predicate", "an object"};
    for (int i = 0; i < 3; ++i) {
      const Token& tok = t_[pos_];
      if (tok.kind != Token::kWord && tok.kind != Token::kQuoted) return Expected(labels[i]);
      if (tok.kind == Token::kWord && tok.text == "*") {
        parts[i]->reset();
      } else {
        if (absl::Status s = ValidateName(tok.text); !s.ok()) {
          return absl::InvalidArgumentError(absl::StrCat("column ", tok.column, ": ", s.message()));
        }
        *parts[i] = tok.text;
      }
      ++pos_;
    }
    if (!st.is_history) {
      if (IsKeyword("at")) {
        ++pos_;
        absl::StatusOr<Instant> v = Time();
        if (!v.ok()) return v.status();
        st.query.valid = ValidTimeClause::At(*v);
      } else if (IsKeyword("during")) {
        ++pos_;
        if (!IsPunct("[")) return Expected("'['");
        ++pos_;
        absl::StatusOr<Instant> from = Time();
        if (!from.ok()) return from.status();
        if (!IsPunct(",")) return Expected("','");
        ++pos_;
        const size_t to_column = t_[pos_].column;
        absl::StatusOr<Instant> to = Time();
        if (!to.ok()) return to.status();
        if (!IsPunct(")")) return Expected("')' (intervals are half-open: [from, to))");
        ++pos_;
        if (!(*from < *to)) {
          return absl::InvalidArgumentError(absl::StrCat("column ", to_column, ": during [from, to) needs from < to"));
        }
        st.query.valid = ValidTimeClause::During({*from, *to});
      }
      if (IsKeyword("as")) {
        ++pos_;
        if (!IsKeyword("of")) return Expected("'of'");
        ++pos_;
        if (IsKeyword("tx")) {
          ++pos_;
          const Token& tok = t_[pos_];
          uint64_t id = 0;
          if (tok.kind != Token::kWord || tok.text.empty() || tok.text.size() > 18 ||
              tok.text.find_first_not_of("0123456789") != std::string::npos) {
            return Expected("a transaction number");
          }
          id = std::stoull(tok.text);
          ++pos_;
          st.query.as_of = TxTimeClause::AsOfTx(id);
        } else {
          absl::StatusOr<Instant> t = Time();
          if (!t.ok()) return t.status();
          st.query.as_of = TxTimeClause::AsOf(*t);
        }
      }
    }
    if (IsPunct(";")) ++pos_;
    if (t_[pos_].kind != Token::kEnd) {
      return Expected(st.is_history ? "the end of the statement (history takes no time clause)"
                                    : "'at', 'during', 'as of' or the end of the statement");
    }
    return st;
  }

 private:
  bool IsKeyword(std::string_view kw) const {
    return t_[pos_].kind == Token::kWord && absl::AsciiStrToLower(t_[pos_].text) == kw;
  }
  bool IsPunct(std::string_view p) const { return t_[pos_].kind == Token::kPunct && t_[pos_].text == p; }

  absl::StatusOr<Instant> Time() {
    const Token& tok = t_[pos_];
    if (tok.kind != Token::kWord) return Expected("a time literal");
    absl::StatusOr<Instant> v = ParseInstant(tok.text);
    if (!v.ok()) return absl::InvalidArgumentError(absl::StrCat("column ", tok.column, ": ", v.status().message()));
    ++pos_;
    return v;
  }

  absl::Status Expected(std::string_view what) const {
    const Token& tok = t_[pos_];
    const std::string found = tok.kind == Token::kEnd ? "the end" : absl::StrCat("'", tok.text, "'");
    return absl::InvalidArgumentError(
        absl::StrCat("column ", tok.column, ": expected ", std::string(what), ", found ", found));
  }

  std::vector<Token> t_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<Statement> ParseStatement(std::string_view text) {
  absl::StatusOr<std::vector<Token>> tokens = Lex(text);
  if (!tokens.ok()) return tokens.status();
  return Parser(std::move(*tokens)).Parse();
}

}  // namespace hindsight::internal
