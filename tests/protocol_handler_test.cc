// The server's session logic without sockets: messages in, protocol bytes
// out (server/protocol_handler.h).
#include <atomic>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "hindsight/db.h"
#include "server/pg_types.h"
#include "server/protocol_handler.h"
#include "query/session.h"
#include "query/statement.h"
#include "test_util.h"

namespace hindsight::server {
namespace {

using testing::ScratchDir;

// The types of the messages in `out`, in order ("TDDCZ").
std::string Types(const std::string& out) {
  std::string types;
  for (size_t i = 0; i + 5 <= out.size();) {
    types.push_back(out[i]);
    const auto* p = reinterpret_cast<const unsigned char*>(out.data() + i + 1);
    i += 1 + (uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]);
  }
  return types;
}

class ProtocolHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(dir_.Sub("db"));
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    handler_ = std::make_unique<ProtocolHandler>(db_.get(), "tester", false, &cancel_);
  }
  std::string Query(const std::string& q) {
    FrontendMessage m{};
    m.type = 'Q';
    m.query = q;
    return Send(m);
  }
  std::string Send(const FrontendMessage& m) {
    std::string out;
    ProtocolHandler::Step step = handler_->Handle(m, &out);
    while (step == ProtocolHandler::Step::kMore) step = handler_->Continue(&out);
    return out;
  }

  ScratchDir dir_;
  std::unique_ptr<Database> db_;
  std::atomic<bool> cancel_{false};
  std::unique_ptr<ProtocolHandler> handler_;
};

std::string TimestamptzText(Instant t) {
  std::string out = "prefix ";
  AppendTimestamptzText(t, &out);
  return out.substr(7);
}

