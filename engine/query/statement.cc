#include "query/statement.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "hindsight/value.h"
#include "query/lexer.h"
#include "time/postgres_time.h"
#include "util/edit_distance.h"
#include "util/utf8.h"

namespace hindsight::internal {
namespace {

constexpr char kColumnPayload[] = "hindsight.statement.column";
constexpr char kTimeLiteralPayload[] = "hindsight.statement.time_literal";

absl::Status ColumnError(size_t column, absl::string_view message) {
  absl::Status s = absl::InvalidArgumentError(absl::StrCat("column ", column, ": ", message));
  s.SetPayload(kColumnPayload, absl::Cord(absl::StrCat(column)));
  return s;
}

class Parser {
 public:
  // `tokens` must outlive the parser.
  Parser(const std::vector<Token>& tokens, const StatementParams* params) : t_(tokens), params_(params) {}
  // Notes in `*places` where each parameter stands.
  void NoteParameterPlaces(std::vector<ParameterPlace>* places) { places_ = places; }

  absl::StatusOr<Statement> Parse() {
    Statement st;
    absl::Status s = ParseBody(&st);
    if (s.ok() && IsPunct(";")) ++pos_;
    if (s.ok() && t_[pos_].kind != Token::kEnd) s = Expected(end_hint_);
    if (!s.ok() && st.kind == Kind::kRead) {
      // A read that does not parse may be a mistyped statement keyword.
      static const char* const kStatements[] = {"history", "count",  "changes", "since",  "timeline", "assert",
                                                "retract", "erase",  "begin",   "commit", "rollback", "await"};
      const Token& first = t_[0];
      for (const char* kw : kStatements) {
        if (first.kind == Token::kWord && IsTypoOf(first.text, kw)) {
          return At(first, absl::StrCat("unknown statement '", Excerpt(first.text), "' (did you mean '", kw, "'?)"));
        }
      }
    }
    if (!s.ok()) return s;
    st.reads_now = now_.has_value();
    return st;
  }

  // `word` is a near miss of keyword `kw`: within two edits, not equal.
  static bool IsTypoOf(std::string_view word, std::string_view kw) {
    const std::string lower = absl::AsciiStrToLower(std::string(word));
    const size_t most = kw.size() > 4 ? 2 : 1;
    return lower != kw && word.size() >= 3 && EditDistanceBelow(lower, kw, most + 1) <= most;
  }

 private:
  using Kind = Statement::Kind;

  absl::Status ParseBody(Statement* st) {
    if (t_[pos_].kind == Token::kEnd || IsPunct(";")) return Expected("a statement (try 'help')");
    if (Accept("history")) {
      st->kind = Kind::kHistory;
      end_hint_ = "'limit' or the end of the statement (history takes no time clause)";
      if (absl::Status s = Pattern(&st->query.pattern); !s.ok()) return s;
      return Limit(st);
    }
    if (Accept("count")) {
      st->kind = Kind::kCount;
      return Read(st);
    }
    if (Accept("changes")) return Changes(st);
    if (Accept("since")) {
      st->kind = Kind::kSince;
      if (absl::Status s = Pattern(&st->query.pattern); !s.ok()) return s;
      end_hint_ = "'as of', 'limit' or the end of the statement";
      if (absl::Status s = AsOf(&st->query.as_of); !s.ok()) return s;
      return Limit(st);
    }
    if (Accept("timeline")) return Timeline(st);
    if (Accept("assert")) return Assert(st);
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
    if (Accept("begin")) return Begin(st);
    if (Accept("commit")) {
      st->kind = Kind::kCommit;
      return absl::OkStatus();
    }
    if (Accept("rollback")) {
      st->kind = Kind::kRollback;
      if (!Accept("to")) return absl::OkStatus();
      st->kind = Kind::kRollbackTo;
      Accept("savepoint");
      return SavepointName(st);
    }
    if (IsSavepointStatement()) {
      st->kind = Accept("savepoint") ? Kind::kSavepoint : Kind::kRelease;
      if (st->kind == Kind::kRelease) {
        Accept("release");
        Accept("savepoint");
      }
      return SavepointName(st);
    }
    if (Accept("await")) return Await(st);
    if (Accept("help")) {
      st->kind = Kind::kHelp;
      if (t_[pos_].kind == Token::kWord) st->topic = absl::AsciiStrToLower(t_[pos_++].text);
      return absl::OkStatus();
    }
    st->kind = Kind::kRead;
    return Read(st);
  }

