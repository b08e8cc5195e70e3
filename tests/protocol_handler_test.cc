// The server's session logic without sockets: messages in, protocol bytes
// out (server/protocol_handler.h).
#include <atomic>
#include <iterator>
#include <map>
#include <random>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "hindsight/db.h"
#include "server/copy_format.h"
#include "server/notification_relay.h"
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
    return Answer(handler_.get(), m);
  }
  // `text` through the extended protocol: Parse, Bind, Execute, Sync, all
  // unnamed and without parameters.
  std::string Extended(const std::string& text) {
    std::string out;
    for (const char type : {'P', 'B', 'E', 'S'}) {
      FrontendMessage m{};
      m.type = type;
      if (type == 'P') m.parse.query = text;
      out += Send(m);
    }
    return out;
  }
  // What `handler` answers `m`, as the connection sends it: each part
  // written (taken from `out`) before the next.
  static std::string Answer(ProtocolHandler* handler, const FrontendMessage& m) {
    std::string out;
    std::string sent;
    ProtocolHandler::Step step = handler->Handle(m, &out);
    while (step == ProtocolHandler::Step::kMore) {
      sent += out;
      out.clear();
      step = handler->Continue(&out);
    }
    return sent + out;
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
  EXPECT_EQ(text(2950, std::string("\x12\x3e\x45\x67\xe8\x9b\x12\xd3\xa4\x56\x42\x66\x14\x17\x40\x00", 16)),
            "123e4567-e89b-12d3-a456-426614174000");  // uuid
  EXPECT_EQ(text(2950, "short"), "ERROR");
  EXPECT_EQ(text(1186, "interval"), "ERROR");
}

TEST(TextParamTest, BoolsAndTimesReadAsTheLanguageWritesThem) {
  // JDBC's setBoolean sends TRUE or FALSE, declared bool.
  for (const char* yes : {"TRUE", "t", "true", " yes ", "On", "1"}) EXPECT_EQ(TextParamAsLiteral(kBoolOid, yes), "true");
  for (const char* no : {"FALSE", "f", "no", "off", "0"}) EXPECT_EQ(TextParamAsLiteral(kBoolOid, no), "false");
  EXPECT_EQ(TextParamAsLiteral(kBoolOid, "maybe"), "maybe");  // for the parser to judge
  EXPECT_EQ(TextParamAsLiteral(kTextOid, "TRUE"), "TRUE");    // declared text: the text value
  EXPECT_EQ(TextParamAsLiteral(kTimestamptzOid, "2020-06-01 02:00:00+02"), "2020-06-01T02:00:00+02:00");
  EXPECT_EQ(TextParamAsLiteral(kDateOid, "infinity"), "+inf");
  EXPECT_EQ(TextParamAsLiteral(0, "42"), "42");
}

TEST_F(ProtocolHandlerTest, SimpleQueriesAnswerRowsAndTags) {
  EXPECT_EQ(Types(Query("assert A p B = 1 from 2020")), "NCZ");  // the commit's notice, the tag
  EXPECT_EQ(Types(Query("assert A p C = \"x\"")), "NCZ");
  const std::string out = Query("A p *; count * * *");
  EXPECT_EQ(Types(out), "TDDCTDCZ");
  EXPECT_TRUE(absl::StrContains(out, "SELECT 2")) << out;
  EXPECT_TRUE(absl::StrContains(out, "2020-01-01 00:00:00+00")) << out;
  EXPECT_TRUE(absl::StrContains(out, "infinity")) << out;
  EXPECT_EQ(Types(Query("")), "IZ");
}

TEST_F(ProtocolHandlerTest, ABlockThatWroteNothingCommitsNothing) {
  Query("assert A p B = 1 from 2020");
  // A driver's BEGIN around reads: COMMIT writes no transaction.
  EXPECT_EQ(Types(Query("BEGIN; A p B; COMMIT")), "CTDCCZ");
  EXPECT_EQ(Types(Query("begin; commit")), "CCZ");
  EXPECT_EQ(db_->LastTransaction().id, 1u);
  // One given a time or a source is the language's empty transaction.
  EXPECT_EQ(Types(Query("BEGIN; begin source audit; COMMIT")), "CCNCZ");
  EXPECT_EQ(db_->LastTransaction().id, 2u);
  EXPECT_EQ(Types(Query("BEGIN; assert A p C = 2; COMMIT")), "CCNCZ");
  EXPECT_EQ(db_->LastTransaction().id, 3u);
}

TEST_F(ProtocolHandlerTest, ShowListsTransactionsAndStats) {
  Query("begin source first; assert A p B = 1 from 2020; commit; assert A p C = 2");
  Query("assert D q E");
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
  out = Query("show hindsight_names 'D'; SHOW hindsight_names; SHOW hindsight_names D*");
  EXPECT_EQ(Types(out), "TDCTDDDDDDDCTDCZ");  // D; then A, B, C, D, E, p, q; D again
  EXPECT_TRUE(absl::StrContains(out, "SHOW")) << out;
  out = Query("SHOW hindsight_predicates");
  EXPECT_EQ(Types(out), "TDDCZ");  // p: 2 keys, q: 1
  EXPECT_TRUE(absl::StrContains(out, std::string("\x01p\0\0\0\x01" "2\0\0\0\x01" "2", 12))) << out;
}

// Two sessions as the server keeps them (server.cc): SHOW
// hindsight_sessions lists both; a signal sets the target's cancel flag.
class TwoSessions : public SessionDirectory {
 public:
  std::vector<SessionView> List() const override {
    std::vector<SessionView> views;
    for (const SessionActivity& a : activity) {
      if (std::optional<SessionView> v = a.View()) views.push_back(*v);
    }
    return views;
  }
  bool Signal(int32_t pid, bool terminate, const std::string& by) override {
    if (pid < 1 || pid > 2) return false;
    cancel[pid - 1].store(true);
    signals.push_back(absl::StrCat(terminate ? "terminate " : "cancel ", pid, " by ", by));
    return true;
  }

  SessionActivity activity[2];
  std::atomic<bool> cancel[2] = {false, false};
  std::vector<std::string> signals;
};

TEST_F(ProtocolHandlerTest, SessionsShowWhatEachDoesToThoseAllowedToSeeAndSignal) {
  TwoSessions sessions;
  sessions.activity[0].Start(1, "tester", "app", "127.0.0.1:1", false, 10);
  sessions.activity[1].Start(2, "reader", "", "127.0.0.1:2", true, 20);
  handler_->set_sessions(&sessions.activity[0], &sessions);
  ProtocolHandler reader(db_.get(), "reader", /*read_only=*/true, &sessions.cancel[1]);
  reader.set_sessions(&sessions.activity[1], &sessions);
  const auto read = [&](const std::string& q) {
    FrontendMessage m{};
    m.type = 'Q';
    m.query = q;
    return Answer(&reader, m);
  };

  Query("begin; assert A p B = 1");
  EXPECT_EQ(sessions.activity[0].View()->state, "idle in transaction");
  EXPECT_EQ(sessions.activity[0].View()->query, "begin; assert A p B = 1");
  Query("assert A p");
  EXPECT_EQ(sessions.activity[0].View()->state, "idle in transaction (aborted)");
  read("count * * *");
  EXPECT_EQ(sessions.activity[1].View()->state, "idle");
  EXPECT_EQ(sessions.activity[1].View()->query, "count * * *");

  // A read-only user sees its own statements, not other users'.
  std::string out = read("SHOW hindsight_sessions");
  EXPECT_EQ(Types(out), "TDDCZ");
  EXPECT_TRUE(absl::StrContains(out, "<insufficient privilege>")) << out;
  EXPECT_FALSE(absl::StrContains(out, "assert A p")) << out;
  EXPECT_TRUE(absl::StrContains(out, "idle in transaction (aborted)")) << out;
  EXPECT_TRUE(absl::StrContains(out, std::string("\0\0\0\x06" "active\0\0\0", 13))) << out;  // its own
  // A user who may write sees them all.
  out = Query("rollback; SHOW hindsight_sessions");
  EXPECT_TRUE(absl::StrContains(out, std::string("\0\0\0\x17" "SHOW hindsight_sessions", 27))) << out;
  EXPECT_FALSE(absl::StrContains(out, "<insufficient privilege>")) << out;

  // Signals: a read-only user only its own user's sessions.
  out = read("select pg_cancel_backend(1)");
  EXPECT_EQ(Types(out), "EZ");
  EXPECT_TRUE(absl::StrContains(out, "42501")) << out;
  EXPECT_TRUE(sessions.signals.empty());
  // Its own session: the statement signalled is this one, as in PostgreSQL.
  out = read("SELECT pg_catalog.pg_terminate_backend( 2 )");
  EXPECT_EQ(Types(out), "TEZ");
  EXPECT_TRUE(absl::StrContains(out, "57014")) << out;
  out = Query("select pg_cancel_backend(2); select pg_cancel_backend(9)");
  EXPECT_TRUE(absl::StrContains(out, std::string("\0\0\0\x01t", 5))) << out;
  EXPECT_EQ(Types(out), "TDCNTDCZ");  // 9 is no session: false, and a notice says so
  EXPECT_TRUE(absl::StrContains(out, std::string("\0\0\0\x01" "f", 5))) << out;
  EXPECT_EQ(sessions.signals, (std::vector<std::string>{"terminate 2 by session 2 (user reader)",
                                                        "cancel 2 by session 1 (user tester)"}));
  EXPECT_TRUE(sessions.cancel[1].load());

  // Each session asks who it is, as in PostgreSQL: what it signals others by.
  out = read("select pg_backend_pid(); SELECT current_user; select session_user");
  EXPECT_EQ(Types(out), "TDCTDCTDCZ");
  EXPECT_TRUE(absl::StrContains(out, std::string("pg_backend_pid\0", 15))) << out;
  EXPECT_TRUE(absl::StrContains(out, std::string("\0\0\0\x01" "2C", 6))) << out;
  EXPECT_TRUE(absl::StrContains(out, std::string("\0\0\0\x06" "readerC", 11))) << out;
  EXPECT_TRUE(absl::StrContains(Query("select USER"), std::string("\0\0\0\x06" "testerC", 11)));
  EXPECT_TRUE(absl::StrContains(Extended("SELECT pg_catalog.pg_backend_pid()"), std::string("\0\0\0\x01" "1C", 6)));

  // Through the extended protocol, the prepared statement is the one shown.
  EXPECT_EQ(Types(Extended("count A * *")), "12DCZ");
  EXPECT_EQ(sessions.activity[0].View()->query, "count A * *");
  EXPECT_EQ(sessions.activity[0].View()->state, "idle");
}

// The one DataRow's one text value of `out`.
std::string OneValue(const std::string& out) {
  const size_t at = out.find('D');
  return at == std::string::npos ? out : out.substr(at + 11, out.find('C', at) - at - 11);
}

TEST_F(ProtocolHandlerTest, StatementTimeoutIsSetShownResetAndUndoneWithItsBlock) {
  handler_->set_statement_timeout(nullptr, absl::Milliseconds(250));
  const auto shown = [&] { return OneValue(Query("SHOW statement_timeout")); };
  EXPECT_EQ(shown(), "250ms");  // as the client started
  EXPECT_EQ(Types(Query("SET statement_timeout = 1500; SET SESSION statement_timeout TO '2min'")), "CCZ");
  EXPECT_EQ(shown(), "2min");
  EXPECT_EQ(Types(Query("RESET statement_timeout")), "CZ");
  EXPECT_EQ(shown(), "250ms");  // as it started, as PostgreSQL's RESET
  EXPECT_EQ(Types(Query("set statement_timeout=0")), "CZ");
  EXPECT_EQ(shown(), "0");
  std::string out = Query("SET statement_timeout = 'soon'");
  EXPECT_EQ(Types(out), "EZ");
  EXPECT_TRUE(absl::StrContains(out, "22023")) << out;
  EXPECT_EQ(shown(), "0");
  // SET LOCAL lasts until the block ends; a SET in a block that rolls back is undone.
  EXPECT_EQ(Types(Query("SET LOCAL statement_timeout = 100")), "NCZ");  // outside a block: no effect
  EXPECT_EQ(shown(), "0");
  Query("BEGIN; SET LOCAL statement_timeout = 100");
  EXPECT_EQ(shown(), "100ms");
  Query("COMMIT");
  EXPECT_EQ(shown(), "0");
  Query("BEGIN; SET statement_timeout = '7s'");
  EXPECT_EQ(shown(), "7s");
  Query("ROLLBACK");
  EXPECT_EQ(shown(), "0");
  Query("BEGIN; SET statement_timeout = '7s'; COMMIT");
  EXPECT_EQ(shown(), "7s");
  // The string 'default' is no time; the keyword DEFAULT goes back to the start.
  EXPECT_TRUE(absl::StrContains(Query("SET statement_timeout = 'default'"), "22023"));
  EXPECT_EQ(shown(), "7s");
  EXPECT_EQ(Types(Query("SET statement_timeout TO Default")), "CZ");
  EXPECT_EQ(shown(), "250ms");
  Query("SET statement_timeout = '7s'");
  // DISCARD ALL (a pool handing the connection on) resets it; other settings have no effect.
  EXPECT_EQ(Types(Query("DISCARD ALL; SET TIME ZONE 'UTC'; SET datestyle = ISO")), "CCCZ");
  EXPECT_EQ(shown(), "250ms");
}

