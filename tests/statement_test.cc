// The read statement of `hindsight query` (docs/query-language.md).
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "hindsight/value.h"
#include "query/lexer.h"
#include "query/statement.h"

namespace hindsight::internal {
namespace {

Statement Parse(std::string_view s) {
  absl::StatusOr<Statement> st = ParseStatement(s);
  EXPECT_TRUE(st.ok()) << s << ": " << st.status();
  return st.value_or(Statement{});
}

std::string Error(std::string_view s) {
  absl::StatusOr<Statement> st = ParseStatement(s);
  EXPECT_FALSE(st.ok()) << s;
  return std::string(st.status().message());
}

TEST(StatementTest, TheFormsOfTheIssue) {
  Statement st = Parse("Syria * Ukraine at 2023-01-01;");
  EXPECT_EQ(st.query.pattern.subject, "Syria");
  EXPECT_FALSE(st.query.pattern.predicate);
  EXPECT_EQ(st.query.valid.kind, ValidTimeClause::Kind::kAt);
  EXPECT_EQ(st.query.valid.at, *ParseInstant("2023-01-01"));

  st = Parse("Syria * Ukraine at 2025-10-01 as of 2025-01-01;");
  EXPECT_EQ(st.query.as_of.kind, TxTimeClause::Kind::kAsOfTime);
  EXPECT_EQ(st.query.as_of.time, *ParseInstant("2025-01-01"));

  st = Parse("Syria diplomatic_relations * during [2020, 2026);");
  EXPECT_EQ(st.query.valid.kind, ValidTimeClause::Kind::kDuring);
  EXPECT_EQ(st.query.valid.during, (Interval{*ParseInstant("2020"), *ParseInstant("2026")}));

  st = Parse("history Syria * Ukraine;");
  EXPECT_TRUE(st.is_history());

  st = Parse("\"South Korea\" \"*\" * AT 2025 AS OF TX 3");
  EXPECT_EQ(st.query.pattern.subject, "South Korea");
  EXPECT_EQ(st.query.pattern.predicate, "*");
  EXPECT_EQ(st.query.as_of.kind, TxTimeClause::Kind::kAsOfTx);
  EXPECT_EQ(st.query.as_of.tx_id, 3u);

  st = Parse("* * *");
  EXPECT_EQ(st.query.valid.kind, ValidTimeClause::Kind::kAll);
  EXPECT_EQ(st.query.as_of.kind, TxTimeClause::Kind::kLatest);
  st = Parse("a b c at 2000-01-01T10:30+01:00");
  EXPECT_EQ(st.query.valid.at, *ParseInstant("2000-01-01T09:30Z"));
}

TEST(StatementTest, TimelinesTakeAWindowAnAsOfALimitAndAFile) {
  Statement st = Parse("timeline Syria * * during [2014, 2015) as of tx 3 limit 12 svg \"out file.svg\";");
  EXPECT_EQ(st.kind, Statement::Kind::kTimeline);
  EXPECT_FALSE(st.timeline_history);
  EXPECT_EQ(st.query.valid.during, (Interval{*ParseInstant("2014"), *ParseInstant("2015")}));
  EXPECT_EQ(st.query.as_of.tx_id, 3u);
  EXPECT_EQ(st.limit, 12u);
  EXPECT_EQ(st.svg_path, "out file.svg");
  EXPECT_EQ(st.svg_column, 60u);
  st = Parse("timeline history Syria * Ukraine svg h.svg");
  EXPECT_TRUE(st.timeline_history);
  EXPECT_EQ(st.query.valid.kind, ValidTimeClause::Kind::kAll);
  EXPECT_EQ(Error("timeline history a b c as of tx 1"),
            "column 24: expected 'during', 'limit', 'svg FILE' or the end of the statement, found 'as'");
  EXPECT_EQ(Error("timeline a b c at 2020"),
            "column 16: expected 'during', 'as of', 'limit', 'svg FILE' or the end of the statement, found 'at'");
  EXPECT_EQ(Error("timeline a b c limit 3 as of tx 1"),
            "column 24: expected 'svg FILE' or the end of the statement, found 'as'");
}

TEST(StatementTest, ErrorsSayWhereAndWhat) {
  EXPECT_EQ(Error("Syria *"), "column 8: expected an object, found the end (SUBJECT PREDICATE OBJECT: three terms, * for any)");
  EXPECT_EQ(Error("a b c at"), "column 9: expected a time literal, found the end");
  EXPECT_EQ(Error("a b c during [2020 2021)"), "column 20: expected ',', found '2021'");
  EXPECT_EQ(Error("a b c during [2021, 2020)"), "column 21: an interval [from, to) needs from < to");
  EXPECT_EQ(Error("a b c during [2020, 2021]"), "column 25: expected ')' (intervals are half-open: [from, to)), found ']'");
  EXPECT_EQ(Error("a b c as 2020"), "column 10: expected 'of', found '2020'");
  EXPECT_EQ(Error("a b c as of tx x"), "column 16: expected a transaction number, found 'x'");
  EXPECT_EQ(Error("history a b c at 2020"), "column 15: expected 'limit' or the end of the statement (history takes no time clause), found 'at'");
  EXPECT_EQ(Error("a b c at 2020 extra"), "column 15: expected 'as of', 'limit' or the end of the statement, found 'extra'");
  EXPECT_EQ(Error("\"unterminated b c"), "column 18: unterminated quoted name: close it with \"");
  EXPECT_EQ(Error("histroy a b c"), "column 1: unknown statement 'histroy' (did you mean 'history'?)");
  EXPECT_EQ(Error("a b c durng [2020, 2021)"),
            "column 7: expected 'as of', 'limit' or the end of the statement, found 'durng' (did you mean 'during'?)");
  EXPECT_EQ(Error("South Korea rel x"),
            "column 17: expected 'as of', 'limit' or the end of the statement, found 'x' (names with spaces need "
            "quotes: \"South Korea\")");
  EXPECT_EQ(Error("assert a b c = severed"), "column 16: a text value is quoted: \"severed\"");
  EXPECT_EQ(Error("a b c at 2025-01-01 12:00"),
            "column 21: expected 'as of', 'limit' or the end of the statement, found '12:00' (a time of day joins its "
            "date with T: 2025-01-01T12:00)");
  EXPECT_TRUE(absl::StartsWith(Error("\"\" b c"), "column 1: empty name"));
  EXPECT_TRUE(absl::StartsWith(Error("a b c at 2025-02-30"), "column 10: invalid time literal '2025-02-30'"));
}

// Random bytes, and random sequences of the language's own tokens, never
// crash the parser, and every error has a position.
TEST(StatementTest, RandomInputAlwaysParsesOrSaysWhere) {
  std::mt19937 rng(17);
  std::vector<std::string> tokens = Keywords();
  for (const char* t : {"*", "\"*\"", "\"South Korea\"", "Syria", "2025", "2025-02-30", "-inf", "+inf", "[", "]",
                        "(", ")", ",", ";", "=", "42", "4.5", "true", "null", "\"", "\"\\u0000\"", "--", "1e400"}) {
    tokens.push_back(t);
  }
  const auto check = [](const std::string& text) {
    absl::StatusOr<Statement> st = ParseStatement(text);
    if (!st.ok()) {
      ASSERT_TRUE(absl::StartsWith(st.status().message(), "column ")) << text << " -> " << st.status();
    }
  };
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const int n = std::uniform_int_distribution<int>(0, 12)(rng);
    for (int k = 0; k < n; ++k) text += tokens[rng() % tokens.size()] + (rng() % 4 ? " " : "");
    check(text);
    std::string bytes(std::uniform_int_distribution<int>(0, 40)(rng), '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    check(bytes);
  }
}

TEST(StatementTest, SqlStringsStandForNamesTimesAndTextValues) {
  Statement st = Parse("'Syria' * 'Côte d''Ivoire' at '2025-10-01' as of '2025-01-01'");
  EXPECT_EQ(st.query.pattern.subject, "Syria");
  EXPECT_EQ(st.query.pattern.object, "Côte d'Ivoire");
  EXPECT_EQ(st.query.valid.at, *ParseInstant("2025-10-01"));
  EXPECT_EQ(st.query.as_of.time, *ParseInstant("2025-01-01"));
  st = Parse("assert a b c = '42' from '2020'");
  EXPECT_EQ(st.value, Value::String("42"));
  EXPECT_EQ(Error("a b 'c"), "column 7: unterminated string: close it with '");
}

TEST(StatementTest, AnIntervalMayComeAsAStringOrAParameter) {
  // psql's \copy (query) counts parentheses, so '[2019, 2022)' is how it
  // carries a half-open interval; a driver passes one as a parameter.
  Statement st = Parse("Syria * * during '[2019, 2022)'");
  EXPECT_EQ(st.query.valid.during.from, *ParseInstant("2019"));
  EXPECT_EQ(st.query.valid.during.to, *ParseInstant("2022"));
  st = Parse("Syria * * overlaps ' [ 2019-06-01 , +inf ) '");
  EXPECT_EQ(st.relation_interval.from, *ParseInstant("2019-06-01"));
  EXPECT_EQ(st.relation_interval.to, kPosInf);
  st = Parse("Syria * * contains '[2019, 2020)'");
  EXPECT_EQ(st.relation_interval.to, *ParseInstant("2020"));
  EXPECT_FALSE(st.relation_point);
  st = Parse("Syria * * contains '2019'");
  EXPECT_TRUE(st.relation_point);
  StatementParams p;
  p.values = {"[2020, 2021)", "[2021, 2020)"};
  p.text_typed = {false, false};
  absl::StatusOr<Statement> with = ParseStatement("a b c during $1", &p);
  ASSERT_TRUE(with.ok()) << with.status();
  EXPECT_EQ(with->query.valid.during.to, *ParseInstant("2021"));
  with = ParseStatement("a b c during $2", &p);
  EXPECT_EQ(with.status().message(),
            "column 14: '[2021, 2020)' is not an interval [from, to): an interval [from, to) needs from < to");
  EXPECT_EQ(Error("a b c during '[2020, 2021]'"),
            "column 14: '[2020, 2021]' is not an interval [from, to): expected ')' (intervals are half-open: "
            "[from, to)), found ']'");
  EXPECT_EQ(Error("a b c during '[2020, 2021) x'"),
            "column 14: '[2020, 2021) x' is not an interval [from, to): expected the end of the interval, found 'x'");
}

TEST(StatementTest, StringsCastAsDriversQuoteThem) {
  // psycopg2 quotes a datetime as '...'::timestamptz, a date as '...'::date.
  Statement st = Parse("'Syria' * 'x'::text at '2025-10-01T00:00:00+00:00'::timestamptz as of '2025-01-01'::DATE");
  EXPECT_EQ(st.query.pattern.object, "x");
  EXPECT_EQ(st.query.valid.at, *ParseInstant("2025-10-01"));
  EXPECT_EQ(st.query.as_of.time, *ParseInstant("2025-01-01"));
  // Where a time stands PostgreSQL's own forms read, under a time cast or
  // none (a time the server answered with, passed back as it came).
  st = Parse("a b c at '2025-10-01 02:00:00+02'::timestamptz");
  EXPECT_EQ(st.query.valid.at, *ParseInstant("2025-10-01"));
  st = Parse("a b c at '2025-10-01 00:00:00+00' as of 'infinity'");
  EXPECT_EQ(st.query.valid.at, *ParseInstant("2025-10-01"));
  EXPECT_EQ(st.query.as_of.time, kPosInf);
  st = Parse("assert a b c = 'v'::varchar from '2025-10-01 00:00:00'::timestamp to 'infinity'::timestamp");
  EXPECT_EQ(st.value, Value::String("v"));
  EXPECT_EQ(st.valid.from, *ParseInstant("2025-10-01"));
  EXPECT_EQ(st.valid.to, kPosInf);
  EXPECT_TRUE(absl::StrContains(Error("a b c at '2025-10-01 25:00:00+00'"), "invalid time literal"));
  EXPECT_EQ(Error("a b c at '2025'::int"),
            "column 16: a 'string' may be cast only to text, varchar, timestamptz, timestamp or date");
  EXPECT_EQ(Error("'a'::date b c"), "column 1: a string cast to date is a time, not a name");
  EXPECT_EQ(Error("assert a b c = '2020'::date"), "column 16: a string cast to date is a time, not a value");
}

TEST(StatementTest, ParametersTakeTheirRoleFromWhereTheyStand) {
  StatementParams p;
  p.values = {"Syria", "2025-10-01", "42", "severed", std::nullopt, "\"7\""};
  p.text_typed = {false, false, false, false, false, false};
  absl::StatusOr<Statement> st = ParseStatement("$1 * Ukraine at $2", &p);
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->query.pattern.subject, "Syria");
  EXPECT_EQ(st->query.valid.at, *ParseInstant("2025-10-01"));
  // A value parameter is a JSON scalar when it reads as one, else text;
  // declared text, it is always text.
  st = ParseStatement("assert a b c = $3", &p);
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->value, Value::Int64(42));
  st = ParseStatement("assert a b c = $4", &p);
  EXPECT_EQ(st->value, Value::String("severed"));
  st = ParseStatement("assert a b c = $6", &p);
  EXPECT_EQ(st->value, Value::String("7"));
  p.text_typed[2] = true;
  st = ParseStatement("assert a b c = $3", &p);
  EXPECT_EQ(st->value, Value::String("42"));
  // NULL where a value stands is none, as NULL is none in a row.
  st = ParseStatement("assert a b c = $5 from $2", &p);
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_TRUE(st->value.is_none());
  // Errors name the parameter and point at it.
  st = ParseStatement("a b c at $5", &p);
  EXPECT_EQ(st.status().message(), "column 10: parameter $5 is NULL");
  EXPECT_EQ(ErrorColumn(st.status()), 10u);
  EXPECT_EQ(ErrorReason(st.status()), "parameter $5 is NULL");
  st = ParseStatement("a b c at $9", &p);
  EXPECT_EQ(st.status().message(), "column 10: no value for parameter $9 (6 given)");
  st = ParseStatement("a b c at $1", &p);
  EXPECT_TRUE(absl::StrContains(st.status().message(), "invalid time literal 'Syria'")) << st.status();
  EXPECT_EQ(Error("a b c at $1"), "column 10: parameters ($1, $2, ...) need a prepared statement with values");
  // Placeholders reveal the kind of statement before the values are known.
  StatementParams describe;
  describe.placeholders = true;
  st = ParseStatement("history $1 $2 $3", &describe);
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->kind, Statement::Kind::kHistory);
  // ... and the order of two ends is not known before their values are.
  for (const char* text : {"assert a b c = 1 from $1 to $2", "a b c during [$1, $2)", "a b c during [2020, $1)"}) {
    EXPECT_TRUE(ParseStatement(text, &describe).ok()) << text;
  }
  StatementParams reversed;
  reversed.values = {"2021", "2020"};
  EXPECT_EQ(ParseStatement("assert a b c = 1 from $1 to $2", &reversed).status().message(),
            "column 29: from must be before to");
  EXPECT_EQ(ParseStatement("a b c during [$1, $2)", &reversed).status().message(),
            "column 19: an interval [from, to) needs from < to");
  StatementParams negative;
  negative.values = {"-1"};
  EXPECT_EQ(ParseStatement("a b c limit $1", &negative).status().message(),
            "column 13: expected a number of rows, found $1 = '-1'");
  EXPECT_EQ(ParameterCount("history $1 $2 $3"), 3u);
  EXPECT_EQ(ParameterCount("a b c at $12 as of tx $2"), 12u);
  EXPECT_EQ(ParameterCount("a b c"), 0u);
}