  // `savepoint NAME`, `release NAME` or `release savepoint NAME`, whole:
  // in other shapes the words start reads, of a subject so named.
  bool IsSavepointStatement() const {
    const auto word = [this](size_t i, std::string_view kw) {
      return t_[i].kind == Token::kWord && absl::AsciiStrToLower(t_[i].text) == kw;
    };
    const auto ends = [this](size_t i) { return t_[i].kind == Token::kEnd || t_[i].kind == Token::kPunct; };
    if (word(pos_, "savepoint")) return !ends(pos_ + 1) && ends(pos_ + 2);
    if (!word(pos_, "release") || ends(pos_ + 1)) return false;
    return ends(pos_ + 2) || (word(pos_ + 1, "savepoint") && !ends(pos_ + 2) && ends(pos_ + 3));
  }

  // A savepoint's name: folded to lower case unless quoted, as SQL's.
  absl::Status SavepointName(Statement* st) {
    const Token& tok = t_[pos_];
    const bool word = tok.kind == Token::kWord && tok.text.find('*') == std::string::npos;
    if (!word && tok.kind != Token::kQuoted && tok.kind != Token::kParam) return Expected("a savepoint name");
    absl::StatusOr<std::string> name = NameOf(tok);
    if (!name.ok()) return name.status();
    st->savepoint = tok.kind == Token::kWord ? absl::AsciiStrToLower(*name) : *std::move(name);
    ++pos_;
    return absl::OkStatus();
  }

  // changes PATTERN between TX and TX [limit N]
  absl::Status Changes(Statement* st) {
    st->kind = Kind::kChanges;
    if (absl::Status s = Pattern(&st->query.pattern); !s.ok()) return s;
    if (!Accept("between")) return Expected("'between'");
    if (absl::Status s = TxPoint(&st->changes_from); !s.ok()) return s;
    if (!Accept("and")) return Expected("'and'");
    if (absl::Status s = TxPoint(&st->changes_to); !s.ok()) return s;
    end_hint_ = "'limit' or the end of the statement";
    return Limit(st);
  }

  // timeline [history] PATTERN [during I] [as of T] [limit N] [svg FILE]
  absl::Status Timeline(Statement* st) {
    st->kind = Kind::kTimeline;
    st->timeline_history = Accept("history");
    if (absl::Status s = Pattern(&st->query.pattern); !s.ok()) return s;
    end_hint_ = st->timeline_history ? "'during', 'limit', 'svg FILE' or the end of the statement"
                                     : "'during', 'as of', 'limit', 'svg FILE' or the end of the statement";
    if (Accept("during")) {
      absl::StatusOr<Interval> window = IntervalLiteral();
      if (!window.ok()) return window.status();
      st->query.valid = ValidTimeClause::During(*window);
      end_hint_ = st->timeline_history ? "'limit', 'svg FILE' or the end of the statement"
                                       : "'as of', 'limit', 'svg FILE' or the end of the statement";
    }
    if (const size_t before = pos_; !st->timeline_history) {
      if (absl::Status s = AsOf(&st->query.as_of); !s.ok()) return s;
      if (pos_ != before) end_hint_ = "'limit', 'svg FILE' or the end of the statement";
    }
    if (absl::Status s = Limit(st); !s.ok()) return s;
    if (st->limit) end_hint_ = "'svg FILE' or the end of the statement";
    if (Accept("svg")) {
      st->svg_column = t_[pos_ - 1].column;
      if (t_[pos_].kind != Token::kWord && t_[pos_].kind != Token::kQuoted && t_[pos_].kind != Token::kSqlString) {
        return Expected("a file name");
      }
      st->svg_path = t_[pos_++].text;
    }
    return absl::OkStatus();
  }