// ROLLBACK TO a savepoint undoes what was done since, as PostgreSQL's does:
// the writes (Session's own test), SET and SET LOCAL, and the cursors
// declared since, which close; RELEASE keeps them all.
TEST_F(ProtocolHandlerTest, RollingBackToASavepointUndoesSettingsAndCursorsSince) {
  const auto shown = [&](const char* setting) { return OneValue(Query(absl::StrCat("SHOW ", setting))); };
  ASSERT_EQ(Types(Query("assert A p B = 1 from 2020")), "NCZ");
  EXPECT_EQ(Types(Query("BEGIN; SET statement_timeout = '5s'; DECLARE before CURSOR FOR * * *; SAVEPOINT a")), "CCCCZ");
  EXPECT_EQ(Types(Query("SET LOCAL statement_timeout = '7s'; SET application_name = 'inner'")), "CCSZ");
  EXPECT_EQ(Types(Query("DECLARE since CURSOR FOR * * *; SAVEPOINT b; DECLARE later CURSOR FOR * * *")), "CCCZ");
  EXPECT_EQ(shown("statement_timeout"), "7s");
  EXPECT_EQ(Types(Query("RELEASE b")), "CZ");  // keeps what was done since
  EXPECT_EQ(Types(Query("FETCH 1 FROM later")), "TDCZ");
  EXPECT_EQ(Types(Query("ROLLBACK TO a")), "CSZ");  // application_name back: a ParameterStatus
  EXPECT_EQ(shown("statement_timeout"), "5s");
  EXPECT_EQ(shown("application_name"), "");
  for (const char* closed : {"FETCH 1 FROM since", "FETCH 1 FROM later"}) {
    const std::string answer = Query(closed);
    EXPECT_TRUE(absl::StrContains(answer, "34000")) << closed << ": " << answer;
    EXPECT_EQ(Types(Query("ROLLBACK TO a")), "CZ");  // out of the failed state the error left
  }
  EXPECT_EQ(Types(Query("FETCH 1 FROM before")), "TDCZ");
  EXPECT_EQ(Types(Query("COMMIT")), "CZ");
  EXPECT_EQ(shown("statement_timeout"), "5s");
  // A savepoint of an earlier transaction is gone with it.
  EXPECT_TRUE(absl::StrContains(Query("BEGIN; ROLLBACK TO a"), "3B001"));
  EXPECT_EQ(Types(Query("ROLLBACK")), "CZ");
}

// Random sequences of transaction control, writes, errors, savepoints and
// cursors against a model of PostgreSQL's rules: which statements fail,
// the status after each (I, T, E), which cursors exist, and what commits.
TEST_F(ProtocolHandlerTest, TransactionBlocksFollowAModelOfPostgresRules) {
  std::mt19937 rng(1207);
  const auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  for (int sequence = 0; sequence < 150; ++sequence) {
    const std::string predicate = absl::StrCat("p", sequence);
    char status = 'I';
    int pending = 0, committed = 0, writes = 0;
    struct Mark {
      std::string name;
      int pending;
      size_t cursors;
    };
    std::vector<Mark> savepoints;
    std::vector<std::string> cursors;  // declared in the open block, oldest first
    const auto end_block = [&](bool commit) {
      if (commit && status == 'T') committed += pending;
      pending = 0;
      savepoints.clear();
      cursors.clear();
      status = 'I';
    };
    const auto newest = [&](const std::string& name) -> std::optional<size_t> {
      for (size_t i = savepoints.size(); i-- > 0;) {
        if (savepoints[i].name == name) return i;
      }
      return std::nullopt;
    };
    std::string trail;  // the statements so far, for a failure's message
    for (int step = 0; step < 40; ++step) {
      const std::string name = pick(2) == 0 ? "a" : "b";
      const std::string cursor = pick(2) == 0 ? "c" : "d";
      std::string statement;
      bool fails = status == 'E';  // most statements, in a failed block
      switch (pick(10)) {
        case 0:
          statement = "BEGIN";
          if (status == 'I') status = 'T';
          break;
        case 1:
          statement = "COMMIT";
          fails = false;
          end_block(true);
          break;
        case 2:
          statement = "ROLLBACK";
          fails = false;
          end_block(false);
          break;
        case 3:
          statement = absl::StrCat("assert W ", predicate, " o", ++writes, " = 1 from 2020");
          if (status == 'I') ++committed;
          if (status == 'T') ++pending;
          break;
        case 4:
          statement = "W * * at 2025-13-01";
          fails = true;
          break;
        case 5:
          statement = "SAVEPOINT " + name;
          if (status == 'I') fails = true;
          if (status == 'T') savepoints.push_back({name, pending, cursors.size()});
          break;
        case 6:
          statement = "RELEASE " + name;
          if (status != 'T') {
            fails = true;
          } else if (const std::optional<size_t> i = newest(name)) {
            savepoints.resize(*i);
          } else {
            fails = true;
          }
          break;
        case 7:
          statement = "ROLLBACK TO " + name;
          if (status == 'I') {
            fails = true;
          } else if (const std::optional<size_t> i = newest(name)) {
            fails = false;
            pending = savepoints[*i].pending;
            cursors.resize(savepoints[*i].cursors);
            savepoints.resize(*i + 1);
            status = 'T';
          } else {
            fails = true;
          }
          break;
        case 8:
          statement = absl::StrCat("DECLARE ", cursor, " CURSOR FOR W ", predicate, " *");
          if (status != 'T' || std::find(cursors.begin(), cursors.end(), cursor) != cursors.end()) {
            fails = true;
          } else {
            cursors.push_back(cursor);
          }
          break;
        default:
          statement = "FETCH 1 FROM " + cursor;
          if (status != 'T' || std::find(cursors.begin(), cursors.end(), cursor) == cursors.end()) fails = true;
          break;
      }
      if (fails && status == 'T') status = 'E';
      absl::StrAppend(&trail, statement, "; ");
      const std::string answer = Query(statement);
      ASSERT_EQ(absl::StrContains(Types(answer), "E"), fails) << trail << "\n" << answer;
      ASSERT_EQ(handler_->status(), status) << trail;
    }
    Query("ROLLBACK");
    ASSERT_EQ(OneValue(Query(absl::StrCat("count W ", predicate, " *"))), std::to_string(committed)) << trail;
  }
}

// application_name is scoped as statement_timeout is; each change reaches
// the client (a ParameterStatus before ReadyForQuery, as PostgreSQL sends
// one) and SHOW hindsight_sessions.
TEST_F(ProtocolHandlerTest, ApplicationNameIsSetShownReportedAndReset) {
  SessionActivity activity;
  activity.Start(7, "tester", "loader", "127.0.0.1:1", false, 0);
  handler_->set_sessions(&activity, nullptr);
  handler_->set_application_name("loader");
  const auto shown = [&] { return OneValue(Query("SHOW application_name")); };
  EXPECT_EQ(shown(), "loader");
  std::string out = Query("SET application_name = 'it''s a notebook'");
  EXPECT_EQ(Types(out), "CSZ");
  EXPECT_TRUE(absl::StrContains(out, std::string("application_name\0it's a notebook\0", 33))) << out;
  EXPECT_EQ(shown(), "it's a notebook");
  EXPECT_EQ(activity.View()->application, "it's a notebook");
  EXPECT_EQ(Types(Query("SET application_name TO \"Quoted\"")), "CSZ");
  EXPECT_EQ(shown(), "Quoted");
  EXPECT_EQ(Types(Query("SET application_name = 'Quoted'")), "CZ");  // no change, no report
  Query("BEGIN; SET application_name = 'inside'");
  EXPECT_EQ(shown(), "inside");
  EXPECT_EQ(Types(Query("ROLLBACK")), "CSZ");
  EXPECT_EQ(shown(), "Quoted");
  Query("BEGIN; SET LOCAL application_name = 'local'");
  EXPECT_EQ(shown(), "local");
  Query("COMMIT");
  EXPECT_EQ(shown(), "Quoted");
  EXPECT_EQ(Types(Query("RESET ALL")), "CSZ");
  EXPECT_EQ(shown(), "loader");
  EXPECT_EQ(activity.View()->application, "loader");
  Query("SET application_name = x");
  EXPECT_EQ(Types(Query("DISCARD ALL")), "CSZ");
  EXPECT_EQ(shown(), "loader");
  // The keyword DEFAULT resets it; the string 'default' is a name.
  Query("SET application_name = 'default'");
  EXPECT_EQ(shown(), "default");
  Query("SET application_name TO DEFAULT");
  EXPECT_EQ(shown(), "loader");
}

TEST_F(ProtocolHandlerTest, AStatementPastItsTimeoutIsCancelledAndSaysSo) {
  Query("assert A p B = 1 from 2020");
  // A timer whose sweep comes at once, past every deadline: each timed
  // statement is cancelled as it starts.
  StatementTimeout* timer = nullptr;
  StatementTimeout expiring(&cancel_, [&timer] { timer->Expire(absl::InfiniteFuture()); });
  timer = &expiring;
  handler_->set_statement_timeout(timer, absl::ZeroDuration());
  EXPECT_EQ(Types(Query("count * * *")), "TDCZ");  // no timeout: untimed
  std::string out = Query("SET statement_timeout = 50; count * * *");
  EXPECT_EQ(Types(out), "CEZ");
  EXPECT_TRUE(absl::StrContains(out, "57014")) << out;
  EXPECT_TRUE(absl::StrContains(out, "canceling statement due to statement timeout")) << out;
  out = Extended("await tx 5 timeout 60s");
  EXPECT_TRUE(absl::StrContains(out, "canceling statement due to statement timeout")) << out;
  // Untimed again; a cancel that came between statements is dropped.
  Query("SET statement_timeout = 0");
  cancel_ = true;
  EXPECT_EQ(Types(Query("count * * *")), "TDCZ");
}

TEST_F(ProtocolHandlerTest, StatementsThatTakeLongEnoughAreHandedToTheLog) {
  std::vector<std::string> logged;
  handler_->set_slow_statement_log(absl::ZeroDuration(), [&](absl::Duration took, std::string_view text, bool failed) {
    EXPECT_GE(took, absl::ZeroDuration());
    logged.push_back(std::string(failed ? "failed: " : "") + std::string(text));
  });
  Query("assert A p B = 1; count * * *");
  Query("count * * *;\nassert A p");
  EXPECT_EQ(Extended("count A * *"), Extended("count A * *"));
  EXPECT_EQ(logged, (std::vector<std::string>{"assert A p B = 1; count * * *", "failed: count * * *;\nassert A p",
                                              "count A * *", "count A * *"}));
  // COPY FROM STDIN runs until its data is in.
  logged.clear();
  EXPECT_EQ(Types(Query("COPY operations FROM STDIN")), "G");
  FrontendMessage data{};
  data.type = 'd';
  data.data = "tx\t2031-01-01T00:00:00Z\tfile\nassert\tC\tp\tD\t1\t2020-01-01\t+inf\n";
  Send(data);
  EXPECT_TRUE(logged.empty());
  FrontendMessage done{};
  done.type = 'c';
  Send(done);
  EXPECT_EQ(logged, std::vector<std::string>{"COPY operations FROM STDIN"});
  logged.clear();
  handler_->set_slow_statement_log(absl::Hours(1), [&](absl::Duration, std::string_view text, bool) {
    logged.emplace_back(text);
  });
  Query("count * * *");
  EXPECT_TRUE(logged.empty());
}

TEST_F(ProtocolHandlerTest, WhatConnectionPoolsAndDriversSendOnTheirOwn) {
  // Health checks; neither is a statement of the language.
  std::string out = Query("SELECT 1; select version ( )");
  EXPECT_EQ(Types(out), "TDCTDCZ");
  EXPECT_TRUE(absl::StrContains(out, std::string("?column?\0", 9))) << out;
  EXPECT_TRUE(absl::StrContains(out, "PostgreSQL 15.0 (Hindsight")) << out;
  EXPECT_TRUE(absl::StrContains(out, std::string("SELECT 1\0", 9))) << out;
  EXPECT_EQ(Types(Query("SELECT 1 x")), "NTCZ");  // three terms: a read (of no names)
  // What SQLAlchemy asks on connect (through psycopg 2).
  out = Query("select pg_catalog.version(); select current_schema(); show transaction isolation level; "
              "show standard_conforming_strings");
  EXPECT_EQ(Types(out), "TDCTDCTDCTDCZ");
  EXPECT_TRUE(absl::StrContains(out, "public")) << out;
  EXPECT_TRUE(absl::StrContains(out, "read committed")) << out;
  // What asyncpg's pool sends as a connection goes back to it.
  out = Query("SELECT pg_advisory_unlock_all();\nCLOSE ALL;\nUNLISTEN *;\nRESET ALL;");
  EXPECT_EQ(Types(out), "TDCCCCZ");
  EXPECT_TRUE(absl::StrContains(out, std::string("pg_advisory_unlock_all\0", 23))) << out;
  out = Query("SELECT t.oid, typarray\nFROM pg_type t JOIN pg_namespace ns\n    ON typnamespace = ns.oid\n"
              "WHERE typname = 'hstore';\n");
  EXPECT_EQ(Types(out), "TCZ");  // no hstore type
  EXPECT_TRUE(absl::StrContains(out, std::string("SELECT 0\0", 9))) << out;
  EXPECT_TRUE(absl::StrContains(Query("SELECT t.oid FROM pg_type t WHERE typname = 'json'"), "42601"));
  // Other reads of PostgreSQL's catalogs (psql's \d, a tool's schema
  // browser): 0A000 at the first catalog name, with where to look instead.
  out = Query("SELECT c.relname as \"Name\"\nFROM pg_catalog.pg_class c\nWHERE c.relkind = 'r'");
  EXPECT_EQ(Types(out), "EZ");
  EXPECT_TRUE(absl::StrContains(out, "0A000")) << out;
  EXPECT_TRUE(absl::StrContains(out, "catalogs or system functions: pg_catalog.pg_class")) << out;
  EXPECT_TRUE(absl::StrContains(out, std::string("P33\0", 4))) << out;  // where pg_catalog starts
  EXPECT_TRUE(absl::StrContains(out, "SHOW hindsight_predicates")) << out;
  out = Extended("select table_name from information_schema.tables");
  EXPECT_EQ(Types(out), "EZ");
  EXPECT_TRUE(absl::StrContains(out, "0A000")) << out;
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
  FrontendMessage sync{};
  sync.type = 'S';
  const auto binds = [&](const char* name) {
    bind.bind.statement = name;
    return Send(bind) == std::string("2\0\0\0\x04", 5);
  };
  const auto binds_alone = [&](const char* name) {
    const bool bound = binds(name);
    Send(sync);
    return bound;
  };
  EXPECT_TRUE(binds_alone("a"));
  EXPECT_EQ(Types(Query("DEALLOCATE a")), "CZ");
  EXPECT_FALSE(binds_alone("a"));
  EXPECT_TRUE(absl::StrContains(Query("deallocate prepare a"), "26000"));
  // Deallocated through the extended protocol, by the statement itself.
  parse.parse = {"d", "DEALLOCATE \"b\"", {}};
  EXPECT_EQ(Types(Send(parse)), "1");
  EXPECT_TRUE(binds("d"));
  FrontendMessage execute{};
  execute.type = 'E';
  execute.execute = {"", 0};
  EXPECT_EQ(Types(Send(execute)), "C");
  EXPECT_EQ(Types(Send(sync)), "Z");
  EXPECT_FALSE(binds_alone("b"));
  EXPECT_TRUE(binds_alone("c"));
  EXPECT_TRUE(absl::StrContains(Query("BEGIN; DISCARD ALL"), "25001"));
  Query("ROLLBACK");
  EXPECT_EQ(Types(Query("DISCARD ALL")), "CZ");
  EXPECT_FALSE(binds_alone("c"));
  EXPECT_FALSE(binds_alone("d"));
  EXPECT_EQ(Types(Query("DISCARD PLANS; DEALLOCATE ALL")), "CCZ");
}