// What a statement says, as text, to compare two parses of it.
std::string Summary(const absl::StatusOr<Statement>& st) {
  if (!st.ok()) return std::string(st.status().message());
  const Pattern& p = st->query.pattern;
  const ValidTimeClause& v = st->query.valid;
  return absl::StrCat(static_cast<int>(st->kind), "|", p.subject.value_or("*"), "|", p.predicate.value_or("*"), "|",
                      p.object.value_or("*"), "|", static_cast<int>(v.kind), ",", v.at, ",", v.during.from, ",",
                      v.during.to, "|", static_cast<int>(st->query.as_of.kind), ",", st->query.as_of.time, ",",
                      st->query.as_of.tx_id, "|", static_cast<int>(st->relation), ",", st->relation_interval.from,
                      ",", st->relation_interval.to, "|", st->key.subject, ",", st->key.predicate, ",",
                      st->key.object, "|", FormatValue(st->value), "|", st->valid.from, ",", st->valid.to, "|",
                      st->limit.value_or(0), "|", st->await_tx);
}

TEST(StatementTest, AStatementLexedOnceParsesWithEachValuesAsItsText) {
  std::mt19937 rng(23);
  const std::vector<std::string> tokens = {
      "$1", "$2", "$3", "*", "Syria", "at", "during", "as", "of", "tx", "history", "count", "assert", "retract",
      "erase", "=", "from", "to", "limit", "2025", "[", "2020,", "2021)", "overlaps", "'x'", "42", ";"};
  const std::vector<std::optional<std::string>> values = {
      "Syria", "2025-10-01", "42", "\"quoted\"", "[2020, 2021)", "-inf", std::nullopt, "", "a b", "2025-02-30"};
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const int n = std::uniform_int_distribution<int>(1, 10)(rng);
    for (int k = 0; k < n; ++k) text += tokens[rng() % tokens.size()] + " ";
    absl::StatusOr<LexedStatement> lexed = LexedStatement::Of(text);
    ASSERT_TRUE(lexed.ok()) << text << ": " << lexed.status();
    for (int round = 0; round < 3; ++round) {
      StatementParams params;
      for (int k = 0; k < 3; ++k) {
        params.values.push_back(values[rng() % values.size()]);
        params.text_typed.push_back(rng() % 2 == 0);
      }
      const absl::StatusOr<Statement> from_text = ParseStatement(text, &params);
      ASSERT_EQ(Summary(ParseStatement(*lexed, &params)), Summary(from_text)) << text;
      parsed += from_text.ok();
    }
  }
  EXPECT_GT(parsed, 2000);  // the sequences above parse often enough to compare statements, not only errors
  EXPECT_EQ(LexedStatement::Of("Syria \"open").status().message(), ParseStatement("Syria \"open").status().message());
}