  // assert KEY [= VALUE] [from V] [to V]
  absl::Status Assert(Statement* st) {
    st->kind = Kind::kAssert;
    if (absl::Status s = Key(&st->key); !s.ok()) return s;
    if (IsPunct("=")) {
      ++pos_;
      const Token& tok = t_[pos_];
      if (!IsNameToken(tok)) return Expected("a value (\"text\", 42, 4.5, true)");
      absl::StatusOr<Value> v = ValueOf(tok);
      if (!v.ok() && tok.kind == Token::kWord && !tok.text.empty() && absl::ascii_isalpha(tok.text[0]) &&
          tok.text != "null") {
        return At(tok, absl::StrCat("a text value is quoted: \"", Excerpt(tok.text), "\""));
      }
      if (!v.ok()) return v.status();
      st->value = std::move(*v);
      ++pos_;
    }
    end_hint_ = "'from', 'to' or the end of the statement";
    return FromTo(&st->valid);
  }

  // begin [at T] [source NAME]
  absl::Status Begin(Statement* st) {
    st->kind = Kind::kBegin;
    end_hint_ = "'at', 'source' or the end of the statement";
    if (Accept("at")) {
      absl::StatusOr<Instant> t = Time();
      if (!t.ok()) return t.status();
      if (*t == kNegInf || *t == kPosInf) return At(t_[pos_ - 1], "a transaction time must be finite");
      st->tx_time = *t;
    }
    if (Accept("source")) {
      if (!IsNameToken(t_[pos_])) return Expected("a source name");
      absl::StatusOr<std::string> source = NameOf(t_[pos_++]);
      if (!source.ok()) return source.status();
      st->source = std::move(*source);
    }
    return absl::OkStatus();
  }

  absl::Status Read(Statement* st) {
    if (absl::Status s = Pattern(&st->query.pattern); !s.ok()) return s;
    if (absl::Status s = Valid(st); !s.ok()) return s;
    end_hint_ = st->kind == Kind::kCount ? "'as of' or the end of the statement (count takes no limit)"
                                         : "'as of', 'limit' or the end of the statement";
    if (absl::Status s = AsOf(&st->query.as_of); !s.ok()) return s;
    return st->kind == Kind::kCount ? absl::OkStatus() : Limit(st);
  }

  // await tx N [timeout D], D a duration such as 500ms, 5s or 2m.
  absl::Status Await(Statement* st) {
    st->kind = Kind::kAwait;
    if (!Accept("tx")) return Expected("'tx'");
    absl::StatusOr<uint64_t> id = Number("a transaction id");
    if (!id.ok()) return id.status();
    st->await_tx = *id;
    end_hint_ = "'timeout' or the end of the statement";
    if (!Accept("timeout")) return absl::OkStatus();
    const Token& tok = t_[pos_];
    absl::StatusOr<std::string> text = tok.kind == Token::kParam ? ParamText(tok, "1s") : tok.text;
    if (!text.ok()) return text.status();
    absl::Duration d;
    if (tok.kind == Token::kEnd || !absl::ParseDuration(*text, &d) || d < absl::ZeroDuration() ||
        d == absl::InfiniteDuration()) {
      return Expected("a duration such as 500ms, 5s or 2m");
    }
    ++pos_;
    st->await_timeout = d;
    end_hint_ = "the end of the statement";
    return absl::OkStatus();
  }

  // ["limit" N], N a count of rows (0 allowed: no rows, only the columns).
  absl::Status Limit(Statement* st) {
    if (!Accept("limit")) return absl::OkStatus();
    absl::StatusOr<uint64_t> n = Number("a number of rows");
    if (!n.ok()) return n.status();
    st->limit = *n;
    end_hint_ = "the end of the statement";
    return absl::OkStatus();
  }