// What drivers send reads the same with comments in it (psql 15 sends a
// statement's comments on; tools prefix their queries with one).
// SHOW ALL lists what SHOW name reports, as PostgreSQL does: by name in
// any case, each with its value now.
TEST_F(ProtocolHandlerTest, ShowAllListsEverySettingByName) {
  Query("SET statement_timeout = '2s'");
  const std::string out = Query("show all");
  EXPECT_EQ(Types(out), "T" + std::string(17, 'D') + "CZ") << out;
  // Each field: its length, then its bytes.
  const size_t application = out.find("application_name");
  const size_t date_style = out.find("DateStyle");
  const size_t timeout = out.find(std::string("statement_timeout\0\0\0\x02" "2s", 23));
  EXPECT_TRUE(application != std::string::npos && date_style != std::string::npos && timeout != std::string::npos)
      << out;
  EXPECT_LT(application, date_style);
  EXPECT_LT(date_style, timeout);
  EXPECT_TRUE(absl::StrContains(out, std::string("description\0", 12))) << out;
  EXPECT_EQ(Types(Extended("SHOW ALL")), "12" + std::string(17, 'D') + "CZ");
}

TEST_F(ProtocolHandlerTest, SqlStatementsReadCommentsAsWhiteSpace) {
  // A sequence that leaves the session as it found it, each statement sent alone.
  const std::vector<std::string> sqls = {
      "SELECT 1",        "select version ( )", "show transaction isolation level", "SHOW server_version",
      "SET statement_timeout = 5000", "SHOW statement_timeout", "BEGIN", "START TRANSACTION", "COMMIT", "ROLLBACK",
      "RESET statement_timeout",      "SHOW statement_timeout", "DISCARD ALL", "SHOW hindsight_names 'x'",
      "SELECT current_schema()"};
  std::vector<std::string> plain;
  for (const std::string& sql : sqls) plain.push_back(Query(sql));
  for (const char* comment : {" -- a comment\n", " /* a /* nested */ comment */ "}) {
    for (size_t i = 0; i < sqls.size(); ++i) {
      const std::string commented = absl::StrCat(comment, absl::StrReplaceAll(sqls[i], {{" ", comment}}), comment);
      EXPECT_EQ(Query(commented), plain[i]) << commented;
    }
  }
  // A position is one in the text as sent, comments and all.
  const std::string out = Query("/* browse */ SELECT relname FROM pg_catalog.pg_class -- x");
  EXPECT_TRUE(absl::StrContains(out, std::string("P34\0", 4))) << out;
}

// What libpq's target_session_attrs and other drivers' primary checks ask
// when a server did not report it at start-up: no server is a standby, and
// a read-only user's sessions are read-only.
TEST_F(ProtocolHandlerTest, ReadOnlyAndStandbyAsDriversAskThem) {
  const auto one_value = [](const std::string& value) {
    return absl::StrCat(std::string("\0\x01\0\0\0", 5), std::string(1, static_cast<char>(value.size())), value);
  };
  ProtocolHandler reader(db_.get(), "reader", /*read_only=*/true, &cancel_);
  const auto ask_reader = [&reader](const std::string& q) {
    FrontendMessage m{};
    m.type = 'Q';
    m.query = q;
    return Answer(&reader, m);
  };
  for (const char* show : {"SHOW transaction_read_only", "SHOW default_transaction_read_only"}) {
    EXPECT_TRUE(absl::StrContains(Query(show), one_value("off"))) << show;
    EXPECT_TRUE(absl::StrContains(ask_reader(show), one_value("on"))) << show;
  }
  EXPECT_TRUE(absl::StrContains(Query("SHOW in_hot_standby"), one_value("off")));
  EXPECT_TRUE(absl::StrContains(Query("SHOW server_version_num"), one_value("150000")));
  for (const char* select : {"SELECT pg_is_in_recovery()", "select pg_catalog.pg_is_in_recovery ( )"}) {
    const std::string out = Query(select);
    EXPECT_EQ(Types(out), "TDCZ") << select;
    EXPECT_TRUE(absl::StrContains(out, std::string("pg_is_in_recovery\0", 18) + std::string("\0\0\0\0\0\0\0\0\0\x10", 10)))
        << absl::CHexEscape(out);  // bool
    EXPECT_TRUE(absl::StrContains(out, one_value("f"))) << select;
  }
  const auto reported = SessionParameters(/*read_only=*/true);
  EXPECT_NE(std::find(reported.begin(), reported.end(), std::pair<std::string, std::string>{
                          "default_transaction_read_only", "on"}),
            reported.end());
  EXPECT_NE(std::find(reported.begin(), reported.end(), std::pair<std::string, std::string>{"in_hot_standby", "off"}),
            reported.end());
}

TEST_F(ProtocolHandlerTest, SqlThatIsNotTheLanguageGetsAHint) {
  for (const char* sql : {"SELECT * FROM facts", "insert into facts values (1)", "WITH x AS (SELECT 1) SELECT 2"}) {
    const std::string out = Query(sql);
    EXPECT_EQ(Types(out), "EZ") << sql;
    EXPECT_TRUE(absl::StrContains(out, "HHindsight reads its own language, not SQL")) << out;
  }
  const std::string out = Query("Syria * * at 20x");
  EXPECT_TRUE(absl::StrContains(out, "22007")) << out;
  EXPECT_FALSE(absl::StrContains(out, "not SQL")) << out;
}

