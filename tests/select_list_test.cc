// SELECT without FROM (server/select_list.h): what is read as a select
// list and what is left to the language, and each item's name, type and
// value as PostgreSQL 15 gives them (the expected values below are
// PostgreSQL's answers to the same statements).
#include "server/select_list.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "query/statement.h"
#include "server/pg_types.h"
#include "server/sql_error.h"

namespace hindsight::server {
namespace {

constexpr uint32_t kUuidLikeOid = 2950;  // a type select lists have not

SelectContext Context() {
  SelectContext c;
  c.version = "PostgreSQL 15.0 (Hindsight)";
  c.database = "facts";
  c.user = "analyst";
  c.pid = 4242;
  c.now = *ParseInstant("2025-09-25T10:30:00.5Z");
  c.setting = [](const std::string& name) -> std::optional<std::string> {
    if (name == "server_version_num") return "150000";
    return std::nullopt;
  };
  return c;
}

std::vector<SelectItem> Items(const std::string& statement) {
  std::optional<absl::StatusOr<std::vector<SelectItem>>> items = ParseSelectList(statement);
  EXPECT_TRUE(items.has_value()) << statement;
  if (!items) return {};
  EXPECT_TRUE(items->ok()) << statement << ": " << items->status();
  return items->ok() ? **items : std::vector<SelectItem>{};
}

// Each column as "name type value" ("NULL" for none).
std::vector<std::string> Row(const std::string& statement) {
  const std::vector<SelectItem> items = Items(statement);
  absl::StatusOr<std::vector<std::optional<std::string>>> values = EvaluateSelectList(items, Context());
  EXPECT_TRUE(values.ok()) << statement << ": " << values.status();
  std::vector<std::string> out;
  for (size_t i = 0; values.ok() && i < items.size(); ++i) {
    out.push_back(absl::StrCat(items[i].name, " ", items[i].type(), " ", (*values)[i].value_or("NULL")));
  }
  return out;
}

// The error of evaluating `statement`: "SQLSTATE column message" (column 0
// for none).
std::string Failure(const std::string& statement) {
  std::optional<absl::StatusOr<std::vector<SelectItem>>> items = ParseSelectList(statement);
  if (!items) return "not a select list";
  absl::Status s = items->status();
  if (s.ok()) s = EvaluateSelectList(**items, Context()).status();
  return absl::StrCat(SqlStateOf(s), " ", internal::ErrorColumn(s).value_or(0), " ", std::string(internal::ErrorReason(s)));
}

TEST(SelectListTest, ConstantsAreNamedAndTypedAsPostgresTypesThem) {
  EXPECT_EQ(Row("SELECT 1"), (std::vector<std::string>{"?column? 23 1"}));
  EXPECT_EQ(Row("select 1 AS x, 'a' as \"Name\", true, NULL, -5, 1.50, 3000000000, 99999999999999999999"),
            (std::vector<std::string>{"x 23 1", "Name 25 a", "?column? 16 t", "?column? 25 NULL", "?column? 23 -5",
                                      "?column? 1700 1.50", "?column? 20 3000000000",
                                      "?column? 1700 99999999999999999999"}));
  EXPECT_EQ(Row("SELECT 1e5, 1.5e-3, 2E+2, .5e1, 007, 00.10, -0.0"),
            (std::vector<std::string>{"?column? 1700 100000", "?column? 1700 0.0015", "?column? 1700 200",
                                      "?column? 1700 5", "?column? 23 7", "?column? 1700 0.10",
                                      "?column? 1700 0.0"}));
  EXPECT_EQ(Row("SELECT 'it''s' AS \"a \"\"quoted\"\" name\" -- a comment\n"),
            (std::vector<std::string>{"a \"quoted\" name 25 it's"}));
}

TEST(SelectListTest, FunctionsOfTheSession) {
  EXPECT_EQ(Row("SELECT pg_backend_pid(), current_user, session_user, current_database(), current_catalog, "
                "pg_catalog.version(), current_schema, current_schema(), pg_is_in_recovery(), "
                "pg_advisory_unlock_all()"),
            (std::vector<std::string>{"pg_backend_pid 23 4242", "current_user 19 analyst", "session_user 19 analyst",
                                      "current_database 19 facts", "current_catalog 19 facts",
                                      "version 25 PostgreSQL 15.0 (Hindsight)", "current_schema 19 public",
                                      "current_schema 19 public", "pg_is_in_recovery 16 f",
                                      "pg_advisory_unlock_all 2278 "}));
  EXPECT_EQ(Row("SELECT now(), current_timestamp, current_date, now()::date AS day"),
            (std::vector<std::string>{"now 1184 2025-09-25 10:30:00.5+00",
                                      "current_timestamp 1184 2025-09-25 10:30:00.5+00",
                                      "current_date 1082 2025-09-25", "day 1082 2025-09-25"}));
  EXPECT_EQ(Row("SELECT current_setting('Server_Version_Num')::int4, current_setting('nope', true)"),
            (std::vector<std::string>{"current_setting 23 150000", "current_setting 25 NULL"}));
  EXPECT_EQ(Failure("SELECT current_setting('nope')"), "42704 0 unrecognized configuration parameter \"nope\"");
}

TEST(SelectListTest, CastsConvertAsPostgresDoes) {
  EXPECT_EQ(Row("SELECT '42'::bigint, '1.5'::numeric::int, ' 12 '::integer, 1::bool, 0::bool, 'yes'::boolean::text, "
                "2.5::float8, 1::text, true::text, NULL::int"),
            (std::vector<std::string>{"int8 20 42", "int4 23 2", "int4 23 12", "bool 16 t", "bool 16 f",
                                      "text 25 true", "float8 701 2.5", "text 25 1", "text 25 true",
                                      "int4 23 NULL"}));
  // Rounding to integers: numeric half away from zero, float8 half to even.
  EXPECT_EQ(Row("SELECT -2.5::int, '-2.5'::numeric::int4, 2.5::float8::int, 3.5::float8::int"),
            (std::vector<std::string>{"?column? 23 -3", "int4 23 -3", "int4 23 2", "int4 23 4"}));
  // float8 prints its shortest exact digits, positionally from 1e-4 to 1e15.
  EXPECT_EQ(Row("SELECT 1000000::float8, 123456789012345678::float8, 0.00001::float8, 1e15::float8, "
                "1e14::float8, 0.0001::float8, 'NaN'::float8, '-inf'::float8, 1e20::float8::numeric, "
                "1.5e-7::float8::numeric"),
            (std::vector<std::string>{"float8 701 1000000", "float8 701 1.2345678901234568e+17", "float8 701 1e-05",
                                      "float8 701 1e+15", "float8 701 100000000000000", "float8 701 0.0001",
                                      "float8 701 NaN", "float8 701 -Infinity",
                                      "numeric 1700 100000000000000000000", "numeric 1700 0.00000015"}));
  EXPECT_EQ(Row("SELECT '2025-01-02 10:00:00+00'::timestamptz::date, '2025-01-02'::date::timestamptz, "
                "'infinity'::timestamptz, '-infinity'::date, 'b'::name, 'c'::character varying"),
            (std::vector<std::string>{"date 1082 2025-01-02", "timestamptz 1184 2025-01-02 00:00:00+00",
                                      "timestamptz 1184 infinity", "date 1082 -infinity", "name 19 b",
                                      "varchar 1043 c"}));
  // '::' binds tighter than '-'.
  EXPECT_EQ(Row("SELECT -1::int2, -32768, -1.5::float8, -0::numeric"),
            (std::vector<std::string>{"?column? 21 -1", "?column? 23 -32768", "?column? 701 -1.5",
                                      "?column? 1700 0"}));
}

TEST(SelectListTest, ErrorsCarryTheirStateAndWhereWhatIsWrittenIsWrong) {
  EXPECT_EQ(Failure("SELECT 'x'::int"), "22P02 8 invalid input syntax for type integer: \"x\"");
  EXPECT_EQ(Failure("SELECT 1, '99999999999'::int"),
            "22003 11 value \"99999999999\" is out of range for type integer");
  EXPECT_EQ(Failure("SELECT 99999999999::int"), "22003 0 integer out of range");
  EXPECT_EQ(Failure("SELECT 32767::int2, 32768::int2"), "22003 0 smallint out of range");
  EXPECT_EQ(Failure("SELECT -32768::int2"), "22003 0 smallint out of range");
  EXPECT_EQ(Failure("SELECT 'zz'::text::int"), "22P02 0 invalid input syntax for type integer: \"zz\"");
  EXPECT_EQ(Failure("SELECT 'bad'::date"), "22007 8 invalid input syntax for type date: \"bad\"");
  EXPECT_EQ(Failure("SELECT 'maybe'::bool"), "22P02 8 invalid input syntax for type boolean: \"maybe\"");
  EXPECT_EQ(Failure("SELECT '" + std::string(1001, '9') + "'::numeric"), "22003 8 value overflows numeric format");
  EXPECT_EQ(Row("SELECT 1e999")[0].size(), std::string("?column? 1700 1").size() + 999);
  EXPECT_EQ(Failure("SELECT true::date"), "42846 12 cannot cast type boolean to date");
  EXPECT_EQ(Failure("SELECT 1::int::date"), "42846 14 cannot cast type integer to date");
  EXPECT_EQ(Failure("SELECT -1::text"), "42883 8 operator does not exist: - text");
  EXPECT_EQ(Failure("SELECT foo(1, 'a')"), "42883 8 function foo(integer, unknown) does not exist");
  EXPECT_EQ(Failure("SELECT now(1)"), "42883 8 function now(integer) does not exist");
  EXPECT_EQ(Failure("SELECT 1::jsonb"),
            "0A000 11 casts to type \"jsonb\" are not supported: bool, int2, int4, int8, numeric, float8, text, "
            "varchar, name, date and timestamptz are");
}

TEST(SelectListTest, StringsReadAsPostgresReadsThem) {
  EXPECT_EQ(Row("SELECT '1.5e3'::numeric, ' -0.50E1 '::numeric, 'nan'::numeric, '-inf'::numeric, '+7'::int2, "
                "false::name, false::varchar, pg_advisory_unlock_all()::text"),
            (std::vector<std::string>{"numeric 1700 1500", "numeric 1700 -5.0", "numeric 1700 NaN",
                                      "numeric 1700 -Infinity", "int2 21 7", "name 19 f", "varchar 1043 false",
                                      "pg_advisory_unlock_all 25 "}));
  // Digits past the range are out of range before what follows is read.
  EXPECT_EQ(Failure("SELECT '123456.789'::int2"), "22003 8 value \"123456.789\" is out of range for type smallint");
  EXPECT_EQ(Failure("SELECT '12.5'::int2"), "22P02 8 invalid input syntax for type smallint: \"12.5\"");
  EXPECT_EQ(Failure("SELECT '-32769'::int2"), "22003 8 value \"-32769\" is out of range for type smallint");
  EXPECT_EQ(Row("SELECT '-32768'::int2")[0], "int2 21 -32768");
  EXPECT_EQ(Failure("SELECT 'NaN'::numeric::int8"), "0A000 0 cannot convert NaN to bigint");
}

// The first error is the one PostgreSQL reports: of the analysis, item by
// item (a function, a type, a cast, a string read as a type); then of the
// constants' casts, which its planner folds; then of the rest, running.
TEST(SelectListTest, ErrorsComeInPostgresOrder) {
  EXPECT_EQ(Failure("SELECT foo(), 'x'::int").substr(0, 11), "42883 8 fun");
  EXPECT_EQ(Failure("SELECT 'x'::int, foo()").substr(0, 11), "22P02 8 inv");
  EXPECT_EQ(Failure("SELECT 99999::int2, 1::date").substr(0, 12), "42846 22 can");
  EXPECT_EQ(Failure("SELECT current_setting('nope'), 99999::int2"), "22003 0 smallint out of range");
  EXPECT_EQ(Failure("SELECT 'abc'::text::date, 99999::int2"), "22003 0 smallint out of range");
}

// $N as the extended protocol binds it: typed as the client declared it,
// else as its first cast, else text; its value read as its type reads text.
TEST(SelectListTest, ParametersAreTypedAsDeclaredOrAsCast) {
  std::vector<SelectItem> items = Items("SELECT $1 AS a, $2::int4 AS b, $3, $2 AS again, $5::date AS d");
  EXPECT_EQ(ParameterCount(items), 5u);
  std::vector<uint32_t> declared = {kBoolOid, 0, 0, kUuidLikeOid};
  TypeParameters(&items, &declared);
  EXPECT_EQ(declared, (std::vector<uint32_t>{kBoolOid, kInt4Oid, kTextOid, kUuidLikeOid, kDateOid}));
  std::vector<uint32_t> types;
  for (const SelectItem& item : items) types.push_back(item.type());
  EXPECT_EQ(types, (std::vector<uint32_t>{kBoolOid, kInt4Oid, kTextOid, kInt4Oid, kDateOid}));
  SelectContext context = Context();
  context.parameters = {"true", " 42 ", std::nullopt, "unused", "2024-02-29"};
  absl::StatusOr<std::vector<std::optional<std::string>>> row = EvaluateSelectList(items, context);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(*row, (std::vector<std::optional<std::string>>{"t", "42", std::nullopt, "42", "2024-02-29"}));
  context.parameters[1] = "many";
  EXPECT_EQ(SqlStateOf(EvaluateSelectList(items, context).status()), "22P02");
  // Run with fewer values than it names (a simple query has none).
  EXPECT_EQ(Failure("SELECT 1, $1"), "42P02 11 there is no parameter $1");
  EXPECT_FALSE(ParseSelectList("SELECT $0").has_value());
  EXPECT_FALSE(ParseSelectList("SELECT $1a").has_value());
}

TEST(SelectListTest, WhatIsNoSelectListIsLeftToTheLanguage) {
  for (const char* statement :
       {"SELECT 1 x",             // three terms: a pattern, with no AS
        "select * * *", "SELECT a b c", "SELECT version", "SELECT 1 +1", "SELECT 1e", "SELECT 12abc",
        "SELECT 'open", "SELECT 1,", "SELECT 1 AS", "SELECT ''::varchar(10)", "SELECT f(g())", "count * * *",
        "SELECT 1 /* open", "SELECT 1e1000", "SELECT 2 AS\"\""}) {
    EXPECT_FALSE(ParseSelectList(statement).has_value()) << statement;
  }
}

}  // namespace
}  // namespace hindsight::server