// A `--` comment (to the end of its line) or a `/* */` one (nested, as in
// PostgreSQL) may stand wherever white space may, so a statement reads the
// same with comments between its tokens.
TEST(StatementTest, CommentsReadAsWhiteSpace) {
  std::mt19937 rng(29);
  const std::vector<std::string> tokens = {
      "$1",  "*",    "Syria", "\"South Korea\"", "at",    "during", "as",     "of",   "tx",      "history", "count",
      "assert", "=", "from", "to",     "limit",  "2025", "[", "2020,", "2021)", "overlaps", "'x'", "42", ";"};
  const std::vector<std::string> comments = {"-- note\n", "--\n", "-- 'open \"quote ; $9 at /*\n", "\n-- a\n-- b\n",
                                             "/* c */", "/*\n-- ; */", "/* a /* nested ; */ $9 */ ", "/**/"};
  StatementParams params;
  params.values = {"Syria"};
  params.text_typed = {true};
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string plain;
    std::string commented = rng() % 2 ? comments[rng() % comments.size()] : "";
    const int n = std::uniform_int_distribution<int>(1, 10)(rng);
    for (int k = 0; k < n; ++k) {
      const std::string& token = tokens[rng() % tokens.size()];
      plain += token + " ";
      commented += token + (rng() % 2 ? " " : comments[rng() % comments.size()]);
    }
    const absl::StatusOr<Statement> want = ParseStatement(plain, &params);
    const absl::StatusOr<Statement> got = ParseStatement(commented, &params);
    ASSERT_EQ(want.ok(), got.ok()) << commented << ": " << got.status();
    if (!want.ok()) continue;
    ASSERT_EQ(Summary(got), Summary(want)) << commented;
    ++parsed;
  }
  EXPECT_GT(parsed, 500);
  EXPECT_EQ(Parse("Syria b c--x\n").query.pattern.object, "c");  // a comment ends a word
  EXPECT_EQ(Parse("\"a--b\" b c").query.pattern.subject, "a--b");  // but not a quoted name
  EXPECT_EQ(Parse("'a--b' b c").query.pattern.subject, "a--b");    // or a string
  EXPECT_EQ(Parse("assert a b c = \"x--y\" -- z").value, Value::String("x--y"));
  EXPECT_EQ(Error("-- first\nSyria b"), "column 17: expected an object, found the end (SUBJECT PREDICATE OBJECT: three terms, * for any)");
  EXPECT_EQ(ParameterCount("a b c at $1 -- as of tx $2"), 1u);
  EXPECT_TRUE(IsBlankStatement(" -- only a comment\n\t-- and another"));
  EXPECT_FALSE(IsBlankStatement("-- a comment\nx"));
  EXPECT_EQ(AfterBlanks("a -- b\n  c", 1), 9u);
  EXPECT_EQ(AfterBlanks("a /* b */ c", 1), 10u);
  EXPECT_EQ(AfterBlanks("a /* /* b */ c", 1), std::string_view::npos);
  EXPECT_EQ(Parse("Syria/* x */b c").query.pattern.predicate, "b");
  EXPECT_EQ(Error("Syria b c /* open /* nested */"), "column 11: unterminated comment: close it with */");
  EXPECT_FALSE(IsBlankStatement("/* open"));
  EXPECT_TRUE(IsBlankStatement("/* a */ -- b"));
}