TEST_F(ProtocolHandlerTest, CheckpointWritesACopyWhileServing) {
  Query("assert A p B = 1");
  Query("assert A p C = 2");
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

TEST_F(ProtocolHandlerTest, CompactRewritesTheFilesWhileServing) {
  ProtocolHandler handler(db_.get(), "tester", /*read_only=*/false, &cancel_, /*status=*/nullptr, dir_.Sub("db"));
  FrontendMessage m{};
  m.type = 'Q';
  const auto query = [&](const std::string& q) {
    m.query = q;
    return Answer(&handler, m);
  };
  query("assert A p B = 1; assert A p C = 2");
  query("erase A p B");
  std::string out = query("COMPACT");
  EXPECT_EQ(Types(out), "NCZ");
  EXPECT_TRUE(absl::StrContains(out, "compacted " + dir_.Sub("db") + ": ")) << out;
  EXPECT_TRUE(absl::StrContains(out, " MB on disk")) << out;
  EXPECT_TRUE(absl::StrContains(out, std::string("COMPACT\0", 8))) << out;
  EXPECT_TRUE(absl::StrContains(query("compact now"), "42601"));
  EXPECT_TRUE(absl::StrContains(query("BEGIN; COMPACT"), "25001"));
  EXPECT_EQ(handler.status(), 'E');
  query("ROLLBACK");
  ProtocolHandler reader(db_.get(), "reader", /*read_only=*/true, &cancel_);
  m.query = "compact";
  std::string refused;
  reader.Handle(m, &refused);
  EXPECT_TRUE(absl::StrContains(refused, "25006")) << refused;
  EXPECT_EQ(Types(query("assert A p D = 3")), "NCZ");  // still serving
  EXPECT_EQ(db_->Query({{"A", "p", std::nullopt}, ValidTimeClause::All(), {}})->size(), 2u);  // C and D
}

TEST_F(ProtocolHandlerTest, CopyOperationsToStdoutSendsTheLogAsAnOperationsFile) {
  Query("begin at 2020-01-01 source first; assert A p B = 1; commit");
  Query("begin at 2021-01-01 source second; erase A p B; assert A p C = 2; commit");
  ProtocolHandler reader(db_.get(), "reader", /*read_only=*/true, &cancel_);
  FrontendMessage m{};
  m.type = 'Q';
  m.query = "copy operations to stdout";
  const std::string out = Answer(&reader, m);
  EXPECT_EQ(Types(out), "HddddcCZ");  // a line a CopyData: the log keeps no operation of the first transaction
  const std::string digest = absl::BytesToHexString(KeyDigest({"A", "p", "B"}));
  for (const std::string& line : {std::string("tx\t2020-01-01T00:00:00Z\tfirst\n"),
                                  std::string("tx\t2021-01-01T00:00:00Z\tsecond\n"), "erase-digest\t" + digest + "\n",
                                  std::string("assert\tA\tp\tC\t2\t-inf\t+inf\n")}) {
    EXPECT_TRUE(absl::StrContains(out, line)) << line << " in " << out;
  }
  EXPECT_TRUE(absl::StrContains(out, std::string("COPY 4\0", 7))) << out;
  EXPECT_TRUE(absl::StrContains(Query("COPY operations TO somewhere"), "42601"));
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

// LISTEN hindsight_commits: a notification for each transaction committed
// since, by this session or another, in order and none twice, only outside
// a transaction block (before ReadyForQuery, or when the connection asks
// while the session waits); UNLISTEN and DISCARD ALL stop them; without a
// queue of NOTIFY's notifications, other channels and NOTIFY are refused.
TEST_F(ProtocolHandlerTest, ListenersAreToldOfEachCommitOutsideTheirBlocks) {
  ASSERT_TRUE(absl::StrContains(Query("assert A p B = 1 from 2020"), "ASSERT"));
  EXPECT_EQ(Types(Query("LISTEN hindsight_commits")), "CZ");
  EXPECT_TRUE(handler_->listening());
  std::string out;
  EXPECT_FALSE(handler_->AppendNotifications(&out));
  EXPECT_EQ(out, "");  // what was committed before LISTEN is not told
  // Another session's commits: told when this one asks, each once.
  ProtocolHandler other(db_.get(), "tester", false, &cancel_);
  FrontendMessage m{};
  m.type = 'Q';
  m.query = "begin source \"desk\"; assert A p D = 3 from 2020; commit; assert A p C = 2 from 2020";
  ASSERT_EQ(Types(Answer(&other, m)), "CCNCCNZ");
  EXPECT_FALSE(handler_->AppendNotifications(&out));
  EXPECT_EQ(Types(out), "AA");
  EXPECT_TRUE(absl::StrContains(out, "hindsight_commits")) << out;
  EXPECT_TRUE(absl::StrContains(out, R"({"tx": 2, "time": ")")) << out;
  EXPECT_TRUE(absl::StrContains(out, R"(Z", "source": "desk", "operations": 1})")) << out;
  EXPECT_TRUE(absl::StrContains(out, R"({"tx": 3, "time": ")")) << out;
  out.clear();
  EXPECT_FALSE(handler_->AppendNotifications(&out));
  EXPECT_EQ(out, "");
  // Its own commit: told before ReadyForQuery.
  EXPECT_EQ(Types(Query("assert A p E = 4 from 2020")), "NCAZ");  // NOTICE: committed ...
  // In a block, nothing; after it, what landed meanwhile.
  EXPECT_EQ(Types(Query("BEGIN")), "CZ");
  ASSERT_EQ(Types(Answer(&other, m)), "CCNCCNZ");
  EXPECT_FALSE(handler_->AppendNotifications(&out));
  EXPECT_EQ(out, "");
  EXPECT_EQ(Types(Query("count * * *")), "TDCZ");
  EXPECT_EQ(Types(Query("ROLLBACK")), "CAAZ");
  // More than are sent at once: the rest when asked again.
  for (size_t i = 0; i < ProtocolHandler::kNotificationsAtOnce + 3; ++i) {
    ASSERT_EQ(Types(Answer(&other, m)), "CCNCCNZ");
  }
  out.clear();
  EXPECT_TRUE(handler_->AppendNotifications(&out));
  EXPECT_EQ(Types(out).size(), ProtocolHandler::kNotificationsAtOnce);
  out.clear();
  EXPECT_TRUE(handler_->AppendNotifications(&out));
  out.clear();
  EXPECT_FALSE(handler_->AppendNotifications(&out));
  EXPECT_EQ(Types(out).size(), 2 * (ProtocolHandler::kNotificationsAtOnce + 3) - 2 * ProtocolHandler::kNotificationsAtOnce);
  EXPECT_EQ(Types(Query("UNLISTEN *")), "CZ");
  EXPECT_FALSE(handler_->listening());
  EXPECT_EQ(Types(Query("assert A p F = 5 from 2020")), "NCZ");
  EXPECT_EQ(Types(Query("LISTEN \"hindsight_commits\"; DISCARD ALL")), "CCZ");
  EXPECT_FALSE(handler_->listening());
  for (const char* refused : {"LISTEN other", "NOTIFY hindsight_commits", "LISTEN \"Hindsight_commits\""}) {
    const std::string answer = Query(refused);
    EXPECT_TRUE(absl::StrContains(answer, "0A000")) << refused << ": " << answer;
  }
  EXPECT_TRUE(absl::StrContains(Query("LISTEN a b"), "42601"));
}

// The payloads of the NotificationResponses of `out` on `channel`, in order.
std::vector<std::string> Payloads(const std::string& out, const std::string& channel) {
  std::vector<std::string> payloads;
  for (size_t i = 0; i + 5 <= out.size();) {
    const auto* p = reinterpret_cast<const unsigned char*>(out.data() + i + 1);
    const size_t length = uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
    if (out[i] == 'A') {
      const std::string body = out.substr(i + 9, length - 8);  // after the sender's pid
      const size_t end = body.find('\0');
      if (body.substr(0, end) == channel) payloads.push_back(body.substr(end + 1, body.find('\0', end + 1) - end - 1));
    }
    i += 1 + length;
  }
  return payloads;
}

// NOTIFY between two sessions: sent at once outside a block; in a block,
// when it commits (an identical one once), not if it rolls back or its
// savepoint does; to the listeners of its channel only, itself included,
// and only outside their blocks. LISTEN in a block counts once it commits.
TEST_F(ProtocolHandlerTest, NotifyReachesTheChannelsListenersWhenItsBlockCommits) {
  int wakes = 0;
  NotificationQueue queue(1 << 20, [&wakes] { ++wakes; });
  handler_->set_notifications(&queue, 1);
  ProtocolHandler other(db_.get(), "tester", false, &cancel_);
  other.set_notifications(&queue, 2);
  const auto send = [&other](const std::string& q) {
    FrontendMessage m{};
    m.type = 'Q';
    m.query = q;
    return Answer(&other, m);
  };
  // A block's LISTENs and UNLISTENs count once it commits.
  EXPECT_EQ(Types(Query("BEGIN; LISTEN jobs; ROLLBACK")), "CCCZ");
  EXPECT_FALSE(handler_->listening());
  EXPECT_EQ(Types(Query("BEGIN; LISTEN jobs; SAVEPOINT s; UNLISTEN jobs; ROLLBACK TO s; LISTEN \"Mixed Case\"")),
            "CCCCCCZ");
  EXPECT_FALSE(handler_->listening());
  EXPECT_EQ(Types(Query("COMMIT")), "CZ");
  EXPECT_TRUE(handler_->listening());
  EXPECT_EQ(Types(send("NOTIFY jobs, 'one'; NOTIFY elsewhere, 'no one listens'")), "CCZ");
  EXPECT_EQ(wakes, 2);  // each publish wakes the listeners, which read what is theirs
  std::string out;
  EXPECT_FALSE(handler_->AppendNotifications(&out));
  EXPECT_EQ(Payloads(out, "jobs"), std::vector<std::string>{"one"});
  EXPECT_EQ(Types(send("BEGIN; NOTIFY jobs, 'two'; NOTIFY jobs, 'two'; NOTIFY \"Mixed Case\", 'it''s'; "
                       "NOTIFY jobs")), "CCCCCZ");
  out.clear();
  EXPECT_FALSE(handler_->AppendNotifications(&out));
  EXPECT_EQ(out, "");  // not before the block commits
  EXPECT_EQ(Types(send("SAVEPOINT s; NOTIFY jobs, 'dropped'; ROLLBACK TO s; COMMIT")), "CCCCZ");
  EXPECT_EQ(Types(send("BEGIN; NOTIFY jobs, 'rolled back'; ROLLBACK")), "CCCZ");
  EXPECT_EQ(Types(send("BEGIN; NOTIFY jobs, 'failed'; count * *; COMMIT")), "CCEZ");
  EXPECT_EQ(Types(send("ROLLBACK")), "CZ");
  EXPECT_EQ(Types(Query("BEGIN")), "CZ");
  EXPECT_EQ(Types(send("NOTIFY jobs, 'three'")), "CZ");
  EXPECT_FALSE(handler_->AppendNotifications(&out));
  EXPECT_EQ(out, "");  // the listener is in a block: after it
  out = Query("COMMIT");
  EXPECT_EQ(Payloads(out, "jobs"), (std::vector<std::string>{"two", "", "three"})) << out;
  EXPECT_EQ(Payloads(out, "Mixed Case"), std::vector<std::string>{"it's"});
  EXPECT_EQ(Types(out), "CAAAAZ");
  // SELECT pg_notify: a row, the channel as written.
  EXPECT_EQ(Types(send("SELECT pg_notify('jobs', 'four'); SELECT pg_notify('Mixed Case', '')")), "TDCTDCZ");
  out.clear();
  EXPECT_FALSE(handler_->AppendNotifications(&out));
  EXPECT_EQ(Payloads(out, "jobs"), std::vector<std::string>{"four"});
  EXPECT_EQ(Payloads(out, "Mixed Case"), std::vector<std::string>{""});
  // Its own, as it answers; none after UNLISTEN; DISCARD ALL unlistens too.
  EXPECT_EQ(Payloads(Query("NOTIFY jobs, 'self'"), "jobs"), std::vector<std::string>{"self"});
  EXPECT_EQ(Types(Query("UNLISTEN jobs; NOTIFY jobs, 'unheard'; NOTIFY \"Mixed Case\"")), "CCCAZ");
  EXPECT_EQ(Types(Query("DISCARD ALL")), "CZ");
  EXPECT_FALSE(handler_->listening());
  EXPECT_EQ(queue.bytes(), 0u);  // no one listens: nothing is kept
  for (const std::string& refused :
       std::vector<std::string>{"NOTIFY hindsight_commits", "NOTIFY " + std::string(64, 'c'),
                                "NOTIFY c, '" + std::string(8000, 'p') + "'"}) {
    EXPECT_TRUE(absl::StrContains(Query(refused), "22023")) << refused.substr(0, 30);
  }
  EXPECT_TRUE(absl::StrContains(Query("SELECT pg_notify('', 'p')"), "22023"));
  for (const char* malformed : {"NOTIFY", "NOTIFY c 'p'", "NOTIFY c, p", "NOTIFY c, 'p' x", "NOTIFY c, 'p",
                                "SELECT pg_notify('c')", "SELECT pg_notify(c, 'p')", "SELECT pg_notify('c', $0)",
                                "SELECT pg_notify('c', 'p') x"}) {
    EXPECT_TRUE(absl::StrContains(Query(malformed), "42601")) << malformed;
  }
  // A parameter can hold a NUL byte, which no channel or payload may.
  FrontendMessage parse{};
  parse.type = 'P';
  parse.parse = {"n", "SELECT pg_notify($1, $2)", {}};
  EXPECT_EQ(Types(Send(parse)), "1");
  for (const auto& [channel, payload] : {std::pair{std::string("c"), std::string("a\0b", 3)},
                                         std::pair{std::string("c\0", 2), std::string("p")}}) {
    FrontendMessage bind{};
    bind.type = 'B';
    bind.bind.statement = "n";
    bind.bind.params = {channel, payload};
    FrontendMessage execute{};
    execute.type = 'E';
    FrontendMessage sync{};
    sync.type = 'S';
    std::string out = Send(bind);
    out += Send(execute);
    out += Send(sync);
    EXPECT_TRUE(absl::StrContains(out, "22021")) << absl::CHexEscape(out);
  }
}

// What a block keeps to NOTIFY and the channels a session listens to count
// against its memory, an identical notification once: past it, 54000 (the
// block failed, nothing of it sent), and the session goes on.
TEST_F(ProtocolHandlerTest, NotificationsAndChannelsCountAgainstTheSessionsMemory) {
  NotificationQueue queue(1 << 20, [] {});
  handler_->set_notifications(&queue, 1);
  handler_->set_max_session_bytes(4096);
  ASSERT_EQ(Types(Query("LISTEN c")), "CZ");
  std::string block = "BEGIN";
  for (int i = 0; i < 100; ++i) block += "; NOTIFY c, 'the same'";
  EXPECT_EQ(Types(Query(block)), std::string(101, 'C') + "Z");
  for (int i = 0; i < 100 && handler_->status() == 'T'; ++i) {
    (void)Query(absl::StrCat("NOTIFY c, 'payload ", i, "'"));
  }
  EXPECT_EQ(handler_->status(), 'E');
  EXPECT_EQ(Types(Query("COMMIT")), "CZ");
  std::string out;
  EXPECT_FALSE(handler_->AppendNotifications(&out));
  EXPECT_EQ(out, "");
  std::string listens = "LISTEN c0";
  for (int i = 1; i < 100; ++i) absl::StrAppend(&listens, "; LISTEN c", i);  // ~67 bytes each
  const std::string answer = Query(listens);
  EXPECT_TRUE(absl::StrContains(answer, "54000")) << answer;
  EXPECT_EQ(Types(Query("UNLISTEN *; NOTIFY c, 'after'")), "CCZ");
}

// A block whose notifications do not fit in the queue as it commits fails
// its COMMIT with 54000 and writes nothing, as PostgreSQL's; once the
// listener that holds the queue reads, the same block commits.
TEST_F(ProtocolHandlerTest, ACommitWhoseNotificationsDoNotFitFailsAndWritesNothing) {
  const Notification sample{1, "c", "x"};
  NotificationQueue queue(3 * NotificationQueue::BytesOf(sample), [] {});
  handler_->set_notifications(&queue, 1);
  ProtocolHandler listener(db_.get(), "tester", false, &cancel_);
  listener.set_notifications(&queue, 2);
  FrontendMessage listen{};
  listen.type = 'Q';
  listen.query = "LISTEN c";
  ASSERT_EQ(Types(Answer(&listener, listen)), "CZ");
  EXPECT_EQ(Types(Query("NOTIFY c, 'x'; NOTIFY c, 'y'")), "CCZ");  // the listener does not read
  const std::string block = "BEGIN; assert s p o = 1 from 2020; NOTIFY c, 'x'; NOTIFY c, 'z'; COMMIT";
  const std::string refused = Query(block);
  EXPECT_TRUE(absl::StrContains(refused, "54000")) << refused;
  EXPECT_EQ(handler_->status(), 'I');
  EXPECT_TRUE(absl::StrContains(Query("count s p o"), std::string("\x00\x00\x00\x01" "0", 5)));
  // The language's commit too; a block that fits commits.
  EXPECT_TRUE(absl::StrContains(Query("begin; assert s p o = 1 from 2020; NOTIFY c, 'x'; NOTIFY c, 'z'; commit"),
                                "54000"));
  EXPECT_EQ(Types(Query("BEGIN; NOTIFY c, 'w'; COMMIT")), "CCCZ");
  EXPECT_TRUE(absl::IsResourceExhausted(queue.Publish({sample})));
  std::string out;
  EXPECT_FALSE(listener.AppendNotifications(&out));
  EXPECT_EQ(Payloads(out, "c"), (std::vector<std::string>{"x", "y", "w"}));
  EXPECT_EQ(Types(Query(block)), "CCCCNCZ");
  EXPECT_TRUE(absl::StrContains(Query("count s p o"), std::string("\x00\x00\x00\x01" "1", 5)));
}

// The queue keeps a notification until every session that listened when
// it came has read it, up to its bound; one that does not read holds it.
TEST(NotificationQueueTest, KeepsWhatAListenerHasNotReadUpToItsBound) {
  int wakes = 0;
  NotificationQueue queue(3 * (64 + 2), [&wakes] { ++wakes; });
  const Notification a{7, "c", "a"};
  const Notification b{7, "c", "b"};
  EXPECT_TRUE(queue.Publish({a}).ok());  // no listener: dropped
  EXPECT_EQ(wakes, 0);
  queue.Join(1);
  queue.Join(2);
  EXPECT_TRUE(queue.Publish({a, b}).ok());
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(queue.Take(1, 1), std::vector<Notification>{a});
  EXPECT_EQ(queue.Take(1, 10), std::vector<Notification>{b});
  EXPECT_TRUE(queue.Take(1, 10).empty());
  EXPECT_TRUE(queue.Take(3, 10).empty());  // not joined
  EXPECT_TRUE(queue.Publish({a}).ok());
  EXPECT_TRUE(absl::IsResourceExhausted(queue.Publish({b})));  // 2 holds three
  EXPECT_EQ(queue.Take(2, 10), (std::vector<Notification>{a, b, a}));
  EXPECT_EQ(queue.Take(1, 10), std::vector<Notification>{a});
  EXPECT_EQ(queue.bytes(), 0u);
  EXPECT_TRUE(queue.Publish({b, b}).ok());
  queue.Join(3);  // reads from now on
  queue.Leave(2);
  EXPECT_TRUE(queue.Take(3, 10).empty());
  queue.Leave(1);
  EXPECT_EQ(queue.bytes(), 0u);
}

// On a cluster node the queue relays what its own sessions publish, even
// when no one listens here, and not what it delivers from other nodes; a
// publish the bound refuses is not relayed either.
TEST(NotificationQueueTest, RelaysWhatItsSessionsPublishAndNotWhatOtherNodesSent) {
  int wakes = 0;
  std::vector<std::vector<Notification>> relayed;
  NotificationQueue queue(2 * (64 + 2), [&wakes] { ++wakes; },
                          [&relayed](const std::vector<Notification>& notes) { relayed.push_back(notes); });
  const Notification mine{7, "c", "a"};
  const Notification theirs{9, "c", "b"};
  EXPECT_TRUE(queue.Publish({mine}).ok());
  EXPECT_EQ(relayed, std::vector<std::vector<Notification>>{{mine}});
  queue.Join(1);
  EXPECT_TRUE(queue.Deliver({theirs}).ok());
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(relayed.size(), 1u);
  EXPECT_TRUE(absl::IsResourceExhausted(queue.Publish({mine, mine})));  // would hold three
  EXPECT_TRUE(queue.Reserve({mine}).ok());  // the room left, held
  EXPECT_TRUE(absl::IsResourceExhausted(queue.Deliver({theirs})));
  EXPECT_TRUE(absl::IsResourceExhausted(queue.Reserve({mine})));
  queue.Release({mine});
  EXPECT_TRUE(queue.Reserve({mine}).ok());
  EXPECT_TRUE(absl::IsResourceExhausted(queue.Deliver({theirs, theirs})));
  EXPECT_EQ(relayed.size(), 1u);
  EXPECT_TRUE(queue.Publish({mine}, /*reserved=*/true).ok());
  EXPECT_EQ(relayed.size(), 2u);
  EXPECT_EQ(queue.Take(1, 10), (std::vector<Notification>{theirs, mine}));
}

// A batch from another node is told once this node has applied what the
// sender's had; after a wait in vain, the next are told at once.
TEST(RelayedDeliveryTest, WaitsForTheSendersTransactionsUntilAWaitRunsOut) {
  ScratchDir dir;
  std::unique_ptr<Database> db = Database::Open(dir.Sub("db")).value();
  const auto commit = [&db](int64_t n) {
    Transaction txn;
    txn.Assert({"s", "p", "o"}, Value::Int64(n), {0, 1});
    ASSERT_TRUE(db->Commit(txn).ok());
  };
  commit(1);
  NotificationQueue queue(1 << 20, [] {});
  queue.Join(1);
  std::atomic<bool> cancel{false};
  RelayedDelivery delivery(db.get(), &queue, absl::Seconds(30), &cancel);
  const Notification n{7, "c", "x"};
  ASSERT_TRUE(delivery.Receive({1, {n}}).ok());
  EXPECT_EQ(queue.Take(1, 10), std::vector<Notification>{n});

  std::thread committer([&commit] {
    absl::SleepFor(absl::Milliseconds(200));
    commit(2);
  });
  ASSERT_TRUE(delivery.Receive({2, {n}}).ok());
  EXPECT_EQ(db->LastTransaction().id, 2u);  // told after transaction 2, not before
  committer.join();
  EXPECT_EQ(queue.Take(1, 10), std::vector<Notification>{n});

  cancel = true;  // the wait for transaction 9 ends in vain
  ASSERT_TRUE(delivery.Receive({9, {n}}).ok());
  cancel = false;
  const absl::Time started = absl::Now();
  ASSERT_TRUE(delivery.Receive({10, {n}}).ok());
  EXPECT_LT(absl::Now() - started, absl::Seconds(15));  // told at once, not after the 30 s wait
  EXPECT_EQ(queue.Take(1, 10), (std::vector<Notification>{n, n}));
}

// A session's open transaction holds its operations in memory: a write that
// takes it past the limit fails with 54000 and fails the transaction, in a
// block or in a query string's implicit one; nothing of it is written, and
// the session goes on.
TEST_F(ProtocolHandlerTest, ATransactionPastItsMemoryFailsWholeAndTheSessionGoesOn) {
  handler_->set_max_session_bytes(4096);
  const auto writes = [](const char* subject, int n) {
    std::string text;
    for (int i = 0; i < n; ++i) absl::StrAppend(&text, "assert ", subject, " p O", i, " = \"some value\" from 2020;");
    return text;
  };
  const std::string zero_rows = std::string("\x00\x00\x00\x01" "0", 5);
  EXPECT_EQ(Types(Query("BEGIN")), "CZ");
  std::string error;
  for (int i = 0; i < 1000 && error.empty(); ++i) {
    const std::string out = Query(absl::StrCat("assert A p O", i, " = \"some value\" from 2020"));
    if (Types(out) != "CZ") error = out;
  }
  EXPECT_EQ(Types(error), "EZ");
  EXPECT_TRUE(absl::StrContains(error, "54000")) << error;
  EXPECT_TRUE(absl::StrContains(error, "4096 bytes")) << error;
  EXPECT_EQ(handler_->status(), 'E');
  EXPECT_TRUE(absl::StrContains(Query("assert A p Z = 1"), "25P02"));
  EXPECT_EQ(Types(Query("ROLLBACK")), "CZ");
  EXPECT_TRUE(absl::StrContains(Query("count * * *"), zero_rows));

  const std::string implicit = Query(writes("B", 200));
  EXPECT_TRUE(absl::StrContains(implicit, "54000")) << implicit;
  EXPECT_EQ(handler_->status(), 'I');
  EXPECT_TRUE(absl::StrContains(Query("count * * *"), zero_rows));

  // Below the limit, a block and a query string commit as before.
  EXPECT_EQ(Types(Query(writes("C", 10))), std::string(10, 'C') + "NZ");  // N: the commit's notice
  EXPECT_TRUE(absl::StrContains(Query("count * * *"), std::string("\x00\x00\x00\x02" "10", 6)));
}

// A statement with parameters keeps its tokens, and they count: one of
// many tokens takes more of the session's memory than one of few as long.
TEST_F(ProtocolHandlerTest, PreparedStatementsCountTheTokensTheyKeep) {
  handler_->set_max_session_bytes(64 << 10);
  const auto how_many_fit = [&](const std::string& text) {
    FrontendMessage parse{};
    parse.type = 'P';
    int kept = 0;
    for (; kept < 1000; ++kept) {
      parse.parse = {absl::StrCat("s", kept), text, {}};
      if (Types(Send(parse)) != "1") break;
    }
    FrontendMessage sync{};
    sync.type = 'S';
    Send(sync);
    EXPECT_EQ(Types(Query("DEALLOCATE ALL")), "CZ");
    return kept;
  };
  const std::string many = "A * * during [$1, $2) as of tx $3 limit 5";
  const int few = how_many_fit("A * * at $1" + std::string(many.size() - 11, ' '));
  EXPECT_GT(few, 20);
  EXPECT_LT(how_many_fit(many), few * 3 / 4);
}

// Prepared statements count too: a Parse past the session's memory fails
// with 54000 and keeps nothing; closing statements makes room again.
TEST_F(ProtocolHandlerTest, PreparedStatementsPastTheSessionsMemoryAreRefused) {
  handler_->set_max_session_bytes(64 << 10);
  FrontendMessage parse{};
  parse.type = 'P';
  FrontendMessage sync{};
  sync.type = 'S';
  const std::string text = "A * * at 2020 limit 5" + std::string(2000, ' ');
  int kept = 0;
  std::string refused;
  for (; kept < 1000; ++kept) {
    parse.parse = {absl::StrCat("s", kept), text, {}};
    const std::string out = Send(parse);
    if (Types(out) != "1") {
      refused = out;
      break;
    }
  }
  EXPECT_TRUE(absl::StrContains(refused, "54000")) << refused;
  EXPECT_TRUE(absl::StrContains(refused, "prepared statements")) << refused;
  EXPECT_GT(kept, 5);
  EXPECT_EQ(Types(Send(sync)), "Z");
  FrontendMessage bind{};
  bind.type = 'B';
  bind.bind.statement = absl::StrCat("s", kept);  // the refused one was not kept
  EXPECT_TRUE(absl::StrContains(Send(bind), "26000"));
  EXPECT_EQ(Types(Send(sync)), "Z");
  FrontendMessage close{};
  close.type = 'C';
  for (int i = 1; i <= 3; ++i) {
    close.close = {'S', absl::StrCat("s", i)};
    EXPECT_EQ(Types(Send(close)), "3");
  }
  bind.bind.statement = "s0";  // room again, for a portal
  EXPECT_EQ(Types(Send(bind)), "2");
  EXPECT_EQ(Types(Send(sync)), "Z");
  EXPECT_EQ(Types(Send(parse)), "1");  // and for a statement
  EXPECT_EQ(Types(Query("DEALLOCATE ALL")), "CZ");
  for (int i = 0; i < kept; ++i) {
    parse.parse = {absl::StrCat("t", i), text, {}};
    ASSERT_EQ(Types(Send(parse)), "1") << i;  // as many fit as before
  }
}

// A portal lives until its transaction ends, as in PostgreSQL: the Sync
// after it outside a block, or the block's COMMIT or ROLLBACK, even one a
// portal runs. Cursors WITH HOLD outlive it.
TEST_F(ProtocolHandlerTest, PortalsEndWithTheirTransaction) {
  FrontendMessage parse{};
  parse.type = 'P';
  FrontendMessage bind{};
  bind.type = 'B';
  FrontendMessage execute{};
  execute.type = 'E';
  FrontendMessage sync{};
  sync.type = 'S';
  // Parses `text` as the unnamed statement and binds it to `portal`.
  const auto bound = [&](const char* text, const char* portal) {
    parse.parse = {"", text, {}};
    bind.bind.portal = portal;
    const std::string parsed = Types(Send(parse));  // before the Bind
    return parsed + Types(Send(bind));
  };
  const auto executed = [&](const char* portal) {
    execute.execute = {portal, 0};
    return Send(execute);
  };
  ASSERT_EQ(bound("count * * *", "p"), "12");
  EXPECT_EQ(Types(executed("p")), "DC");
  EXPECT_EQ(Types(Send(sync)), "Z");
  EXPECT_TRUE(absl::StrContains(executed("p"), "34000"));
  EXPECT_EQ(Types(Send(sync)), "Z");

  EXPECT_EQ(Types(Query("BEGIN; DECLARE held CURSOR WITH HOLD FOR Syria * *")), "CCZ");
  ASSERT_EQ(bound("count * * *", "p"), "12");
  EXPECT_EQ(Types(Send(sync)), "Z");
  EXPECT_EQ(Types(executed("p")), "DC");  // the block goes on past Sync
  EXPECT_EQ(Types(Query("COMMIT")), "CZ");
  EXPECT_TRUE(absl::StrContains(executed("p"), "34000"));
  EXPECT_EQ(Types(Send(sync)), "Z");
  EXPECT_EQ(Types(Query("FETCH ALL FROM held")), "TCZ");

  // COMMIT and ROLLBACK run by a portal end the others at once, and it
  // once its Execute is answered.
  for (const char* end : {"COMMIT", "ROLLBACK"}) {
    EXPECT_EQ(Types(Query("BEGIN")), "CZ");
    ASSERT_EQ(bound("count * * *", "p"), "12");
    ASSERT_EQ(bound(end, "end"), "12");
    EXPECT_EQ(Types(executed("end")), "C") << end;
    EXPECT_TRUE(absl::StrContains(executed("p"), "34000")) << end;
    EXPECT_EQ(Types(Send(sync)), "Z");
    EXPECT_TRUE(absl::StrContains(executed("end"), "34000")) << end;
    EXPECT_EQ(Types(Send(sync)), "Z");
  }
  EXPECT_EQ(Types(Query("FETCH ALL FROM held")), "TCZ");
}

// A block's portals count in the session's memory, with their parameters.
TEST_F(ProtocolHandlerTest, PortalsPastTheSessionsMemoryAreRefused) {
  handler_->set_max_session_bytes(64 << 10);
  FrontendMessage parse{};
  parse.type = 'P';
  parse.parse = {"s", "A * $1", {}};
  EXPECT_EQ(Types(Send(parse)), "1");
  FrontendMessage bind{};
  bind.type = 'B';
  bind.bind.statement = "s";
  bind.bind.params = {std::string(2000, 'x')};
  FrontendMessage sync{};
  sync.type = 'S';
  const auto fill = [&] {
    int kept = 0;
    for (; kept < 1000; ++kept) {
      bind.bind.portal = absl::StrCat("p", kept);
      const std::string out = Send(bind);
      if (Types(out) != "2") {
        EXPECT_TRUE(absl::StrContains(out, "54000")) << out;
        EXPECT_TRUE(absl::StrContains(out, absl::StrCat(kept, " portals"))) << out;
        break;
      }
    }
    EXPECT_EQ(Types(Send(sync)), "Z");
    return kept;
  };
  EXPECT_EQ(Types(Query("BEGIN")), "CZ");
  const int kept = fill();
  EXPECT_GT(kept, 5);
  EXPECT_LT(kept, 40);
  EXPECT_EQ(handler_->status(), 'E');  // the Bind past the limit failed the block
  EXPECT_EQ(Types(Query("ROLLBACK")), "CZ");
  EXPECT_EQ(Types(Query("BEGIN")), "CZ");
  EXPECT_EQ(fill(), kept);  // the rolled back block's portals left room
  EXPECT_EQ(Types(Query("ROLLBACK")), "CZ");
}

// The rows a cursor or a paged portal keeps count in the session's memory.
TEST_F(ProtocolHandlerTest, RowsKeptForLaterCountInTheSessionsMemory) {
  std::string writes;
  for (int i = 0; i < 300; ++i) absl::StrAppend(&writes, "assert A p B", i, " = \"a value of some length\" from 2020;");
  ASSERT_FALSE(absl::StrContains(Query(writes), "ERROR"));
  handler_->set_max_session_bytes(256 << 10);
  EXPECT_EQ(Types(Query("BEGIN")), "CZ");
  int declared = 0;
  std::string out;
  for (; declared < 100; ++declared) {
    out = Query(absl::StrCat("DECLARE c", declared, " CURSOR FOR A * *"));
    if (Types(out) != "CZ") break;
  }
  EXPECT_TRUE(absl::StrContains(out, "54000")) << out;
  EXPECT_GT(declared, 2);
  EXPECT_LT(declared, 100);
  EXPECT_EQ(handler_->status(), 'E');
  EXPECT_EQ(Types(Query("ROLLBACK")), "CZ");

  FrontendMessage parse{};
  parse.type = 'P';
  parse.parse = {"", "A * *", {}};
  FrontendMessage bind{};
  bind.type = 'B';
  FrontendMessage execute{};
  execute.type = 'E';
  execute.execute = {"", 10};
  FrontendMessage sync{};
  sync.type = 'S';
  const auto first_page = [&] {
    Send(parse);
    Send(bind);
    const std::string page = Send(execute);
    Send(sync);
    return page;
  };
  EXPECT_EQ(Types(first_page()), "DDDDDDDDDDs");
  handler_->set_max_session_bytes(8 << 10);
  EXPECT_TRUE(absl::StrContains(first_page(), "54000"));
}

// Prepared statements, portals and cursors made and dropped in random
// orders, in and out of blocks, leave nothing counted in the session's
// memory once all are closed: as many portals fit in a block afterwards as
// before.
TEST_F(ProtocolHandlerTest, RandomMessageSequencesLeaveNothingCounted) {
  std::string writes;
  for (int i = 0; i < 20; ++i) absl::StrAppend(&writes, "assert A p B", i, " = ", i, " from 2020;");
  ASSERT_FALSE(absl::StrContains(Query(writes), "ERROR"));
  handler_->set_max_session_bytes(128 << 10);
  const auto send = [&](char type, const auto& fill) {
    FrontendMessage m{};
    m.type = type;
    fill(m);
    return Send(m);
  };
  const auto sync = [&] { return send('S', [](FrontendMessage&) {}); };
  // How many portals a block holds: each a few hundred bytes, so that a
  // portal's bytes left counted show.
  const auto portals_that_fit = [&] {
    EXPECT_EQ(Types(Query("BEGIN")), "CZ");
    send('P', [](FrontendMessage& m) { m.parse = {"fill", "A * $1", {}}; });
    int kept = 0;
    while (kept < 10000 && Types(send('B', [&](FrontendMessage& m) {
                             m.bind.statement = "fill";
                             m.bind.portal = absl::StrCat("fill", kept);
                             m.bind.params = {"x"};
                           })) == "2") {
      ++kept;
    }
    sync();
    Query("ROLLBACK");
    send('C', [](FrontendMessage& m) { m.close = {'S', "fill"}; });
    sync();
    return kept;
  };
  const int before = portals_that_fit();
  ASSERT_GT(before, 100);

  static const char* const kTexts[] = {
      "A * *", "count * * *", "A * $1", "BEGIN", "COMMIT", "ROLLBACK", "DECLARE c CURSOR FOR A * *",
      "DECLARE h CURSOR WITH HOLD FOR A * *", "FETCH 1 FROM c", "CLOSE ALL", "assert A q B = 1 from 2021",
      "DEALLOCATE ALL"};
  static const char* const kNames[] = {"", "s0", "s1"};
  static const char* const kPortals[] = {"", "p0", "p1", "c", "h"};
  // The messages of a step, by weight ('Q': a simple query).
  static const char kMessages[] = {'P', 'P', 'B', 'B', 'B', 'E', 'E', 'E', 'S', 'C', 'D', 'Q', 'Q'};
  const uint32_t sequences = testing::RandomSequences(200);
  for (uint32_t n = 1; n <= sequences; ++n) {
    std::mt19937 rng(testing::RandomSeed(n));
    const auto pick = [&](const auto& list) { return list[rng() % std::size(list)]; };
    std::map<std::string, std::string> parsed;  // each statement's text, as last parsed (mostly right)
    // As a driver does, a Sync after each error of the extended protocol.
    const auto sync_after_error = [&](const std::string& answer) {
      if (absl::StrContains(Types(answer), "E")) sync();
      return answer;
    };
    for (int step = 0; step < 100; ++step) {
      switch (pick(kMessages)) {
        case 'P': {
          const char* name = pick(kNames);
          const char* text = pick(kTexts);
          const std::string answer = send('P', [&](FrontendMessage& m) { m.parse = {name, text, {}}; });
          if (Types(sync_after_error(answer)) == "1") parsed[name] = text;
          break;
        }
        case 'B':
          sync_after_error(send('B', [&](FrontendMessage& m) {
            m.bind.statement = pick(kNames);
            m.bind.portal = pick(kPortals);
            if (absl::StrContains(parsed[m.bind.statement], "$1")) m.bind.params = {std::string(rng() % 3000, 'y')};
          }));
          break;
        case 'E':
          sync_after_error(
              send('E', [&](FrontendMessage& m) { m.execute = {pick(kPortals), static_cast<int32_t>(rng() % 3)}; }));
          break;
        case 'S':
          sync();
          break;
        case 'C':
          send('C', [&](FrontendMessage& m) {
            m.close = rng() % 2 ? Close{'S', pick(kNames)} : Close{'P', pick(kPortals)};
          });
          break;
        case 'D':
          sync_after_error(send('D', [&](FrontendMessage& m) {
            m.describe = rng() % 2 ? Describe{'S', pick(kNames)} : Describe{'P', pick(kPortals)};
          }));
          break;
        default:
          Query(pick(kTexts));
      }
    }
    // Everything closed: the block, the cursors, the statements, the portals.
    sync();
    Query("ROLLBACK");
    Query("CLOSE ALL");
    for (const char* name : kNames) send('C', [&](FrontendMessage& m) { m.close = {'S', name}; });
    for (const char* name : kPortals) send('C', [&](FrontendMessage& m) { m.close = {'P', name}; });
    sync();
    ASSERT_EQ(portals_that_fit(), before) << "sequence " << n;
  }
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

// Reads hand their rows to the server as they are found, encoded at once,
// and history, changes and timelines as cells; answers gathered whole give
// the same messages, over several chunks too.
TEST_F(ProtocolHandlerTest, ReadRowsEncodedAsFoundEqualTheirCells) {
  // 30 transactions of 100 writes (a query string's writes are one).
  for (int t = 0; t < 30; ++t) {
    std::string writes;
    for (int i = t * 100; i < (t + 1) * 100; ++i) {
      absl::StrAppend(&writes, "assert S", i % 40, " p", i % 3, " O", i % 2000, " = ",
                      i % 7 == 0 ? "\"t\"" : std::to_string(i), " from ", 1990 + i % 30,
                      i % 5 == 0 ? absl::StrCat(" to ", 2021 + i % 4) : "", ";");
    }
    Query(writes);
  }
  internal::Session session(db_.get());
  for (const char* text : {"* * *", "* * * at 2000", "S1 * *", "* p1 * limit 10", "* * * during [2019, 2022) limit 500",
                           "* p2 * overlaps [2010, 2011)", "Nobody * *", "count * * *", "* * * as of tx 1",
                           "timeline * p1 * limit 1", "timeline history S1 * *", "since S2 * *",
                           "changes * * * between tx 25 and tx 3"}) {
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

// A statement without parameters is parsed once, when prepared, and its
// columns described once per format: every Execute still reads the
// database as it is then, in the formats its Bind asks for.
TEST_F(ProtocolHandlerTest, APreparedStatementReadsTheDatabaseAsItIsAtEachExecute) {
  FrontendMessage parse{};
  parse.type = 'P';
  parse.parse = {"s", "A * *", {}};
  EXPECT_EQ(Types(Send(parse)), "1");
  FrontendMessage bind{};
  bind.type = 'B';
  bind.bind.statement = "s";
  FrontendMessage describe{};
  describe.type = 'D';
  describe.describe = {'P', ""};
  FrontendMessage execute{};
  execute.type = 'E';
  FrontendMessage sync{};
  sync.type = 'S';
  const auto run = [&](std::vector<int16_t> formats) {
    bind.bind.result_formats = std::move(formats);
    std::string out = Send(bind);
    out += Send(describe);
    out += Send(execute);
    return out + Send(sync);
  };
  EXPECT_EQ(Types(run({})), "2TNCZ");  // no row yet, and a notice: A is no name
  Query("assert A p B = 1 from 2020");
  const std::string text = run({0});
  EXPECT_EQ(Types(text), "2TDCZ");
  EXPECT_NE(text.find("2020-01-01 00:00:00+00"), std::string::npos);
  Query("assert A p C = 2 from 2021");
  const std::string binary = run({1});
  EXPECT_EQ(Types(binary), "2TDDCZ");
  EXPECT_EQ(binary.find("2020-01-01"), std::string::npos);  // times as 8-byte integers
  EXPECT_EQ(Types(run({0, 1, 0, 1, 0, 1})), "2TDDCZ");
  EXPECT_EQ(Types(run({0, 1})), "EZ");  // neither one format nor one per column
}

// A select list's columns go out in the types PostgreSQL gives them, in
// text and in binary, through the simple and the extended protocols.
TEST_F(ProtocolHandlerTest, SelectListsAreTypedAsInPostgres) {
  // RowDescription: each column's name, then its table (0), attribute (0),
  // type oid, size, modifier (-1) and format.
  const auto field = [](const std::string& name, uint32_t oid, int16_t size, int16_t format) {
    std::string f = name + std::string(1, '\0') + std::string(6, '\0');
    for (int shift = 24; shift >= 0; shift -= 8) f.push_back(static_cast<char>(oid >> shift & 0xFF));
    f.push_back(static_cast<char>(size >> 8 & 0xFF));
    f.push_back(static_cast<char>(size & 0xFF));
    f += std::string(4, '\xFF');
    f.push_back('\0');
    f.push_back(static_cast<char>(format));
    return f;
  };
  const std::string statement =
      "SELECT 1 AS one, 7::int2, 2.5::float8, -12345.678::numeric, '2024-02-29'::date, NULL::int AS none, "
      "pg_advisory_unlock_all()";
  std::string out = Query(statement);
  EXPECT_EQ(Types(out), "TDCZ");
  EXPECT_TRUE(absl::StrContains(out, field("one", 23, 4, 0) + field("int2", 21, 2, 0))) << out;
  EXPECT_TRUE(absl::StrContains(out, field("float8", 701, 8, 0) + field("?column?", 1700, -1, 0))) << out;
  EXPECT_TRUE(absl::StrContains(out, field("date", 1082, 4, 0) + field("none", 23, 4, 0))) << out;
  EXPECT_TRUE(absl::StrContains(out, field("pg_advisory_unlock_all", 2278, 4, 0))) << out;
  // The row: seven fields, each its length and bytes; -1 for NULL.
  EXPECT_TRUE(absl::StrContains(out, std::string("\0\x07\0\0\0\x01" "1\0\0\0\x01" "7\0\0\0\x03" "2.5\0\0\0\x0A-12345.678"
                                                 "\0\0\0\x0A" "2024-02-29\xFF\xFF\xFF\xFF\0\0\0\0",
                                                 52)))
      << out;

  FrontendMessage parse{};
  parse.type = 'P';
  parse.parse = {"", statement, {}};
  FrontendMessage bind{};
  bind.type = 'B';
  bind.bind.result_formats = {1};
  FrontendMessage describe{};
  describe.type = 'D';
  describe.describe = {'P', ""};
  FrontendMessage execute{};
  execute.type = 'E';
  FrontendMessage sync{};
  sync.type = 'S';
  out = Send(parse);
  out += Send(bind);
  out += Send(describe);
  out += Send(execute);
  out += Send(sync);
  EXPECT_EQ(Types(out), "12TDCZ");
  EXPECT_TRUE(absl::StrContains(out, field("one", 23, 4, 1) + field("int2", 21, 2, 1))) << out;
  // In binary: int4 1, int2 7, float8 -2.5, numeric -12345.678 as base-10000
  // digits 1 2345 6780 (weight 1, negative, 3 decimal places), date as days
  // since 2000-01-01 (8825), NULL, void as no bytes.
  EXPECT_TRUE(absl::StrContains(out, std::string("\0\x07"
                                                 "\0\0\0\x04\0\0\0\x01"
                                                 "\0\0\0\x02\0\x07"
                                                 "\0\0\0\x08\x40\x04\0\0\0\0\0\0"
                                                 "\0\0\0\x0E\0\x03\0\x01\x40\0\0\x03\0\x01\x09\x29\x1A\x7C"
                                                 "\0\0\0\x04\0\0\x22\x79"
                                                 "\xFF\xFF\xFF\xFF"
                                                 "\0\0\0\0",
                                                 62)))
      << out;
  // An error of what is written points at it; one found running it does not.
  out = Query("SELECT 1, 'x'::int");
  EXPECT_TRUE(absl::StrContains(out, std::string("C22P02\0", 7))) << out;
  EXPECT_TRUE(absl::StrContains(out, std::string("P11\0", 4))) << out;
  out = Query("SELECT 1e10::int");
  EXPECT_TRUE(absl::StrContains(out, std::string("C22003\0", 7))) << out;
  EXPECT_FALSE(absl::StrContains(out, std::string("\0P", 2))) << out;
}

// A prepared statement that says `now` reads the clock at each Execute,
// not once when it was prepared.
TEST_F(ProtocolHandlerTest, APreparedStatementReadsNowAtEachExecute) {
  const Instant soon = absl::ToUnixMicros(absl::Now() + absl::Milliseconds(100));
  Query(absl::StrCat("assert A p B = 1 from ", FormatInstant(soon)));
  FrontendMessage parse{};
  parse.type = 'P';
  parse.parse = {"s", "A * * at now", {}};
  EXPECT_EQ(Types(Send(parse)), "1");
  const auto run = [&] {
    std::string out;
    for (const char type : {'B', 'E', 'S'}) {
      FrontendMessage m{};
      m.type = type;
      m.bind.statement = "s";
      out += Send(m);
    }
    return Types(out);
  };
  EXPECT_EQ(run(), "2CZ");  // not yet
  absl::SleepFor(absl::FromUnixMicros(soon) - absl::Now() + absl::Milliseconds(10));
  EXPECT_EQ(run(), "2DCZ");
  EXPECT_EQ(Types(Extended("A * * during [2020, now)")), "12DCZ");
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
  // Where a time stands, an untyped or text parameter reads PostgreSQL's
  // form too (JDBC sends its timestamps untyped); a time that is not one
  // is a bad time literal.
  for (const uint32_t type : {0u, kTextOid}) {
    parse.parse = {"", "A p B at $1", {type}};
    EXPECT_EQ(Types(Send(parse)), "1");
    bind.bind.statement = "";
    bind.bind.params = {std::string("2020-06-01 02:00:00+02")};
    EXPECT_EQ(Types(Send(bind)), "2");
    EXPECT_EQ(Types(Send(execute)), "DC");
    EXPECT_EQ(Types(Send(sync)), "Z");
    bind.bind.params = {std::string("2020-06-01 25:00:00+02")};
    EXPECT_EQ(Types(Send(bind)), "2");
    const std::string out = Send(execute);
    EXPECT_EQ(Types(out), "E");
    EXPECT_TRUE(absl::StrContains(out, "22007")) << out;
    EXPECT_EQ(Types(Send(sync)), "Z");
  }
}

// The type OIDs of the ParameterDescription ('t') in `out`.
std::vector<uint32_t> DescribedParameterTypes(const std::string& out) {
  const auto u = [&](size_t at, int bytes) {
    uint32_t v = 0;
    for (int i = 0; i < bytes; ++i) v = v << 8 | static_cast<unsigned char>(out[at + i]);
    return v;
  };
  std::vector<uint32_t> types;
  const size_t t = out.find('t');
  if (t == std::string::npos) return types;
  for (uint32_t i = 0, n = u(t + 5, 2); i < n; ++i) types.push_back(u(t + 7 + 4 * i, 4));
  return types;
}

// As PostgreSQL infers a parameter's type from where it stands, one the
// client left unspecified is described as a timestamptz where a time
// stands and json where a value stands, and read in binary as those: Go's
// pgx sends each parameter as the type described.
TEST_F(ProtocolHandlerTest, UndeclaredParametersAreTypedByWhereTheyStand) {
  FrontendMessage parse{};
  parse.type = 'P';
  parse.parse = {"w", "assert $1 p B = $2 from $3", {}};
  EXPECT_EQ(Types(Send(parse)), "1");
  FrontendMessage describe{};
  describe.type = 'D';
  describe.describe = {'S', "w"};
  EXPECT_EQ(DescribedParameterTypes(Send(describe)), (std::vector<uint32_t>{kTextOid, kJsonOid, kTimestamptzOid}));
  FrontendMessage bind{};
  bind.type = 'B';
  bind.bind.statement = "w";
  bind.bind.param_formats = {0, 1, 1};
  // 2020-01-01, as microseconds since 2000-01-01, big-endian.
  const int64_t micros = int64_t{7305} * 86400 * 1000000;
  std::string binary_time(8, '\0');
  for (int i = 0; i < 8; ++i) binary_time[i] = static_cast<char>(static_cast<uint64_t>(micros) >> (56 - 8 * i));
  bind.bind.params = {std::string("A"), std::string("4.5"), binary_time};
  EXPECT_EQ(Types(Send(bind)), "2");
  FrontendMessage execute{};
  execute.type = 'E';
  execute.execute = {"", 0};
  EXPECT_EQ(Types(Send(execute)), "C");
  FrontendMessage sync{};
  sync.type = 'S';
  EXPECT_EQ(Types(Send(sync)), "NZ");  // committed, with its notice
  const std::string read = Query("A p B");
  EXPECT_TRUE(absl::StrContains(read, "4.5")) << read;
  EXPECT_TRUE(absl::StrContains(read, "2020-01-01 00:00:00+00")) << read;
  // Types the client declares stay its own; a name's parameter is text.
  parse.parse = {"r", "$1 p * at $2 as of $3", {kVarcharOid}};
  EXPECT_EQ(Types(Send(parse)), "1");
  describe.describe = {'S', "r"};
  EXPECT_EQ(DescribedParameterTypes(Send(describe)), (std::vector<uint32_t>{kVarcharOid, kTimestamptzOid, kTimestamptzOid}));
  // Transaction ids and limits are integers.
  parse.parse = {"n", "* * * as of tx $1 limit $2", {}};
  EXPECT_EQ(Types(Send(parse)), "1");
  describe.describe = {'S', "n"};
  EXPECT_EQ(DescribedParameterTypes(Send(describe)), (std::vector<uint32_t>{kInt8Oid, kInt8Oid}));
}

// Outside a block, the writes Execute runs before a Sync are one
// transaction, committed at the Sync or not at all, as PostgreSQL's
// implicit transaction of the extended protocol (a pipeline, a JDBC batch).
TEST_F(ProtocolHandlerTest, WritesBeforeASyncCommitTogetherOrNotAtAll) {
  FrontendMessage parse{};
  parse.type = 'P';
  parse.parse = {"w", "assert $1 p B = 1 from 2020", {}};
  EXPECT_EQ(Types(Send(parse)), "1");
  FrontendMessage bind{};
  bind.type = 'B';
  bind.bind.statement = "w";
  FrontendMessage execute{};
  execute.type = 'E';
  execute.execute = {"", 0};
  FrontendMessage sync{};
  sync.type = 'S';
  const auto write = [&](const std::string& subject) {
    bind.bind.statement = "w";
    bind.bind.params = {subject};
    const std::string bound = Types(Send(bind));
    return bound + Types(Send(execute));
  };
  EXPECT_EQ(write("A1"), "2C");
  EXPECT_EQ(write("A2"), "2C");
  EXPECT_EQ(db_->LastTransaction().id, 0u);  // nothing before the Sync
  EXPECT_EQ(Types(Send(sync)), "NZ");        // the commit's notice, then ready
  EXPECT_EQ(handler_->status(), 'I');
  EXPECT_EQ(db_->LastTransaction().id, 1u);
  EXPECT_EQ(db_->LastTransaction().operation_count, 2u);
  // An error before the Sync: none of the writes before it.
  EXPECT_EQ(write("A3"), "2C");
  bind.bind.params = {};
  EXPECT_EQ(Types(Send(bind)), "E");
  EXPECT_EQ(write("A4"), "");  // skipped until Sync
  EXPECT_EQ(Types(Send(sync)), "Z");
  EXPECT_EQ(handler_->status(), 'I');
  EXPECT_EQ(db_->LastTransaction().id, 1u);
  // BEGIN makes the writes before it part of the block it opens.
  EXPECT_EQ(write("A5"), "2C");
  parse.parse = {"", "BEGIN", {}};
  EXPECT_EQ(Types(Send(parse)), "1");
  bind.bind.statement = "";
  bind.bind.params = {};
  EXPECT_EQ(Types(Send(bind)), "2");
  EXPECT_EQ(Types(Send(execute)), "C");
  EXPECT_EQ(Types(Send(sync)), "Z");
  EXPECT_EQ(handler_->status(), 'T');
  EXPECT_EQ(write("A6"), "2C");
  EXPECT_EQ(Types(Query("COMMIT")), "NCZ");
  EXPECT_EQ(db_->LastTransaction().id, 2u);
  EXPECT_EQ(db_->LastTransaction().operation_count, 2u);
  // So do a query string's, as PostgreSQL's implicit transaction of a
  // query string of several statements: at its end, or after an error not
  // at all.
  EXPECT_EQ(Types(Query("assert A7 p B = 1; assert A8 p B = 1")), "CCNZ");
  EXPECT_EQ(db_->LastTransaction().id, 3u);
  EXPECT_EQ(db_->LastTransaction().operation_count, 2u);
  EXPECT_EQ(Types(Query("assert A9 p B = 1; A p * at 2025-13-01; assert A10 p B = 1")), "CEZ");
  EXPECT_EQ(handler_->status(), 'I');
  EXPECT_EQ(db_->LastTransaction().id, 3u);
  // COMMIT ends it; the writes after it are the next one.
  EXPECT_EQ(Types(Query("assert A11 p B = 1; COMMIT; assert A12 p B = 1")), "CNCCNZ");
  EXPECT_EQ(db_->LastTransaction().id, 5u);
}

// In a transaction block, an error of Parse or Bind fails the block as an
// Execute's does (JDBC goes on to its next statement and must get 25P02).
TEST_F(ProtocolHandlerTest, AParseOrBindErrorInABlockFailsIt) {
  FrontendMessage parse{};
  parse.type = 'P';
  FrontendMessage bind{};
  bind.type = 'B';
  FrontendMessage sync{};
  sync.type = 'S';
  for (const bool at_parse : {true, false}) {
    SCOPED_TRACE(at_parse ? "Parse" : "Bind");
    EXPECT_EQ(Types(Query("BEGIN")), "CZ");
    EXPECT_EQ(Types(Query("assert A p B = 1")), "CZ");
    parse.parse = {"", at_parse ? "A p * at 2025-13-01" : "A p * at $1", {}};
    bind.bind.params = {};  // one too few for "at $1"
    EXPECT_EQ(Types(Send(parse)), at_parse ? "E" : "1");
    if (!at_parse) EXPECT_EQ(Types(Send(bind)), "E");
    EXPECT_EQ(Types(Send(sync)), "Z");
    EXPECT_EQ(handler_->status(), 'E');
    EXPECT_TRUE(absl::StrContains(Query("count * * *"), "25P02"));
    EXPECT_TRUE(absl::StrContains(Query("COMMIT"), "ROLLBACK"));
    EXPECT_TRUE(absl::StrContains(Query("count * * *"), std::string("\x00\x00\x00\x01" "0", 5)));
  }
}

// DECLARE keeps the rows of a read as they were; FETCH and MOVE walk them
// as PostgreSQL's cursors do (the walk itself: cursor_test).
TEST_F(ProtocolHandlerTest, CursorsHoldTheRowsOfAReadFromWhenDeclared) {
  std::string writes;
  for (int i = 0; i < 30; ++i) absl::StrAppend(&writes, "assert S", i % 4, " p O", i, " = ", i, ";");
  Query(writes);
  const std::string all = DataRows(Query("* * *"));
  EXPECT_EQ(Types(Query("BEGIN; DECLARE c CURSOR FOR * * *")), "CCZ");
  ProtocolHandler other(db_.get(), "other", false, &cancel_);
  FrontendMessage write{};
  write.type = 'Q';
  write.query = "assert S9 p O = 1";  // after the cursor was declared: not in it
  std::string written;
  other.Handle(write, &written);
  EXPECT_EQ(Types(written), "NCZ");
  std::string first = Query("FETCH FORWARD 10 FROM c");
  EXPECT_TRUE(absl::StrContains(first, "FETCH 10")) << first;
  std::string rest = Query("fetch all in \"c\"");
  EXPECT_TRUE(absl::StrContains(rest, "FETCH 20")) << rest;
  EXPECT_EQ(DataRows(first) + DataRows(rest), all);
  EXPECT_EQ(Types(Query("FETCH c")), "TCZ");  // past the end: no rows, still described
  EXPECT_TRUE(absl::StrContains(Query("MOVE ABSOLUTE 0 IN c"), "MOVE 0"));
  const std::string three = DataRows(Query("FETCH 3 c"));
  EXPECT_EQ(three, all.substr(0, three.size()));
  const std::string back = DataRows(Query("FETCH BACKWARD 2 FROM c"));  // rows 2 and 1
  const std::string row1 = DataRows(Query("FETCH RELATIVE 0 FROM c"));
  const std::string row2 = DataRows(Query("FETCH NEXT FROM c"));
  EXPECT_EQ(row1 + row2, three.substr(0, row1.size() + row2.size()));
  EXPECT_EQ(back, row2 + row1);
  EXPECT_EQ(Types(Query("CLOSE c")), "CZ");
  EXPECT_TRUE(absl::StrContains(Query("FETCH c"), "34000"));
  EXPECT_EQ(handler_->status(), 'E');
  Query("ROLLBACK");
}

TEST_F(ProtocolHandlerTest, CursorsEndWithTheirTransactionUnlessHeld) {
  Query("assert A p B = 1; assert A p C = 2");
  std::string out = Query("DECLARE a CURSOR FOR * * *");
  EXPECT_TRUE(absl::StrContains(out, "25P01")) << out;
  EXPECT_EQ(handler_->status(), 'I');
  Query("BEGIN; DECLARE a CURSOR FOR * * *; DECLARE b CURSOR WITH HOLD FOR * * *; COMMIT");
  EXPECT_TRUE(absl::StrContains(Query("FETCH a"), "34000"));
  EXPECT_EQ(Types(Query("FETCH b")), "TDCZ");
  Query("BEGIN; DECLARE h CURSOR WITH HOLD FOR * * *; ROLLBACK");
  EXPECT_TRUE(absl::StrContains(Query("FETCH h"), "34000"));
  EXPECT_EQ(Types(Query("FETCH b")), "TDCZ");
  // NO SCROLL refuses to go back; held, it is declared outside a block too.
  EXPECT_EQ(Types(Query("DECLARE w NO SCROLL CURSOR WITH HOLD FOR A p *; FETCH w")), "CTDCZ");
  EXPECT_TRUE(absl::StrContains(Query("FETCH PRIOR w"), "55000"));
  EXPECT_TRUE(absl::StrContains(Query("DECLARE w CURSOR WITH HOLD FOR A p *"), "42P03"));
  // What psycopg asks before closing a cursor it did not declare.
  EXPECT_EQ(Types(Query("SELECT 1 FROM pg_catalog.pg_cursors WHERE name = 'b'")), "TDCZ");
  EXPECT_EQ(Types(Query("CLOSE ALL; select 1 from pg_catalog.pg_cursors where name = 'b'")), "CTCZ");
  EXPECT_TRUE(absl::StrContains(Query("CLOSE b"), "34000"));
}

TEST_F(ProtocolHandlerTest, MalformedCursorStatementsPointAtTheirError) {
  const auto position_of = [](const std::string& text, const std::string& token) {
    return std::string("P") + std::to_string(text.find(token) + 1) + std::string(1, '\0');
  };
  Query("BEGIN");
  for (const auto& [text, token, sqlstate] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"DECLARE c CURSOR FOR A p * at 2025-02-30", "2025", "22007"},
           {"DECLARE c CURSOR FOR A p * sometime", "sometime", "42601"},
           {"DECLARE c CURSOR WITH FOR A p *", "WITH", "42601"},
           {"DECLARE c SOMETIMES CURSOR FOR A p *", "SOMETIMES", "42601"},
           {"DECLARE \"c CURSOR FOR A p *", "\"c", "42601"},
           {"FETCH ABSOLUTE x FROM c", "x", "42601"},
           {"FETCH FORWARD 1 FROM c d", "d", "42601"}}) {
    SCOPED_TRACE(text);
    const std::string out = Query(text);
    EXPECT_TRUE(absl::StrContains(out, sqlstate)) << out;
    EXPECT_TRUE(absl::StrContains(out, position_of(text, token))) << out;
    Query("ROLLBACK; BEGIN");
  }
  EXPECT_TRUE(absl::StrContains(Query("DECLARE c CURSOR FOR assert A p B"), "42P11"));
  Query("ROLLBACK");
}

TEST_F(ProtocolHandlerTest, CursorsThroughTheExtendedProtocolAsPsycopgDeclaresThem) {
  Query("assert A p B = 1 from 2020; assert A p C = 2 from 2020; assert A q D = 3 from 2020");
  Query("BEGIN");
  FrontendMessage parse{};
  parse.type = 'P';
  parse.parse = {"", "DECLARE \"named\" CURSOR FOR A $1 *", {}};
  EXPECT_EQ(Types(Send(parse)), "1");
  FrontendMessage bind{};
  bind.type = 'B';
  bind.bind.params = {std::string("p")};
  EXPECT_EQ(Types(Send(bind)), "2");
  FrontendMessage execute{};
  execute.type = 'E';
  execute.execute = {"", 0};
  EXPECT_EQ(Types(Send(execute)), "C");
  FrontendMessage describe{};
  describe.type = 'D';
  describe.describe = {'P', "named"};
  EXPECT_EQ(Types(Send(describe)), "T");
  // FETCH with its rows in binary: the value 1 as json text, the times as int8.
  parse.parse = {"", "FETCH FORWARD 1 FROM named", {}};
  EXPECT_EQ(Types(Send(parse)), "1");
  bind.bind.params = {};
  bind.bind.result_formats = {1};
  EXPECT_EQ(Types(Send(bind)), "2");
  const std::string fetched = Send(execute);
  EXPECT_EQ(Types(fetched), "DC");
  EXPECT_TRUE(absl::StrContains(fetched, "FETCH 1")) << fetched;
  EXPECT_EQ(Types(Send(execute)), "C");  // a portal runs once
  FrontendMessage sync{};
  sync.type = 'S';
  EXPECT_EQ(Types(Send(sync)), "Z");
  const std::string rest = Query("FETCH ALL named");
  EXPECT_EQ(Types(rest), "TDCZ");  // B was fetched; C is left, D is not A p
  EXPECT_TRUE(absl::StrContains(rest, std::string("\x01" "C", 2))) << rest;
  // A cursor is read with FETCH, not Execute: an error, which fails the block.
  execute.execute = {"named", 0};
  const std::string refused = Send(execute);
  EXPECT_TRUE(absl::StrContains(refused, "0A000")) << refused;
  EXPECT_EQ(Types(Send(sync)), "Z");
  EXPECT_EQ(handler_->status(), 'E');
  Query("ROLLBACK");
}

TEST(CopyFormatTest, TextAndCsvEscapeAsPostgres) {
  std::string text;
  AppendCopyLine({std::string("a\tb\\c\nd\re"), std::nullopt, std::string("")}, /*csv=*/false, &text);
  EXPECT_EQ(text, "a\\tb\\\\c\\nd\\re\t\\N\t\n");
  std::string csv;
  AppendCopyLine({std::string("plain"), std::string("a,b"), std::string("say \"hi\""), std::nullopt, std::string(""),
                  std::string("two\nlines")},
                 /*csv=*/true, &csv);
  EXPECT_EQ(csv, "plain,\"a,b\",\"say \"\"hi\"\"\",,\"\",\"two\nlines\"\n");
}

// The CopyData messages of `out`, their bytes concatenated.
std::string CopyData(const std::string& out) {
  std::string data;
  for (size_t i = 0; i + 5 <= out.size();) {
    const auto* p = reinterpret_cast<const unsigned char*>(out.data() + i + 1);
    const size_t n = 1 + (uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]);
    if (out[i] == 'd') data.append(out, i + 5, n - 5);
    i += n;
  }
  return data;
}

TEST_F(ProtocolHandlerTest, CopyFromStdinImportsAnOperationsFile) {
  const auto copy = [&](const std::vector<std::string>& chunks, char end = 'c') {
    std::string out;
    for (const std::string& chunk : chunks) {
      FrontendMessage data{};
      data.type = 'd';
      data.data = chunk;
      out += Send(data);
    }
    FrontendMessage done{};
    done.type = end;
    done.data = "stopped by the client";
    return out + Send(done);
  };
  // The rest of the query string runs once the data is in.
  EXPECT_EQ(Types(Query("COPY operations FROM STDIN; count * * *")), "G");
  std::string out = copy({"tx\t2031-01-01T00:00:00Z\tfile\nassert\tA\tp\tB\t1\t2020-01-01\t+in",
                          "f\nassert\tA\tp\tC\t\"x\"\t2020-01-01\t+inf\n\ntx\t2031-01-02T00:00:00Z\tfile\n",
                          "erase\tA\tp\tB\n"});
  EXPECT_EQ(Types(out), "NCTDCZ");
  EXPECT_TRUE(absl::StrContains(out, "imported 2 transactions, 3 operations")) << out;
  EXPECT_TRUE(absl::StrContains(out, std::string("COPY 3\0", 7))) << out;
  EXPECT_TRUE(absl::StrContains(out, std::string("\x00\x00\x00\x01" "1", 5))) << out;  // A p C alone
  // A bad line: its transaction is not applied, the one before it is.
  EXPECT_EQ(Types(Query("copy \"operations\" from stdin")), "G");
  out = copy({"tx\t2031-02-01T00:00:00Z\tfile\nassert\tD\tp\tE\t1\t2020-01-01\t+inf\n",
              "tx\t2031-02-02T00:00:00Z\tfile\nassert\tD\tp\tF\t1\t2020-01-01\n"});
  EXPECT_EQ(Types(out), "EZ");
  EXPECT_TRUE(absl::StrContains(out, "22P04")) << out;
  EXPECT_TRUE(absl::StrContains(out, "STDIN:4:")) << out;
  EXPECT_TRUE(absl::StrContains(out, "the 1 transaction before it is committed (COPY the file again: it is skipped)"))
      << out;
  EXPECT_EQ(db_->LastTransaction().id, 3u);
  // CopyFail drops the data; nothing is imported.
  EXPECT_EQ(Types(Query("COPY operations FROM STDIN")), "G");
  out = copy({"tx\t2031-03-01T00:00:00Z\tfile\nassert\tG\tp\tH\t1\t2020-01-01\t+inf\n"}, 'f');
  EXPECT_EQ(Types(out), "EZ");
  EXPECT_TRUE(absl::StrContains(out, "stopped by the client")) << out;
  EXPECT_EQ(db_->LastTransaction().id, 3u);
  // A CancelRequest while the data comes: the rest of it, and its
  // CopyDone, are ignored; nothing is imported.
  EXPECT_EQ(Types(Query("COPY operations FROM STDIN")), "G");
  FrontendMessage data{};
  data.type = 'd';
  data.data = "tx\t2031-03-01T00:00:00Z\tfile\n";
  EXPECT_EQ(Send(data), "");
  cancel_.store(true);
  out = Send(data);
  EXPECT_EQ(Types(out), "EZ");
  EXPECT_TRUE(absl::StrContains(out, "57014")) << out;
  EXPECT_TRUE(absl::StrContains(out, "nothing was imported")) << out;
  EXPECT_EQ(Types(copy({"assert\tG\tp\tH\t1\t2020-01-01\t+inf\n"})), "");
  // ... or once it is in, before the import reads it.
  EXPECT_EQ(Types(Query("COPY operations FROM STDIN")), "G");
  EXPECT_EQ(Send(data), "");
  cancel_.store(true);
  out = copy({});
  EXPECT_EQ(Types(out), "EZ");
  EXPECT_TRUE(absl::StrContains(out, "57014")) << out;
  EXPECT_EQ(handler_->status(), 'I');
  EXPECT_EQ(db_->LastTransaction().id, 3u);
  // In a block a driver opened, the file's transactions commit as they
  // load; not beside the block's own writes; not for a read-only user.
  EXPECT_EQ(Types(Query("BEGIN; COPY operations FROM STDIN")), "CG");
  EXPECT_EQ(Types(copy({"tx\t2031-03-02T00:00:00Z\tfile\nassert\tG\tp\tH\t1\t2020-01-01\t+inf\n"})), "NCZ");
  Query("ROLLBACK");
  EXPECT_EQ(db_->LastTransaction().id, 4u);
  EXPECT_EQ(Types(Query("BEGIN; COPY operations FROM STDIN")), "CG");
  EXPECT_EQ(Types(copy({"not an operation\n"})), "EZ");
  EXPECT_EQ(handler_->status(), 'E');  // failed, as a block is after any error
  Query("ROLLBACK");
  EXPECT_TRUE(absl::StrContains(Query("BEGIN; assert G p I; COPY operations FROM STDIN"), "25001"));
  Query("ROLLBACK");
  ProtocolHandler reader(db_.get(), "reader", /*read_only=*/true, &cancel_);
  FrontendMessage m{};
  m.type = 'Q';
  m.query = "COPY operations FROM STDIN";
  std::string refused;
  reader.Handle(m, &refused);
  EXPECT_TRUE(absl::StrContains(refused, "25006")) << refused;
  EXPECT_TRUE(absl::StrContains(Query("COPY operations FROM somewhere"), "42601"));
  // The writes before it in its query string commit first, then the file's.
  const uint64_t before = db_->LastTransaction().id;
  EXPECT_EQ(Types(Query("assert W p X = 1; COPY operations FROM STDIN")), "CNG");
  EXPECT_EQ(Types(copy({"tx\t2031-04-01T00:00:00Z\tfile\nassert\tW\tp\tY\t1\t2020-01-01\t+inf\n"})), "NCZ");
  EXPECT_EQ(db_->LastTransaction().id, before + 2);
}

// The same messages through a handler that sends rows as it finds them
// (set_flush) give the same bytes as through one that encodes answers
// whole; a client gone mid-answer closes the session.
TEST_F(ProtocolHandlerTest, AnswersStreamedAreTheBytesOfAnswersSentWhole) {
  std::string writes = "begin";
  for (int i = 0; i < 20000; ++i) absl::StrAppend(&writes, "; assert E", i % 7, " p O", i, " = ", i, " from 2020");
  Query(writes + "; commit");
  std::string streamed;
  int flushes = 0;
  ProtocolHandler streaming(db_.get(), "tester", false, &cancel_);
  streaming.set_flush([&](std::string* out) {
    streamed += *out;
    out->clear();
    ++flushes;
    return true;
  });
  const auto both = [&](const FrontendMessage& m) {
    const std::string whole = Send(m);
    streamed.clear();
    flushes = 0;
    const std::string rest = Answer(&streaming, m);
    EXPECT_EQ(streamed + rest, whole) << "message " << m.type;
    return flushes;
  };
  const auto query = [&](const std::string& q) {
    FrontendMessage m{};
    m.type = 'Q';
    m.query = q;
    return both(m);
  };
  EXPECT_GE(query("* * *"), 2);
  EXPECT_GE(query("COPY (* * *) TO STDOUT CSV HEADER; count * * *"), 2);
  EXPECT_GE(query("history * * *; COPY (history * * *) TO STDOUT"), 4);
  EXPECT_EQ(query("E1 * *"), 0);  // one chunk: sent whole
  EXPECT_EQ(query("BEGIN; DECLARE c SCROLL CURSOR FOR * * *; MOVE 10 c"), 0);
  EXPECT_GE(query("FETCH ALL c; FETCH BACKWARD ALL FROM c"), 2);
  query("ROLLBACK");
  FrontendMessage parse{};
  parse.type = 'P';
  parse.parse = {"s", "* p * at $1", {}};
  both(parse);
  FrontendMessage bind{};
  bind.type = 'B';
  bind.bind.statement = "s";
  bind.bind.params = {std::string("2021")};
  both(bind);
  FrontendMessage execute{};
  execute.type = 'E';
  execute.execute = {"", 0};
  EXPECT_GE(both(execute), 2);
  FrontendMessage sync{};
  sync.type = 'S';
  both(sync);
  both(bind);
  execute.execute = {"", 1000};  // a row limit: encoded whole, sent a page at a time
  EXPECT_EQ(both(execute), 0);
  both(sync);
  // The client goes while the rows go out.
  streaming.set_flush([](std::string*) { return false; });
  std::string out;
  FrontendMessage all{};
  all.type = 'Q';
  all.query = "* * *";
  EXPECT_EQ(streaming.Handle(all, &out), ProtocolHandler::Step::kClose);
}

TEST_F(ProtocolHandlerTest, CopyToStdoutWritesAReadsRows) {
  Query("assert A p B = \"a,b\" from 2020; assert A p C from 2020 to 2021; assert Z q Y = 1");
  std::string out = Query("COPY (A p * during [2019, 2022)) TO STDOUT WITH (FORMAT csv, HEADER)");
  EXPECT_EQ(Types(out), "HdddcCZ");
  EXPECT_EQ(CopyData(out),
            "subject,predicate,object,value,from,to\n"
            "A,p,B,\"\"\"a,b\"\"\",2020-01-01 00:00:00+00,infinity\n"
            "A,p,C,,2020-01-01 00:00:00+00,2021-01-01 00:00:00+00\n");
  EXPECT_TRUE(absl::StrContains(out, std::string("COPY 2\0", 7))) << out;
  out = Query("copy (A p C) to stdout");
  EXPECT_EQ(CopyData(out), "A\tp\tC\t\\N\t2020-01-01 00:00:00+00\t2021-01-01 00:00:00+00\n");
  // The format as a string (asyncpg's copy_from_query) or a quoted name.
  EXPECT_EQ(CopyData(Query("COPY (A p C) TO STDOUT (FORMAT 'csv', HEADER True)")),
            "subject,predicate,object,value,from,to\nA,p,C,,2020-01-01 00:00:00+00,2021-01-01 00:00:00+00\n");
  EXPECT_EQ(CopyData(Query("COPY (A p C) TO STDOUT (FORMAT \"text\", HEADER off)")),
            "A\tp\tC\t\\N\t2020-01-01 00:00:00+00\t2021-01-01 00:00:00+00\n");
  EXPECT_EQ(Types(Query("COPY (A p C) TO STDOUT (FORMAT 'binary')")), "EZ");
  // Through the extended protocol, with a parameter.
  FrontendMessage parse{};
  parse.type = 'P';
  parse.parse = {"", "COPY (count * $1 *) TO STDOUT", {}};
  EXPECT_EQ(Types(Send(parse)), "1");
  FrontendMessage bind{};
  bind.type = 'B';
  bind.bind.params = {std::string("q")};
  EXPECT_EQ(Types(Send(bind)), "2");
  FrontendMessage execute{};
  execute.type = 'E';
  execute.execute = {"", 0};
  out = Send(execute);
  EXPECT_EQ(Types(out), "HdcC");
  EXPECT_EQ(CopyData(out), "1\n");
  FrontendMessage sync{};
  sync.type = 'S';
  EXPECT_EQ(Types(Send(sync)), "Z");
  EXPECT_TRUE(absl::StrContains(Query("COPY (assert A p D) TO STDOUT"), "42P11"));
  EXPECT_TRUE(absl::StrContains(Query("COPY (A p *) TO STDOUT CSV HEDER"), "42601"));
  // The statement is checked when it is prepared.
  parse.parse = {"", "COPY (A p * at 2025-02-30) TO STDOUT", {}};
  out = Send(parse);
  EXPECT_EQ(Types(out), "E");
  EXPECT_TRUE(absl::StrContains(out, "22007")) << out;
  EXPECT_EQ(Types(Send(sync)), "Z");
}

}  // namespace
}  // namespace hindsight::server