  // A decimal number (a word or a parameter) of up to 18 digits.
  absl::StatusOr<uint64_t> Number(std::string_view what) {
    const Token& tok = t_[pos_];
    absl::StatusOr<std::string> number = tok.kind == Token::kParam ? ParamText(tok, "1") : tok.text;
    if (!number.ok()) return number.status();
    NotePlace(tok, ParameterPlace::kNumber);
    if ((tok.kind != Token::kWord && tok.kind != Token::kParam) || number->empty() || number->size() > 18 ||
        number->find_first_not_of("0123456789") != std::string::npos) {
      if (tok.kind == Token::kParam) {  // say what it holds, not only its number
        return At(tok, absl::StrCat("expected ", std::string(what), ", found $", tok.param, " = '", *number, "'"));
      }
      return Expected(what);
    }
    ++pos_;
    return std::stoull(*number);
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
      if (point_allowed && !IsPunct("[") && !QuotesAnInterval(t_[pos_])) {
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
      absl::StatusOr<uint64_t> n = Number("a transaction number");
      if (!n.ok()) return n.status();
      *out = TxTimeClause::AsOfTx(*n);
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
    bool unknown = false;  // an end is a placeholder: its order is not known yet
    if (Accept("from")) {
      unknown = IsPlaceholder(t_[pos_]);
      absl::StatusOr<Instant> f = Time();
      if (!f.ok()) return f.status();
      valid->from = *f;
    }
    if (Accept("to")) {
      to_column = t_[pos_].column;
      unknown = unknown || IsPlaceholder(t_[pos_]);
      absl::StatusOr<Instant> t = Time();
      if (!t.ok()) return t.status();
      valid->to = *t;
    }
    if (!unknown && !(valid->from < valid->to)) {
      return ColumnError(to_column != 0 ? to_column : t_[pos_].column, "from must be before to");
    }
    return absl::OkStatus();
  }

  absl::Status Pattern(hindsight::Pattern* p) {
    std::optional<std::string>* const parts[] = {&p->subject, &p->predicate, &p->object};
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<std::optional<std::string>> name = NamePart(i, /*star_allowed=*/true);
      if (!name.ok()) return name.status();
      *parts[i] = *std::move(name);
    }
    pattern_end_ = pos_;
    return absl::OkStatus();
  }

  absl::Status Key(FactKey* key) {
    std::string* const parts[] = {&key->subject, &key->predicate, &key->object};
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<std::optional<std::string>> name = NamePart(i, /*star_allowed=*/false);
      if (!name.ok()) return name.status();
      *parts[i] = **std::move(name);
    }
    pattern_end_ = pos_;
    return absl::OkStatus();
  }

  // Part `i` (0 subject, 1 predicate, 2 object) of a pattern or key, at pos_:
  // its name, or nullopt for a bare '*' where `star_allowed`.
  absl::StatusOr<std::optional<std::string>> NamePart(int i, bool star_allowed) {
    static const char* const kLabels[] = {"a subject", "a predicate", "an object"};
    const Token& tok = t_[pos_];
    if (!IsNameToken(tok)) {
      // A pattern or key cut short: say what it is made of.
      const bool cut_short = i > 0 && (tok.kind == Token::kEnd || IsPunct(";"));
      return Expected(kLabels[i], !cut_short          ? ""
                                  : star_allowed ? " (SUBJECT PREDICATE OBJECT: three terms, * for any)"
                                                 : " (SUBJECT PREDICATE OBJECT: three terms)");
    }
    if (tok.kind == Token::kWord && tok.text == "*") {
      if (!star_allowed) return At(tok, "a write names one key: no '*' (quote it for the name *)");
      ++pos_;
      return std::nullopt;
    }
    if (tok.kind == Token::kWord && absl::StrContains(tok.text, '*')) {  // Syr*, **, *Ukraine
      return At(tok, absl::StrCat("'", Excerpt(tok.text),
                                  "': * is a wildcard only alone, between spaces, for any whole name; a name "
                                  "that holds * is quoted: ",
                                  FormatValue(Value::String(tok.text))));
    }
    absl::StatusOr<std::string> name = NameOf(tok);
    if (!name.ok()) return name.status();
    if (absl::Status s = ValidateName(*name); !s.ok()) return At(tok, std::string(s.message()));
    ++pos_;
    return *std::move(name);
  }