TEST(StatementTest, ANameReadsAsItselfUnquotedOnlyWhenItIsOneWord) {
  for (const char* name : {"Syria", "diplomatic_relations", "2025", "a-b", "Côte_d_Ivoire", "a/b"}) {
    EXPECT_TRUE(ReadsAsName(name)) << name;
  }
  EXPECT_FALSE(ReadsAsName("Côte_d'Ivoire")) << "an apostrophe starts a string";
  for (const char* name :
       {"South Korea", "", "*", "**", "Syr*", "x*y", "at", "AS", "a--b", "a/*b", "'x'", "$1", "a;b", "a=b", "(x)", "\"q\"",
        "it's"}) {
    EXPECT_FALSE(ReadsAsName(name)) << name;
  }
}

// A long token is quoted in an error by its start, not echoed whole.
TEST(StatementTest, ErrorsQuoteALongTokenByItsStart) {
  EXPECT_EQ(Error("Syria * * at " + std::string(300, '9')),
            "column 14: invalid time literal '" + std::string(50, '9') + "...': year must be 0001..9999");
  EXPECT_EQ(Error("Syria * * x" + std::string(100, 'y')),
            "column 11: expected 'as of', 'limit' or the end of the statement, found 'x" + std::string(49, 'y') +
                "...' (names with spaces need quotes: \"South Korea\")");
}

