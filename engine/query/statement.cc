#include "query/statement.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "hindsight/value.h"

namespace hindsight::internal {
namespace {

struct Token {
  enum Kind { kWord, kQuoted, kPunct, kEnd } kind;
  std::string text;  // a word as written; a quoted name unescaped; the punctuation
  std::string raw;   // a quoted token as written, quotes included
  size_t column;     // 1-based
};

bool IsPunct(char c) {
  return c == ';' || c == '[' || c == ']' || c == ',' || c == '(' || c == ')' || c == '=';
}

absl::StatusOr<std::vector<Token>> Lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && absl::ascii_isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i == s.size()) break;
    const size_t start = i;
    if (IsPunct(s[i])) {
      out.push_back({Token::kPunct, std::string(1, s[i]), "", start + 1});
      ++i;
    } else if (s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
      if (i >= s.size()) {
        return absl::InvalidArgumentError(absl::StrCat("column ", start + 1, ": unterminated quoted name"));
      }
      ++i;
      const std::string raw(s.substr(start, i - start));
      absl::StatusOr<Value> v = ParseValue(raw);
      if (!v.ok()) return absl::InvalidArgumentError(absl::StrCat("column ", start + 1, ": ", v.status().message()));
      out.push_back({Token::kQuoted, v->string_value(), raw, start + 1});
    } else {
      while (i < s.size() && !absl::ascii_isspace(static_cast<unsigned char>(s[i])) && !IsPunct(s[i]) && s[i] != '"') {
        ++i;
      }
      out.push_back({Token::kWord, std::string(s.substr(start, i - start)), "", start + 1});
    }
  }
  out.push_back({Token::kEnd, "", "", s.size() + 1});
  return out;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  absl::StatusOr<Statement> Parse() {
    Statement st;
    absl::Status s = ParseBody(&st);
    if (!s.ok()) return s;
    if (IsPunct(";")) ++pos_;
    if (t_[pos_].kind != Token::kEnd) return Expected(end_hint_);
    return st;
  }

 private:
  using Kind = Statement::Kind;

  absl::Status ParseBody(Statement* st) {
    if (t_[pos_].kind == Token::kEnd || IsPunct(";")) return Expected("a statement (try 'help')");
    if (Accept("history")) {
      st->kind = Kind::kHistory;
      end_hint_ = "the end of the statement (history takes no time clause)";
      return Pattern(&st->query.pattern);
    }
    if (Accept("count")) {
      st->kind = Kind::kCount;
      return Read(st);
    }
    if (Accept("changes")) {
      st->kind = Kind::kChanges;
      if (absl::Status s = Pattern(&st->query.pattern); !s.ok()) return s;
      if (!Accept("between")) return Expected("'between'");
      if (absl::Status s = TxPoint(&st->changes_from); !s.ok()) return s;
      if (!Accept("and")) return Expected("'and'");
      return TxPoint(&st->changes_to);
    }
    if (Accept("since")) {
      st->kind = Kind::kSince;
      if (absl::Status s = Pattern(&st->query.pattern); !s.ok()) return s;
      end_hint_ = "'as of' or the end of the statement";
      return AsOf(&st->query.as_of);
    }
    if (Accept("timeline")) {
      st->kind = Kind::kTimeline;
      if (absl::Status s = Pattern(&st->query.pattern); !s.ok()) return s;
      if (absl::Status s = AsOf(&st->query.as_of); !s.ok()) return s;
      end_hint_ = "'as of', 'svg FILE' or the end of the statement";
      if (Accept("svg")) {
        if (t_[pos_].kind != Token::kWord && t_[pos_].kind != Token::kQuoted) return Expected("a file name");
        st->svg_path = t_[pos_++].text;
      }
      return absl::OkStatus();
    }
    if (Accept("assert")) {
      st->kind = Kind::kAssert;
      if (absl::Status s = Key(&st->key); !s.ok()) return s;
      if (IsPunct("=")) {
        ++pos_;
        const Token& tok = t_[pos_];
        if (tok.kind != Token::kWord && tok.kind != Token::kQuoted) return Expected("a value (\"text\", 42, 4.5, true)");
        absl::StatusOr<Value> v = ParseValue(tok.kind == Token::kQuoted ? tok.raw : tok.text);
        if (!v.ok()) return At(tok, std::string(v.status().message()));
        st->value = std::move(*v);
        ++pos_;
      }
      end_hint_ = "'from', 'to' or the end of the statement";
      return FromTo(&st->valid);
    }
    if (Accept("retract")) {
      st->kind = Kind::kRetract;
      if (absl::Status s = Key(&st->key); !s.ok()) return s;
      end_hint_ = "'from', 'to' or the end of the statement";
      return FromTo(&st->valid);
    }
    if (Accept("erase")) {
      st->kind = Kind::kErase;
      return Key(&st->key);
    }
    if (Accept("begin")) {
      st->kind = Kind::kBegin;
      end_hint_ = "'at', 'source' or the end of the statement";
      if (Accept("at")) {
        absl::StatusOr<Instant> t = Time();
        if (!t.ok()) return t.status();
        if (*t == kNegInf || *t == kPosInf) return At(t_[pos_ - 1], "a transaction time must be finite");
        st->tx_time = *t;
      }
      if (Accept("source")) {
        if (t_[pos_].kind != Token::kWord && t_[pos_].kind != Token::kQuoted) return Expected("a source name");
        st->source = t_[pos_++].text;
      }
      return absl::OkStatus();
    }
    if (Accept("commit")) {
      st->kind = Kind::kCommit;
      return absl::OkStatus();
    }
    if (Accept("rollback")) {
      st->kind = Kind::kRollback;
      return absl::OkStatus();
    }
    if (Accept("help")) {
      st->kind = Kind::kHelp;
      if (t_[pos_].kind == Token::kWord) st->topic = absl::AsciiStrToLower(t_[pos_++].text);
      return absl::OkStatus();
    }
    st->kind = Kind::kRead;
    return Read(st);
  }

  absl::Status Read(Statement* st) {
    if (absl::Status s = Pattern(&st->query.pattern); !s.ok()) return s;
    if (absl::Status s = Valid(st); !s.ok()) return s;
    end_hint_ = "'as of' or the end of the statement";
    return AsOf(&st->query.as_of);
  }

  absl::Status Valid(Statement* st) {
    end_hint_ = "'at', 'during', 'as of' or the end of the statement";
    if (Accept("at")) {
      absl::StatusOr<Instant> v = Time();
      if (!v.ok()) return v.status();
      st->query.valid = ValidTimeClause::At(*v);
      return absl::OkStatus();
    }
    if (Accept("during")) {
      absl::StatusOr<Interval> i = IntervalLiteral();
      if (!i.ok()) return i.status();
      st->query.valid = ValidTimeClause::During(*i);
      return absl::OkStatus();
    }
    static const std::pair<const char*, Relation> kRelations[] = {
        {"overlaps", Relation::kOverlaps}, {"contains", Relation::kContains}, {"before", Relation::kBefore},
        {"after", Relation::kAfter},       {"meets", Relation::kMeets},       {"equals", Relation::kEquals}};
    for (const auto& [word, relation] : kRelations) {
      if (!Accept(word)) continue;
      st->relation = relation;
      const bool point_allowed = relation != Relation::kOverlaps && relation != Relation::kEquals;
      if (point_allowed && !IsPunct("[")) {
        absl::StatusOr<Instant> v = Time();
        if (!v.ok()) return v.status();
        if (*v == kPosInf) return At(t_[pos_ - 1], "a point must be before +inf");
        st->relation_interval = {*v, *v + 1};
        st->relation_point = true;
      } else {
        absl::StatusOr<Interval> i = IntervalLiteral();
        if (!i.ok()) return i.status();
        st->relation_interval = *i;
      }
      return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  absl::Status AsOf(TxTimeClause* out) {
    if (Accept("for")) {
      if (!Accept("system_time")) return Expected("'system_time'");
      if (!Accept("as")) return Expected("'as'");
    } else if (!Accept("as")) {
      return absl::OkStatus();
    }
    if (!Accept("of")) return Expected("'of'");
    return TxPoint(out);
  }

  absl::Status TxPoint(TxTimeClause* out) {
    if (Accept("tx")) {
      const Token& tok = t_[pos_];
      if (tok.kind != Token::kWord || tok.text.empty() || tok.text.size() > 18 ||
          tok.text.find_first_not_of("0123456789") != std::string::npos) {
        return Expected("a transaction number");
      }
      *out = TxTimeClause::AsOfTx(std::stoull(tok.text));
      ++pos_;
      return absl::OkStatus();
    }
    absl::StatusOr<Instant> t = Time();
    if (!t.ok()) return t.status();
    *out = TxTimeClause::AsOf(*t);
    return absl::OkStatus();
  }

  absl::Status FromTo(Interval* valid) {
    *valid = {kNegInf, kPosInf};
    size_t to_column = 0;
    if (Accept("from")) {
      absl::StatusOr<Instant> f = Time();
      if (!f.ok()) return f.status();
      valid->from = *f;
    }
    if (Accept("to")) {
      to_column = t_[pos_].column;
      absl::StatusOr<Instant> t = Time();
      if (!t.ok()) return t.status();
      valid->to = *t;
    }
    if (!(valid->from < valid->to)) {
      return absl::InvalidArgumentError(absl::StrCat("column ", to_column != 0 ? to_column : t_[pos_].column,
                                                     ": from must be before to"));
    }
    return absl::OkStatus();
  }

  absl::Status Pattern(hindsight::Pattern* p) {
    std::optional<std::string>* const parts[] = {&p->subject, &p->predicate, &p->object};
    static const char* const kLabels[] = {"a subject", "a predicate", "an object"};
    for (int i = 0; i < 3; ++i) {
      const Token& tok = t_[pos_];
      if (tok.kind != Token::kWord && tok.kind != Token::kQuoted) return Expected(kLabels[i]);
      if (tok.kind == Token::kWord && tok.text == "*") {
        parts[i]->reset();
      } else {
        if (absl::Status s = ValidateName(tok.text); !s.ok()) return At(tok, std::string(s.message()));
        *parts[i] = tok.text;
      }
      ++pos_;
    }
    return absl::OkStatus();
  }

  absl::Status Key(FactKey* key) {
    std::string* const parts[] = {&key->subject, &key->predicate, &key->object};
    static const char* const kLabels[] = {"a subject", "a predicate", "an object"};
    for (int i = 0; i < 3; ++i) {
      const Token& tok = t_[pos_];
      if (tok.kind != Token::kWord && tok.kind != Token::kQuoted) return Expected(kLabels[i]);
      if (tok.kind == Token::kWord && tok.text == "*") return At(tok, "a write names one key: no '*' (quote it for the name *)");
      if (absl::Status s = ValidateName(tok.text); !s.ok()) return At(tok, std::string(s.message()));
      *parts[i] = tok.text;
      ++pos_;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Interval> IntervalLiteral() {
    if (!IsPunct("[")) return Expected("'[' (an interval is [from, to))");
    ++pos_;
    absl::StatusOr<Instant> from = Time();
    if (!from.ok()) return from.status();
    if (!IsPunct(",")) return Expected("','");
    ++pos_;
    const Token& to_tok = t_[pos_];
    absl::StatusOr<Instant> to = Time();
    if (!to.ok()) return to.status();
    if (!IsPunct(")")) return Expected("')' (intervals are half-open: [from, to))");
    ++pos_;
    if (!(*from < *to)) return At(to_tok, "an interval [from, to) needs from < to");
    return Interval{*from, *to};
  }

  absl::StatusOr<Instant> Time() {
    const Token& tok = t_[pos_];
    if (tok.kind != Token::kWord) return Expected("a time literal");
    absl::StatusOr<Instant> v = ParseInstant(tok.text);
    if (!v.ok()) return At(tok, std::string(v.status().message()));
    ++pos_;
    return v;
  }

  bool Accept(std::string_view kw) {
    if (t_[pos_].kind != Token::kWord || absl::AsciiStrToLower(t_[pos_].text) != kw) return false;
    ++pos_;
    return true;
  }
  bool IsPunct(std::string_view p) const { return t_[pos_].kind == Token::kPunct && t_[pos_].text == p; }

  static absl::Status At(const Token& tok, std::string_view message) {
    return absl::InvalidArgumentError(absl::StrCat("column ", tok.column, ": ", std::string(message)));
  }
  absl::Status Expected(std::string_view what) const {
    const Token& tok = t_[pos_];
    const std::string found = tok.kind == Token::kEnd ? "the end" : absl::StrCat("'", tok.text, "'");
    return At(tok, absl::StrCat("expected ", std::string(what), ", found ", found));
  }

  std::vector<Token> t_;
  size_t pos_ = 0;
  std::string end_hint_ = "the end of the statement";
};

}  // namespace

bool RelationHolds(Relation relation, Interval s, Interval i, bool point) {
  switch (relation) {
    case Relation::kNone: return true;
    case Relation::kOverlaps: return s.Overlaps(i);
    case Relation::kContains: return s.from <= i.from && i.to <= s.to;
    case Relation::kBefore: return s.to <= i.from;
    case Relation::kAfter: return s.from >= i.to;
    case Relation::kMeets: return s.to == i.from || s.from == (point ? i.from : i.to);
    case Relation::kEquals: return s == i;
  }
  return false;
}

absl::StatusOr<Statement> ParseStatement(std::string_view text) {
  absl::StatusOr<std::vector<Token>> tokens = Lex(text);
  if (!tokens.ok()) return tokens.status();
  return Parser(std::move(*tokens)).Parse();
}

const std::vector<std::string>& Keywords() {
  static const std::vector<std::string>* const kKeywords = new std::vector<std::string>{
      "after", "and", "as", "assert", "at", "before", "begin", "between", "changes", "commit", "contains",
      "count", "during", "equals", "erase", "for", "from", "help", "history", "meets", "of", "overlaps",
      "retract", "rollback", "since", "source", "svg", "system_time", "timeline", "to", "tx"};
  return *kKeywords;
}

}  // namespace hindsight::internal