  static bool IsNameToken(const Token& tok) {
    return tok.kind == Token::kWord || tok.kind == Token::kQuoted || tok.kind == Token::kSqlString ||
           tok.kind == Token::kParam;
  }

  // Whether `tok` is a parameter standing for a placeholder (describing).
  bool IsPlaceholder(const Token& tok) const {
    return tok.kind == Token::kParam && params_ != nullptr && params_->placeholders;
  }

  // The text a parameter token stands for (a placeholder when describing).
  absl::StatusOr<std::string> ParamText(const Token& tok, std::string_view placeholder) const {
    if (params_ == nullptr) return At(tok, "parameters ($1, $2, ...) need a prepared statement with values");
    if (params_->placeholders) return std::string(placeholder);
    if (tok.param > params_->values.size()) {
      return At(tok, absl::StrCat("no value for parameter $", tok.param, " (", params_->values.size(), " given)"));
    }
    const std::optional<std::string>& v = params_->values[tok.param - 1];
    if (!v) return At(tok, absl::StrCat("parameter $", tok.param, " is NULL"));
    return *v;
  }

  // A 'string'::date (or another time) where a name or value stands.
  static absl::Status TimeCastError(const Token& tok, const char* role) {
    return At(tok, absl::StrCat("a string cast to ", tok.cast, " is a time, not a ", role));
  }

  // The name a name-like token stands for (REQUIRES IsNameToken).
  absl::StatusOr<std::string> NameOf(const Token& tok) const {
    if (IsPostgresTimeType(tok.cast)) return TimeCastError(tok, "name");
    if (tok.kind != Token::kParam) return tok.text;
    return ParamText(tok, "x");
  }

  void NotePlace(const Token& tok, ParameterPlace place) const {
    if (tok.kind != Token::kParam || places_ == nullptr) return;
    if (places_->size() < tok.param) places_->resize(tok.param, ParameterPlace::kOther);
    (*places_)[tok.param - 1] = place;
  }

  absl::StatusOr<Value> ValueOf(const Token& tok) const {
    if (IsPostgresTimeType(tok.cast)) return TimeCastError(tok, "value");
    if (tok.kind == Token::kSqlString) return Value::String(tok.text);
    if (tok.kind == Token::kParam) {
      NotePlace(tok, ParameterPlace::kValue);
      // A placeholder is none; so is NULL where a value stands, as a row's
      // value none is NULL.
      const bool none = params_ != nullptr && (params_->placeholders || (tok.param <= params_->values.size() &&
                                                                          !params_->values[tok.param - 1]));
      if (none) return Value();
      absl::StatusOr<std::string> text = ParamText(tok, "");
      if (!text.ok()) return text.status();
      const bool text_typed = tok.param <= params_->text_typed.size() && params_->text_typed[tok.param - 1];
      if (!text_typed) {
        absl::StatusOr<Value> v = ParseValue(*text);
        if (v.ok() && !v->is_none()) return v;
      }
      if (!IsValidUtf8(*text)) return At(tok, "a text value must be valid UTF-8");
      return Value::String(*text);
    }
    absl::StatusOr<Value> v = ParseValue(tok.kind == Token::kQuoted ? tok.raw : tok.text);
    if (!v.ok()) return At(tok, std::string(v.status().message()));
    return v;
  }