// `now` stands for the clock's reading as the statement is parsed, one
// instant for all of its nows, in every place a time stands.
TEST(StatementTest, NowIsTheClockAsTheStatementIsRead) {
  const Instant before = absl::ToUnixMicros(absl::Now());
  const Statement at = Parse("Syria * * at now as of NOW");
  const Statement during = Parse("Syria * * during '[2020, now)'");
  const Statement write = Parse("assert A p B = 1 from now");
  const Instant after = absl::ToUnixMicros(absl::Now());
  EXPECT_TRUE(at.reads_now && during.reads_now && write.reads_now);
  for (const Instant t : {at.query.valid.at, at.query.as_of.time, during.query.valid.during.to, write.valid.from}) {
    EXPECT_LE(before, t);
    EXPECT_LE(t, after);
  }
  EXPECT_FALSE(Parse("Syria * * at 2025").reads_now);
  EXPECT_EQ(Error("Syria * * during [now, now)"), "column 24: an interval [from, to) needs from < to");
  EXPECT_EQ(Error("Syria * * at today"),
            "column 14: invalid time literal 'today': expected YYYY, YYYY-MM, YYYY-MM-DD[THH:MM...], -inf, +inf or now");
}

// * is a wildcard only alone: one typed into a word (a prefix, two stars
// without a space, a star before a name) is refused where it stands, rather
// than read as a name that holds it, which it is only quoted.
TEST(StatementTest, AStarInAWordIsRefusedWhereItStands) {
  const std::string hint = ": * is a wildcard only alone, between spaces, for any whole name; a name that holds * is quoted: ";
  EXPECT_EQ(Error("Syr* * *"), "column 1: 'Syr*'" + hint + "\"Syr*\"");
  EXPECT_EQ(Error("Syria ** at 2025"), "column 7: '**'" + hint + "\"**\"");
  EXPECT_EQ(Error("Syria *Ukraine"), "column 7: '*Ukraine'" + hint + "\"*Ukraine\"");
  EXPECT_EQ(Error("assert a* b c = 1 from 2020"), "column 8: 'a*'" + hint + "\"a*\"");
  EXPECT_EQ(Parse("\"Syr*\" * *").query.pattern.subject, "Syr*");
  EXPECT_FALSE(Parse("Syria * *").query.pattern.predicate.has_value());
}