TEST(TimestamptzTextTest, WritesPostgresText) {
  constexpr Instant kSecond = 1'000'000;
  EXPECT_EQ(TimestamptzText(0), "1970-01-01 00:00:00+00");
  EXPECT_EQ(TimestamptzText(1'500'000), "1970-01-01 00:00:01.5+00");
  EXPECT_EQ(TimestamptzText(1), "1970-01-01 00:00:00.000001+00");
  EXPECT_EQ(TimestamptzText(-1), "1969-12-31 23:59:59.999999+00");
  EXPECT_EQ(TimestamptzText(1'759'017'600 * kSecond + 123'450), "2025-09-28 00:00:00.12345+00");
  EXPECT_EQ(TimestamptzText(253'402'300'799 * kSecond), "9999-12-31 23:59:59+00");
  EXPECT_EQ(TimestamptzText(253'402'300'800 * kSecond), "10000-01-01 00:00:00+00");
  EXPECT_EQ(TimestamptzText(-62'167'219'200 * kSecond), "0000-01-01 00:00:00+00");
  EXPECT_EQ(TimestamptzText(-62'167'219'201 * kSecond), "-001-12-31 23:59:59+00");
  EXPECT_EQ(TimestamptzText(kPosInf), "infinity");
  EXPECT_EQ(TimestamptzText(kNegInf), "-infinity");
}

// `words` as big-endian 16-bit words: a binary numeric.
std::string Words(std::initializer_list<uint16_t> words) {
  std::string out;
  for (const uint16_t w : words) {
    out.push_back(static_cast<char>(w >> 8));
    out.push_back(static_cast<char>(w & 0xFF));
  }
  return out;
}

TEST(BinaryParamTest, DriversBinaryTypesReadAsText) {
  const auto text = [](uint32_t oid, const std::string& bytes) {
    return BinaryParamAsText(oid, bytes).value_or("ERROR");
  };
  // date: days since 2000-01-01; infinities at the int32 ends.
  EXPECT_EQ(text(kDateOid, std::string("\0\0\0\0", 4)), "2000-01-01");
  EXPECT_EQ(text(kDateOid, std::string("\xff\xff\xff\xff", 4)), "1999-12-31");
  EXPECT_EQ(text(kDateOid, std::string("\x00\x00\x24\x24", 4)), "2025-05-01");
  EXPECT_EQ(text(kDateOid, std::string("\x7f\xff\xff\xff", 4)), "+inf");
  EXPECT_EQ(text(kDateOid, std::string("\x80\0\0\0", 4)), "-inf");
  // timestamp (no zone) as timestamptz: microseconds since 2000-01-01, UTC.
  EXPECT_EQ(text(kTimestampOid, std::string("\0\0\0\0\0\x0f\x42\x40", 8)), "2000-01-01T00:00:01Z");
  // numeric: digit count, weight, sign, decimal places, base-10000 digits.
  EXPECT_EQ(text(1700, Words({3, 1, 0x4000, 4, 1234, 5678, 12})), "-12345678.0012");
  EXPECT_EQ(text(1700, Words({1, 1, 0, 0, 123})), "1230000");
  EXPECT_EQ(text(1700, Words({1, static_cast<uint16_t>(-2), 0, 5, 5000})), "0.00005");
  EXPECT_EQ(text(1700, Words({0, 0, 0, 0})), "0");
  EXPECT_EQ(text(1700, Words({0, 0, 0, 2})), "0.00");
  EXPECT_EQ(text(1700, Words({0, 0, 0xC000, 0})), "ERROR");  // NaN
  EXPECT_EQ(text(1700, Words({2, 0, 0, 0, 1})), "ERROR");    // fewer digits than it says
  EXPECT_EQ(text(700, std::string("\x40\x20\0\0", 4)), "2.5");  // float4
  EXPECT_EQ(text(3802, std::string("\x01\"x\"")), "\"x\"");     // jsonb: version 1, then the text
  EXPECT_EQ(text(3802, std::string("\x02{}")), "ERROR");
  EXPECT_EQ(text(19, "name"), "name");
  EXPECT_EQ(text(1186, "interval"), "ERROR");
}

TEST_F(ProtocolHandlerTest, SimpleQueriesAnswerRowsAndTags) {
  EXPECT_EQ(Types(Query("assert A p B = 1 from 2020; assert A p C = \"x\"")), "NCNCZ");
  const std::string out = Query("A p *; count * * *");
  EXPECT_EQ(Types(out), "TDDCTDCZ");
  EXPECT_TRUE(absl::StrContains(out, "SELECT 2")) << out;
  EXPECT_TRUE(absl::StrContains(out, "2020-01-01 00:00:00+00")) << out;
  EXPECT_TRUE(absl::StrContains(out, "infinity")) << out;
  EXPECT_EQ(Types(Query("")), "IZ");
}

TEST_F(ProtocolHandlerTest, ShowListsTransactionsAndStats) {
  Query("begin source first; assert A p B = 1 from 2020; commit; assert A p C = 2; assert D q E");
  std::string out = Query("SHOW hindsight_transactions 2");
  EXPECT_EQ(Types(out), "TDDCZ");  // transactions 2 and 3
  EXPECT_TRUE(absl::StrContains(out, "operations")) << out;
  EXPECT_FALSE(absl::StrContains(out, "first")) << out;
  EXPECT_EQ(Types(Query("show HINDSIGHT_TRANSACTIONS")), "TDDDCZ");  // 10 at most: all 3
  out = Query("SHOW hindsight_transactions none");
  EXPECT_EQ(Types(out), "EZ");
  EXPECT_TRUE(absl::StrContains(out, "22023")) << out;
  out = Query("SHOW hindsight_stats");
  EXPECT_TRUE(absl::StrContains(out, std::string("keys\0\0\0\x01" "3", 9))) << out;
  EXPECT_TRUE(absl::StrContains(out, "current segments")) << out;
  EXPECT_FALSE(absl::StrContains(out, "bytes on disk")) << out;  // no directory given
  out = Query("show hindsight_names 'D'; SHOW hindsight_names");
  EXPECT_EQ(Types(out), "TDCTDDDDDDDCZ");  // D; then A, B, C, D, E, p, q
  EXPECT_TRUE(absl::StrContains(out, "SHOW")) << out;
  out = Query("SHOW hindsight_predicates");
  EXPECT_EQ(Types(out), "TDDCZ");  // p: 2 keys, q: 1
  EXPECT_TRUE(absl::StrContains(out, std::string("\x01p\0\0\0\x01" "2\0\0\0\x01" "2", 12))) << out;
}

TEST_F(ProtocolHandlerTest, WhatConnectionPoolsAndDriversSendOnTheirOwn) {
  // Health checks; neither is a statement of the language.
  std::string out = Query("SELECT 1; select version ( )");
  EXPECT_EQ(Types(out), "TDCTDCZ");
  EXPECT_TRUE(absl::StrContains(out, std::string("?column?\0", 9))) << out;
  EXPECT_TRUE(absl::StrContains(out, "PostgreSQL 15.0 (Hindsight")) << out;
  EXPECT_TRUE(absl::StrContains(out, std::string("SELECT 1\0", 9))) << out;
  EXPECT_EQ(Types(Query("SELECT 1 x")), "NTCZ");  // three terms: a read (of no names)
  // DEALLOCATE drops a prepared statement; DISCARD ALL every one (a pool
  // handing the connection to its next client).
  FrontendMessage parse{};
  parse.type = 'P';
  for (const char* name : {"a", "b", "c"}) {
    parse.parse = {name, "count * * *", {}};
    EXPECT_EQ(Types(Send(parse)), "1");
  }
  FrontendMessage bind{};
  bind.type = 'B';
  const auto binds = [&](const char* name) {
    bind.bind.statement = name;
    const std::string answer = Send(bind);
    FrontendMessage sync{};
    sync.type = 'S';
    Send(sync);
    return answer == std::string("2\0\0\0\x04", 5);
  };
  EXPECT_TRUE(binds("a"));
  EXPECT_EQ(Types(Query("DEALLOCATE a")), "CZ");
  EXPECT_FALSE(binds("a"));
  EXPECT_TRUE(absl::StrContains(Query("deallocate prepare a"), "26000"));
  // Deallocated through the extended protocol, by the statement itself.
  parse.parse = {"d", "DEALLOCATE \"b\"", {}};
  EXPECT_EQ(Types(Send(parse)), "1");
  EXPECT_TRUE(binds("d"));
  FrontendMessage execute{};
  execute.type = 'E';
  execute.execute = {"", 0};
  EXPECT_EQ(Types(Send(execute)), "C");
  EXPECT_FALSE(binds("b"));
  EXPECT_TRUE(binds("c"));
  EXPECT_TRUE(absl::StrContains(Query("BEGIN; DISCARD ALL"), "25001"));
  Query("ROLLBACK");
  EXPECT_EQ(Types(Query("DISCARD ALL")), "CZ");
  EXPECT_FALSE(binds("c"));
  EXPECT_FALSE(binds("d"));
  EXPECT_EQ(Types(Query("DISCARD PLANS; DEALLOCATE ALL")), "CCZ");
}

TEST_F(ProtocolHandlerTest, CheckpointWritesACopyWhileServing) {
  Query("assert A p B = 1; assert A p C = 2");
  const std::string copy = dir_.Sub("copy");
  std::string out = Query("CHECKPOINT '" + copy + "'");
  EXPECT_EQ(Types(out), "NCZ");
  EXPECT_TRUE(absl::StrContains(out, "checkpoint of transactions 1..2 written to " + copy)) << out;
  EXPECT_TRUE(absl::StrContains(Query("CHECKPOINT '" + copy + "'"), "42710"));  // it exists
  EXPECT_TRUE(absl::StrContains(Query("checkpoint"), "42601"));
  ProtocolHandler reader(db_.get(), "reader", /*read_only=*/true, &cancel_);
  FrontendMessage m{};
  m.type = 'Q';
  m.query = "CHECKPOINT '" + dir_.Sub("other") + "'";
  std::string refused;
  reader.Handle(m, &refused);
  EXPECT_TRUE(absl::StrContains(refused, "25006")) << refused;
  EXPECT_EQ(Types(Query("assert A p D = 3")), "NCZ");  // still serving
  auto copied = Database::Open(copy);
  ASSERT_TRUE(copied.ok()) << copied.status();
  EXPECT_EQ((*copied)->LastTransaction().id, 2u);
}

TEST_F(ProtocolHandlerTest, AnErrorInABlockFailsItUntilRollback) {
  EXPECT_EQ(Types(Query("BEGIN")), "CZ");
  EXPECT_EQ(handler_->status(), 'T');
  EXPECT_EQ(Types(Query("assert A p B = 1")), "CZ");
  const std::string error = Query("A p * at 2025-02-30");
  EXPECT_EQ(Types(error), "EZ");
  EXPECT_TRUE(absl::StrContains(error, "22007")) << error;
  EXPECT_EQ(handler_->status(), 'E');
  EXPECT_TRUE(absl::StrContains(Query("count * * *"), "25P02"));
  EXPECT_TRUE(absl::StrContains(Query("COMMIT"), "ROLLBACK"));
  EXPECT_EQ(handler_->status(), 'I');
  EXPECT_TRUE(absl::StrContains(Query("count * * *"), std::string("\x00\x00\x00\x01" "0", 5)));
}

// The DataRow messages of `out`, concatenated.
std::string DataRows(const std::string& out) {
  std::string rows;
  for (size_t i = 0; i + 5 <= out.size();) {
    const auto* p = reinterpret_cast<const unsigned char*>(out.data() + i + 1);
    const size_t n = 1 + (uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]);
    if (out[i] == 'D') rows.append(out, i, n);
    i += n;
  }
  return rows;
}

// Reads hand their rows to the server as they are found, encoded at once;
// every other answer goes through cells. Both give the same messages, over
// several chunks too.
TEST_F(ProtocolHandlerTest, ReadRowsEncodedAsFoundEqualTheirCells) {
  std::string writes;
  for (int i = 0; i < 3000; ++i) {
    absl::StrAppend(&writes, "assert S", i % 40, " p", i % 3, " O", i, " = ", i % 7 == 0 ? "\"t\"" : std::to_string(i),
                    " from ", 1990 + i % 30, i % 5 == 0 ? absl::StrCat(" to ", 2021 + i % 4) : "", ";");
  }
  Query(writes);
  internal::Session session(db_.get());
  for (const char* text : {"* * *", "* * * at 2000", "S1 * *", "* p1 * limit 10", "* * * during [2019, 2022) limit 500",
                           "* p2 * overlaps [2010, 2011)", "Nobody * *", "count * * *", "* * * as of tx 1"}) {
    SCOPED_TRACE(text);
    const absl::StatusOr<internal::Statement> st = internal::ParseStatement(text);
    ASSERT_TRUE(st.ok()) << st.status();
    const absl::StatusOr<internal::Result> cells = session.Execute(*st);
    ASSERT_TRUE(cells.ok()) << cells.status();
    const std::vector<ColumnDescription> columns = *DescribeColumns(cells->columns, {});
    std::string expected;
    for (const std::vector<internal::Cell>& row : cells->rows) {
      AppendDataRow(row.size(), [&](size_t c, std::string* o) { return AppendCell(row[c], columns[c], o); }, &expected);
    }
    const std::string got = Query(text);
    EXPECT_EQ(DataRows(got), expected);
    EXPECT_TRUE(absl::StrContains(got, absl::StrCat("SELECT ", cells->rows.size()))) << cells->rows.size();
  }
}

TEST_F(ProtocolHandlerTest, TheExtendedProtocolBindsParametersAndPagesRows) {
  Query("assert A p B = 1 from 2020; assert A p C = 2 from 2020; assert A p D = 3 from 2020");
  FrontendMessage parse{};
  parse.type = 'P';
  parse.parse = {"s", "A $1 * at $2", {}};
  EXPECT_EQ(Types(Send(parse)), "1");
  FrontendMessage describe{};
  describe.type = 'D';
  describe.describe = {'S', "s"};
  EXPECT_EQ(Types(Send(describe)), "tT");
  FrontendMessage bind{};
  bind.type = 'B';
  bind.bind.statement = "s";
  bind.bind.params = {std::string("p"), std::string("2021")};
  EXPECT_EQ(Types(Send(bind)), "2");
  FrontendMessage execute{};
  execute.type = 'E';
  execute.execute = {"", 2};
  EXPECT_EQ(Types(Send(execute)), "DDs");  // two rows, then suspended
  EXPECT_EQ(Types(Send(execute)), "DC");   // the last one
  FrontendMessage sync{};
  sync.type = 'S';
  EXPECT_EQ(Types(Send(sync)), "Z");
  // An error skips everything until Sync.
  bind.bind.params = {std::string("p")};
  EXPECT_EQ(Types(Send(bind)), "E");
  EXPECT_EQ(Types(Send(execute)), "");
  EXPECT_EQ(Types(Send(sync)), "Z");
}

TEST_F(ProtocolHandlerTest, ParametersDeclaredAsTimesReadPostgresForms) {
  Query("assert A p B = 1 from 2020-06-01");
  FrontendMessage parse{};
  parse.type = 'P';
  parse.parse = {"s", "A p B at $1 as of $2", {kTimestamptzOid, kDateOid}};
  EXPECT_EQ(Types(Send(parse)), "1");
  FrontendMessage bind{};
  bind.type = 'B';
  bind.bind.statement = "s";
  // What the server writes for a timestamptz, passed back as it came.
  bind.bind.params = {std::string("2020-06-01 02:00:00+02"), std::string("infinity")};
  EXPECT_EQ(Types(Send(bind)), "2");
  FrontendMessage execute{};
  execute.type = 'E';
  execute.execute = {"", 0};
  EXPECT_EQ(Types(Send(execute)), "DC");
  FrontendMessage sync{};
  sync.type = 'S';
  EXPECT_EQ(Types(Send(sync)), "Z");
  // Declared text, the same text is not a time literal.
  parse.parse = {"t", "A p B at $1", {kTextOid}};
  EXPECT_EQ(Types(Send(parse)), "1");
  bind.bind.statement = "t";
  bind.bind.params = {std::string("2020-06-01 02:00:00+02")};
  EXPECT_EQ(Types(Send(bind)), "2");
  const std::string out = Send(execute);
  EXPECT_EQ(Types(out), "E");
  EXPECT_TRUE(absl::StrContains(out, "22007")) << out;
  EXPECT_EQ(Types(Send(sync)), "Z");
}

}  // namespace
}  // namespace hindsight::server