  absl::StatusOr<Interval> IntervalLiteral() {
    const Token& tok = t_[pos_];
    if (tok.kind == Token::kSqlString || tok.kind == Token::kParam) return QuotedInterval(tok);
    if (!IsPunct("[")) return Expected("'[' (an interval is [from, to))");
    ++pos_;
    const bool from_unknown = IsPlaceholder(t_[pos_]);
    absl::StatusOr<Instant> from = Time();
    if (!from.ok()) return from.status();
    if (!IsPunct(",")) return Expected("','");
    ++pos_;
    const Token& to_tok = t_[pos_];
    absl::StatusOr<Instant> to = Time();
    if (!to.ok()) return to.status();
    if (!IsPunct(")")) return Expected("')' (intervals are half-open: [from, to))");
    ++pos_;
    // Placeholders (describing a statement) stand for ends whose order is
    // not known yet.
    if (!from_unknown && !IsPlaceholder(to_tok) && !(*from < *to)) {
      return At(to_tok, "an interval [from, to) needs from < to");
    }
    return Interval{*from, *to};
  }

  // '[from, to)', or a parameter holding it: how psql's \copy (which
  // counts parentheses itself) and a client's parameters carry one.
  absl::StatusOr<Interval> QuotedInterval(const Token& tok) {
    absl::StatusOr<std::string> text = tok.kind == Token::kParam ? ParamText(tok, "[1970, 1971)") : tok.text;
    if (!text.ok()) return text.status();
    const auto not_interval = [&](const absl::Status& why) {
      return At(tok, absl::StrCat("'", Excerpt(*text),
                                  "' is not an interval [from, to): ", std::string(ErrorReason(why))));
    };
    absl::StatusOr<std::vector<Token>> inner = Lex(*text);
    if (!inner.ok()) return not_interval(inner.status());
    Parser parser(*inner, nullptr);
    parser.now_ = now_;  // one instant for every now of the statement
    absl::StatusOr<Interval> interval = parser.WholeInterval();
    now_ = parser.now_;
    if (!interval.ok()) return not_interval(interval.status());
    ++pos_;
    return interval;
  }

  // A string or parameter whose text starts with '[' (a point's does not).
  bool QuotesAnInterval(const Token& tok) const {
    if (tok.kind != Token::kSqlString && tok.kind != Token::kParam) return false;
    absl::StatusOr<std::string> text = tok.kind == Token::kParam ? ParamText(tok, "1970") : tok.text;
    return text.ok() && absl::StartsWith(absl::StripLeadingAsciiWhitespace(*text), "[");
  }

  // The tokens are one interval and nothing more.
  absl::StatusOr<Interval> WholeInterval() {
    absl::StatusOr<Interval> interval = IntervalLiteral();
    if (interval.ok() && t_[pos_].kind != Token::kEnd) return Expected("the end of the interval");
    return interval;
  }

  absl::StatusOr<Instant> Time() {
    const Token& tok = t_[pos_];
    if (tok.kind != Token::kWord && tok.kind != Token::kSqlString && tok.kind != Token::kParam) {
      return Expected("a time literal");
    }
    // A string or parameter where a time stands may also be written as
    // PostgreSQL writes one (its own answers' timestamptz text, JDBC's
    // untyped timestamps): '2025-01-02 10:30:00+02', 'infinity'.
    absl::StatusOr<std::string> text = tok.kind == Token::kParam ? ParamText(tok, "1970") : tok.text;
    if (!text.ok()) return text.status();
    NotePlace(tok, ParameterPlace::kTime);
    if (tok.kind != Token::kWord) *text = PostgresTimeAsLiteral(*text);
    if (absl::EqualsIgnoreCase(*text, "now")) {
      if (!now_) now_ = absl::ToUnixMicros(absl::Now());
      ++pos_;
      return *now_;
    }
    absl::StatusOr<Instant> v = ParseInstant(*text);
    const bool letters = std::all_of(text->begin(), text->end(), [](char c) { return absl::ascii_isalpha(c); });
    if (!v.ok() && !text->empty() && letters) {  // today, yesterday
      v = absl::InvalidArgumentError(
          absl::StrCat("invalid time literal '", Excerpt(*text),
                       "': expected YYYY, YYYY-MM, YYYY-MM-DD[THH:MM...], -inf, +inf or now"));
    }
    if (!v.ok()) {
      absl::Status error = At(tok, std::string(v.status().message()));
      error.SetPayload(kTimeLiteralPayload, absl::Cord("1"));
      return error;
    }
    ++pos_;
    return v;
  }