// A space that is not ASCII's (pasted from a web page or a word
// processor) would silently join two words into one name: it is refused
// where it stands, unless the name is quoted.
TEST(StatementTest, ASpaceLookAlikeInAWordIsRefusedWhereItStands) {
  EXPECT_EQ(Error("Syria\u00A0* Ukraine"),
            "column 6: U+00A0 (a no-break space) is not white space here: type a plain space, or quote the name");
  EXPECT_EQ(Error("Syria * Ukraine at\u3000" "2023"),
            "column 19: U+3000 (a space) is not white space here: type a plain space, or quote the name");
  EXPECT_EQ(Error("\uFEFFSyria * Ukraine"),
            "column 1: U+FEFF (a space) is not white space here: type a plain space, or quote the name");
  EXPECT_EQ(Parse("\"Syria\u00A0x\" * Ukraine").query.pattern.subject, "Syria\u00A0x");
  EXPECT_EQ(Parse("Côte_d_Ivoire * 東京").query.pattern.object, "東京");  // other characters are name characters
  EXPECT_FALSE(ReadsAsName("a\u202Fb"));
}

// Quotes a word processor made typographic quote nothing: refused where
// they stand, rather than read as part of a name.
TEST(StatementTest, TypographicQuotesAreRefusedWhereTheyStand) {
  const std::string hint = " is a typographic quote, which quotes nothing here: quote a name with \" (\"South Korea\") "
                           "and a string with '";
  EXPECT_EQ(Error("\u201CSouth Korea\u201D * *"), "column 1: \u201C" + hint);
  EXPECT_EQ(Error("Syria * Ukraine at \u20182023\u2019"), "column 20: \u2018" + hint);
  EXPECT_EQ(Error("Syria\u201D * *"), "column 6: \u201D" + hint);
  EXPECT_EQ(Parse("\"C\u00F4te d\u2019Ivoire\" * C\u00F4te_d\u2019Ivoire").query.pattern.object,
            "C\u00F4te_d\u2019Ivoire");  // an apostrophe in a name
  EXPECT_EQ(Parse("'\u201Cquoted\u201D' * *").query.pattern.subject, "\u201Cquoted\u201D");
}