  bool Accept(std::string_view kw) {
    if (t_[pos_].kind != Token::kWord || absl::AsciiStrToLower(t_[pos_].text) != kw) return false;
    ++pos_;
    return true;
  }
  bool IsPunct(std::string_view p) const { return t_[pos_].kind == Token::kPunct && t_[pos_].text == p; }

  // "12:00", "9:30:15": a time of day.
  static bool LooksLikeClock(std::string_view word) {
    const size_t colon = word.find(':');
    return (colon == 1 || colon == 2) && colon + 1 < word.size() &&
           std::all_of(word.begin(), word.begin() + colon, [](char c) { return absl::ascii_isdigit(c); }) &&
           absl::ascii_isdigit(word[colon + 1]);
  }
  static absl::Status At(const Token& tok, std::string_view message) {
    return ColumnError(tok.column, absl::string_view(message.data(), message.size()));
  }
  // "expected WHAT, found ...", with a hint where one helps (else
  // `fallback_hint`).
  absl::Status Expected(std::string_view what, std::string_view fallback_hint = "") const {
    const Token& tok = t_[pos_];
    const std::string found = tok.kind == Token::kEnd ? "the end" : absl::StrCat("'", Excerpt(tok.text), "'");
    std::string hint;
    if (tok.kind == Token::kWord) {
      for (const std::string& kw : Keywords()) {
        if (IsTypoOf(tok.text, kw)) {
          hint = absl::StrCat(" (did you mean '", kw, "'?)");
          break;
        }
      }
      // A bare word right after a pattern: a name with spaces, unquoted.
      const std::string lower = absl::AsciiStrToLower(tok.text);
      const bool keyword = std::find(Keywords().begin(), Keywords().end(), lower) != Keywords().end();
      if (hint.empty() && !keyword && pattern_end_ == pos_) hint = " (names with spaces need quotes: \"South Korea\")";
      // A time of day after its date, as SQL writes a timestamp.
      if (hint.empty() && LooksLikeClock(tok.text) && pos_ > 0 && t_[pos_ - 1].kind == Token::kWord) {
        hint = absl::StrCat(" (a time of day joins its date with T: ", t_[pos_ - 1].text, "T", tok.text, ")");
      }
    }
    if (hint.empty()) hint = fallback_hint;
    return At(tok, absl::StrCat("expected ", std::string(what), ", found ", found, hint));
  }

  const std::vector<Token>& t_;
  const StatementParams* params_;
  std::vector<ParameterPlace>* places_ = nullptr;
  size_t pos_ = 0;
  size_t pattern_end_ = SIZE_MAX;  // the token after the last pattern or key read
  std::string end_hint_ = "the end of the statement";
  std::optional<Instant> now_;  // the instant `now` stands for, once read
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

absl::StatusOr<Statement> ParseStatement(std::string_view text, const StatementParams* params) {
  absl::StatusOr<std::vector<Token>> tokens = Lex(text);
  if (!tokens.ok()) return tokens.status();
  return Parser(*tokens, params).Parse();
}

absl::StatusOr<LexedStatement> LexedStatement::Of(std::string_view text) {
  absl::StatusOr<std::vector<Token>> tokens = Lex(text);
  if (!tokens.ok()) return tokens.status();
  tokens->shrink_to_fit();  // kept as long as the prepared statement
  LexedStatement lexed;
  lexed.tokens_ = std::make_shared<const std::vector<Token>>(*std::move(tokens));
  return lexed;
}

size_t LexedStatement::bytes() const {
  size_t bytes = sizeof(*this) + sizeof(*tokens_) + tokens_->capacity() * sizeof(Token);
  for (const Token& t : *tokens_) bytes += t.text.size() + t.raw.size() + t.cast.size();
  return bytes;
}

absl::StatusOr<Statement> ParseStatement(const LexedStatement& lexed, const StatementParams* params) {
  return Parser(*lexed.tokens_, params).Parse();
}

std::optional<size_t> ErrorColumn(const absl::Status& status) {
  const auto payload = status.GetPayload(kColumnPayload);
  size_t column = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &column)) return std::nullopt;
  return column;
}