TEST(StatementTest, StatementEndAndBlankingSkipQuotesAndComments) {
  EXPECT_EQ(StatementEnd("a b c; d"), 5u);
  EXPECT_EQ(StatementEnd("\"a;b\" c d;"), 9u);
  EXPECT_EQ(StatementEnd("'a;''b' c d;"), 11u);
  EXPECT_EQ(StatementEnd("a -- ;\n b c;"), 11u);
  EXPECT_EQ(StatementEnd("a /* ; /* ; */ ; */ c;"), 21u);
  EXPECT_EQ(StatementEnd("a /* ;"), std::string_view::npos);
  EXPECT_EQ(WithCommentsBlanked("a /* x\ny */ '--' \"/*\" -- z\nb /* open"),
            "a     \n     '--' \"/*\"     \nb        ");
  EXPECT_EQ(StatementEnd("'a;"), std::string_view::npos);
  EXPECT_EQ(StatementEnd("a b c"), std::string_view::npos);
}

TEST(StatementTest, AwaitTakesATransactionAndATimeout) {
  Statement st = Parse("await tx 42;");
  EXPECT_EQ(st.kind, Statement::Kind::kAwait);
  EXPECT_EQ(st.await_tx, 42u);
  EXPECT_EQ(st.await_timeout, absl::Seconds(10));
  st = Parse("AWAIT TX 7 TIMEOUT 250ms");
  EXPECT_EQ(st.await_tx, 7u);
  EXPECT_EQ(st.await_timeout, absl::Milliseconds(250));
  EXPECT_EQ(Error("await 7"), "column 7: expected 'tx', found '7'");
  EXPECT_EQ(Error("await tx 7 timeout soon"),
            "column 20: expected a duration such as 500ms, 5s or 2m, found 'soon'");
  EXPECT_EQ(Error("await tx 7 timeout 5s please"),
            "column 23: expected the end of the statement, found 'please'");
}

TEST(StatementTest, SavepointsAreSqlsAndTheirWordsStillStartReads) {
  Statement st = Parse("savepoint One;");
  EXPECT_EQ(st.kind, Statement::Kind::kSavepoint);
  EXPECT_EQ(st.savepoint, "one");  // folded, as SQL's
  st = Parse("SAVEPOINT \"Two Words\"");
  EXPECT_EQ(st.kind, Statement::Kind::kSavepoint);
  EXPECT_EQ(st.savepoint, "Two Words");
  for (const char* text : {"release a", "RELEASE SAVEPOINT a;"}) {
    st = Parse(text);
    EXPECT_EQ(st.kind, Statement::Kind::kRelease) << text;
    EXPECT_EQ(st.savepoint, "a") << text;
  }
  for (const char* text : {"rollback to a", "ROLLBACK TO SAVEPOINT A;"}) {
    st = Parse(text);
    EXPECT_EQ(st.kind, Statement::Kind::kRollbackTo) << text;
    EXPECT_EQ(st.savepoint, "a") << text;
  }
  EXPECT_EQ(Parse("rollback;").kind, Statement::Kind::kRollback);
  // In any other shape the words are names: reads of a subject so named.
  for (const char* text : {"savepoint p o", "release * *", "Release p o at 2020", "savepoint * *"}) {
    st = Parse(text);
    EXPECT_EQ(st.kind, Statement::Kind::kRead) << text;
  }
  EXPECT_EQ(Error("rollback to"), "column 12: expected a savepoint name, found the end");
  EXPECT_EQ(Error("rollback to savepoint *"), "column 23: expected a savepoint name, found '*'");
  EXPECT_EQ(Error("rollback to a b"), "column 15: expected the end of the statement, found 'b'");
}

}  // namespace
}  // namespace hindsight::internal