absl::Status StatementErrorAt(size_t column, std::string_view message) {
  return ColumnError(column, absl::string_view(message.data(), message.size()));
}

bool IsTimeLiteralError(const absl::Status& status) { return status.GetPayload(kTimeLiteralPayload).has_value(); }

std::string_view ErrorReason(const absl::Status& status) {
  const std::string_view message(status.message().data(), status.message().size());
  if (!ErrorColumn(status)) return message;
  const size_t colon = message.find(": ");
  return colon == std::string_view::npos ? message : message.substr(colon + 2);
}

std::vector<ParameterPlace> ParameterPlaces(std::string_view text) {
  absl::StatusOr<std::vector<Token>> tokens = Lex(text);
  if (!tokens.ok()) return {};
  StatementParams placeholders;
  placeholders.placeholders = true;
  std::vector<ParameterPlace> places;
  Parser parser(*tokens, &placeholders);
  parser.NoteParameterPlaces(&places);
  if (!parser.Parse().ok()) return {};
  return places;
}

size_t ParameterCount(std::string_view text) {
  absl::StatusOr<std::vector<Token>> tokens = Lex(text);
  size_t n = 0;
  if (tokens.ok()) {
    for (const Token& t : *tokens) n = std::max(n, t.param);
  }
  return n;
}

bool ReadsAsName(std::string_view name) {
  absl::StatusOr<std::vector<Token>> tokens = Lex(name);
  if (!tokens.ok() || tokens->size() != 2 || (*tokens)[0].kind != Token::kWord || (*tokens)[0].text != name) {
    return false;
  }
  const std::vector<std::string>& keywords = Keywords();
  const std::string lower = absl::AsciiStrToLower(std::string(name));
  return name.find('*') == std::string_view::npos &&
         std::find(keywords.begin(), keywords.end(), lower) == keywords.end();
}

bool StartsLikeSql(std::string_view statement) {
  const size_t start = std::min(statement.size(), AfterBlanks(statement, 0));
  size_t end = start;
  while (end < statement.size() && absl::ascii_isalpha(static_cast<unsigned char>(statement[end]))) ++end;
  const std::string first = absl::AsciiStrToLower(std::string(statement.substr(start, end - start)));
  for (const char* word : {"select", "insert", "update", "delete", "with", "create", "drop", "alter", "table",
                           "values", "explain", "truncate", "merge", "grant", "show", "describe", "use"}) {
    if (first == word) return true;
  }
  return false;
}


const std::vector<std::string>& Keywords() {
  static const std::vector<std::string>* const kKeywords = new std::vector<std::string>{
      "after", "and", "as", "assert", "at", "await", "before", "begin", "between", "changes", "commit", "contains",
      "count", "during", "equals", "erase", "for", "from", "help", "history", "limit", "meets", "of", "overlaps",
      "retract", "rollback", "since", "source", "svg", "system_time", "timeline", "timeout", "to", "tx"};
  return *kKeywords;
}

const std::vector<std::string>& StatementOnlyWords() {
  static const std::vector<std::string>* const kWords = new std::vector<std::string>{"release", "savepoint"};
  return *kWords;
}

}  // namespace hindsight::internal
