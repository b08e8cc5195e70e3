// The statement session: cancellation of reads and awaits (Ctrl-C in the shell), the
// open transaction's size and savepoints, hints, the transaction history and changes name
// for each row, and rows handed to consumers as they are found.
#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "hindsight/db.h"
#include "query/session.h"
#include "query/statement.h"
#include "database_dump.h"
#include "random_transaction.h"
#include "test_util.h"

namespace hindsight::testing {
namespace {

absl::StatusOr<internal::Result> Execute(internal::Session* s, const char* text) {
  absl::StatusOr<internal::Statement> st = internal::ParseStatement(text);
  EXPECT_TRUE(st.ok()) << st.status();
  return s->Execute(*st);
}

// A session on a new database, with a cancel flag.
class CancelFlagTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(dir_.Sub("db"));
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    session_ = std::make_unique<internal::Session>(db_.get());
    session_->set_cancel_flag(&cancel_);
  }

  ScratchDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<internal::Session> session_;
  std::atomic<bool> cancel_{false};
};

TEST_F(CancelFlagTest, ReadsStopAndNotWritesOrTheTransaction) {
  internal::Session& session = *session_;
  std::atomic<bool>& cancel = cancel_;
  ASSERT_TRUE(Execute(&session, "begin;").ok());
  ASSERT_TRUE(Execute(&session, "assert A p B = 1 from 2020;").ok());
  ASSERT_TRUE(Execute(&session, "commit;").ok());
  ASSERT_TRUE(Execute(&session, "begin;").ok());
  ASSERT_TRUE(Execute(&session, "assert A p C = 2 from 2021;").ok());

  cancel = true;
  for (const char* read : {"* * *;", "count * * *;", "history * * *;", "since * * *;",
                           "changes * * * between tx 1 and tx 1;"}) {
    absl::StatusOr<internal::Result> r = Execute(&session, read);
    EXPECT_TRUE(absl::IsCancelled(r.status())) << read << ": " << r.status();
  }
  EXPECT_TRUE(session.in_transaction());
  EXPECT_EQ(session.pending_operations(), 1u);
  cancel = false;
  ASSERT_TRUE(Execute(&session, "commit;").ok());
  absl::StatusOr<internal::Result> r = Execute(&session, "count * * *;");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rows[0][0].text, "2");
}

TEST_F(CancelFlagTest, AnAwaitThatWouldWaitLongStops) {
  internal::Session& session = *session_;
  std::atomic<bool>& cancel = cancel_;
  ASSERT_TRUE(Execute(&session, "assert A p B = 1 from 2020;").ok());
  EXPECT_TRUE(Execute(&session, "await tx 1 timeout 60s;").ok());  // here already
  std::thread canceller([&cancel] {
    absl::SleepFor(absl::Milliseconds(100));
    cancel = true;
  });
  absl::StatusOr<internal::Result> r = Execute(&session, "await tx 2 timeout 60s;");
  canceller.join();
  EXPECT_TRUE(absl::IsCancelled(r.status())) << r.status();  // not DeadlineExceeded 60 s later
  cancel = false;
  r = Execute(&session, "await tx 2 timeout 100ms;");
  EXPECT_TRUE(absl::IsDeadlineExceeded(r.status())) << r.status();
  EXPECT_TRUE(absl::StrContains(r.status().message(), "after 100ms")) << r.status();
}


// What the server bounds a session's open transaction by: its operations'
// bytes, growing with their names and values, back to none when it ends.
TEST(SessionTest, PendingBytesCountTheOpenTransactionsOperations) {
  ScratchDir dir;
  auto db = Database::Open(dir.Sub("db"));
  ASSERT_TRUE(db.ok()) << db.status();
  internal::Session session(db->get());
  EXPECT_EQ(session.pending_bytes(), 0u);
  ASSERT_TRUE(Execute(&session, "assert A p B = 1 from 2020;").ok());  // committed at once
  EXPECT_EQ(session.pending_bytes(), 0u);
  ASSERT_TRUE(Execute(&session, "begin;").ok());
  EXPECT_EQ(session.pending_bytes(), 0u);
  ASSERT_TRUE(Execute(&session, "assert A p B = 2 from 2021;").ok());
  const size_t one = session.pending_bytes();
  EXPECT_GE(one, sizeof(Operation) + 3);
  const std::string long_value(1000, 'x');
  ASSERT_TRUE(Execute(&session, ("assert A p B = \"" + long_value + "\" from 2022;").c_str()).ok());
  EXPECT_GE(session.pending_bytes(), 2 * one + long_value.size());
  ASSERT_TRUE(Execute(&session, "rollback;").ok());
  EXPECT_EQ(session.pending_bytes(), 0u);
  ASSERT_TRUE(Execute(&session, "begin;").ok());
  EXPECT_EQ(session.pending_bytes(), 0u);
  ASSERT_TRUE(Execute(&session, "erase A p B;").ok());
  EXPECT_GE(session.pending_bytes(), sizeof(Operation) + 3);
  ASSERT_TRUE(Execute(&session, "commit;").ok());
  EXPECT_EQ(session.pending_bytes(), 0u);
}
// Random sequences of writes, savepoints, releases and rollbacks to them:
// what the session keeps is what a model of SQL's savepoints keeps (a list
// of writes, a stack of named marks), and committed it is the same
// database as those writes committed without savepoints.
TEST(SessionTest, SavepointsKeepWhatAModelOfThemKeeps) {
  ScratchDir dir;
  auto with = Database::Open(dir.Sub("with"));
  auto without = Database::Open(dir.Sub("without"));
  ASSERT_TRUE(with.ok() && without.ok());
  internal::Session session(with->get());
  internal::Session plain(without->get());
  std::mt19937 rng(20261207);
  const auto pick = [&](std::initializer_list<const char*> from) {
    return *(from.begin() + std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng));
  };
  const auto year = [&] { return std::uniform_int_distribution<int>(2000, 2030)(rng); };
  constexpr int kTransactions = 60;
  for (int t = 0; t < kTransactions; ++t) {
    std::vector<std::string> writes;                         // the model's
    std::vector<std::pair<std::string, size_t>> savepoints;  // name, writes kept
    const std::string begin = absl::StrCat("begin at 2040-01-01T", 10 + t / 40, ":", 10 + t % 40, "Z;");
    ASSERT_TRUE(Execute(&session, begin.c_str()).ok());
    for (int step = 0; step < 30; ++step) {
      const std::string name = pick({"a", "b", "c"});
      const auto newest = [&]() -> std::optional<size_t> {
        for (size_t i = savepoints.size(); i-- > 0;) {
          if (savepoints[i].first == name) return i;
        }
        return std::nullopt;
      };
      const int what = std::uniform_int_distribution<int>(0, 9)(rng);
      if (what < 5) {
        const std::string key = absl::StrCat(pick({"A", "B", "C"}), " p ", pick({"X", "Y"}));
        const int from = year();
        const std::string write =
            what < 3   ? absl::StrCat("assert ", key, " = ", step, " from ", from, " to ", from + 1 + year() % 5, ";")
            : what < 4 ? absl::StrCat("retract ", key, " from ", from, ";")
                       : absl::StrCat("erase ", key, ";");
        ASSERT_TRUE(Execute(&session, write.c_str()).ok()) << write;
        writes.push_back(write);
      } else if (what < 7) {
        ASSERT_TRUE(session.Savepoint(name).ok());
        savepoints.emplace_back(name, writes.size());
      } else if (what < 8) {
        const absl::StatusOr<size_t> released = session.ReleaseSavepoint(name);
        const std::optional<size_t> i = newest();
        ASSERT_EQ(released.ok(), i.has_value()) << released.status();
        if (i) {
          EXPECT_EQ(*released, *i);
          savepoints.resize(*i);
        } else {
          EXPECT_TRUE(absl::IsNotFound(released.status())) << released.status();
        }
      } else {
        const absl::StatusOr<size_t> back = session.RollBackToSavepoint(name);
        const std::optional<size_t> i = newest();
        ASSERT_EQ(back.ok(), i.has_value()) << back.status();
        if (i) {
          EXPECT_EQ(*back, *i);
          writes.resize(savepoints[*i].second);
          savepoints.resize(*i + 1);
        } else {
          EXPECT_TRUE(absl::IsNotFound(back.status())) << back.status();
        }
      }
      ASSERT_EQ(session.pending_operations(), writes.size()) << "transaction " << t << ", step " << step;
    }
    ASSERT_TRUE(Execute(&plain, begin.c_str()).ok());
    for (const std::string& write : writes) ASSERT_TRUE(Execute(&plain, write.c_str()).ok());
    EXPECT_EQ(session.pending_bytes(), plain.pending_bytes()) << "transaction " << t;
    const bool empty = writes.empty();
    const char* end = empty ? "rollback;" : "commit;";
    ASSERT_EQ(Execute(&session, end).ok(), Execute(&plain, end).ok()) << "transaction " << t;
    // The transaction is over: its savepoints with it.
    EXPECT_TRUE(absl::IsFailedPrecondition(session.RollBackToSavepoint("a").status()));
  }
  // A time and source set after a savepoint go with what is rolled back.
  ASSERT_TRUE(Execute(&session, "begin;").ok());
  ASSERT_TRUE(session.Savepoint("blank").ok());
  ASSERT_TRUE(Execute(&session, "begin at 2041-01-01 source late;").ok());
  EXPECT_FALSE(session.transaction_is_blank());
  ASSERT_TRUE(session.RollBackToSavepoint("blank").ok());
  EXPECT_TRUE(session.transaction_is_blank());
  ASSERT_TRUE(Execute(&session, "rollback;").ok());
  ASSERT_EQ((*with)->LastTransaction().id, (*without)->LastTransaction().id);
  const std::string want = DumpQueries(**without, (*without)->LastTransaction().id);
  EXPECT_EQ(FirstDifference(DumpQueries(**with, (*with)->LastTransaction().id), want), "");
}

// The language's savepoint statements: what the calls above do, answered
// with a message; outside a transaction, and for a name no savepoint has,
// an error that changes nothing.
TEST(SessionTest, SavepointStatementsOfTheLanguage) {
  ScratchDir dir;
  auto db = Database::Open(dir.Sub("db"));
  ASSERT_TRUE(db.ok()) << db.status();
  internal::Session session(db->get());
  const auto message = [&](const char* text) {
    absl::StatusOr<internal::Result> r = Execute(&session, text);
    return r.ok() ? r->message : std::string(r.status().message());
  };
  EXPECT_EQ(message("savepoint a;"), "savepoints stand in a transaction: begin one first");
  ASSERT_TRUE(Execute(&session, "begin at 2020-01-01;").ok());
  ASSERT_TRUE(Execute(&session, "assert A p B = 1;").ok());
  EXPECT_EQ(message("SAVEPOINT A;"), "savepoint a");
  ASSERT_TRUE(Execute(&session, "assert A p C = 2;").ok());
  EXPECT_EQ(message("savepoint \"B\";"), "savepoint B");
  ASSERT_TRUE(Execute(&session, "assert A p D = 3;").ok());
  EXPECT_EQ(message("release b;"), "savepoint \"b\" does not exist");
  EXPECT_EQ(message("rollback to savepoint a;"), "rolled back to savepoint a: dropped 2 operations");
  EXPECT_EQ(session.pending_operations(), 1u);
  EXPECT_EQ(message("release \"B\";"), "savepoint \"B\" does not exist");  // dropped with what came after a
  EXPECT_EQ(message("release savepoint a;"), "released savepoint a, keeping what came after it");
  EXPECT_EQ(message("rollback to a;"), "savepoint \"a\" does not exist");
  ASSERT_TRUE(Execute(&session, "commit;").ok());
  EXPECT_EQ((*db)->LastTransaction().id, 1u);
  EXPECT_EQ((*db)->LastTransaction().operation_count, 1u);
}

TEST(SessionTest, AnAnswerWithoutRowsNamesUnknownNamesAndTheClosest) {
  ScratchDir dir;
  auto db = Database::Open(dir.Sub("db"));
  ASSERT_TRUE(db.ok()) << db.status();
  internal::Session session(db->get());
  ASSERT_TRUE(Execute(&session, "assert Syria diplomatic_relations Ukraine = 1 from 2020;").ok());
  absl::StatusOr<internal::Result> r = Execute(&session, "Syira * Ukrane;");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->note, "no name 'Syira' (did you mean 'Syria'?); no name 'Ukrane' (did you mean 'Ukraine'?)");
  r = Execute(&session, "history Zzz * *;");
  EXPECT_EQ(r->note, "no name 'Zzz'");
  r = Execute(&session, "Syria * Ukraine at 1990;");  // names known, no row: no note
  EXPECT_EQ(r->note, "");
}

TEST(SessionTest, TheClosestNameIsOfTheDatabaseAsItIsNow) {
  ScratchDir dir;
  auto db = Database::Open(dir.Sub("db"));
  ASSERT_TRUE(db.ok()) << db.status();
  internal::Session session(db->get());
  ASSERT_TRUE(Execute(&session, "assert Syria diplomatic_relations Ukraine = 1 from 2020;").ok());
  for (int asked = 0; asked < 2; ++asked) {
    absl::StatusOr<internal::Result> r = Execute(&session, "Zyprus * *;");
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->note, "no name 'Zyprus'");
  }
  // Another session commits a name close to it.
  internal::Session other(db->get());
  ASSERT_TRUE(Execute(&other, "assert Zypros diplomatic_relations Ukraine = 1 from 2020;").ok());
  absl::StatusOr<internal::Result> r = Execute(&session, "Zyprus * *;");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->note, "no name 'Zyprus' (did you mean 'Zypros'?)");
  ASSERT_TRUE(Execute(&other, "erase Zypros diplomatic_relations Ukraine;").ok());
  r = Execute(&session, "Zyprus * *;");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->note, "no name 'Zyprus'");
}

// A row of a read, history or changes answer: subject, predicate, object,
// value, from, to as text.
using RowText = std::tuple<std::string, std::string, std::string, std::string, Instant, Instant>;

RowText TextOf(const std::vector<internal::Cell>& cells, size_t first) {
  return {cells[first].text, cells[first + 1].text, cells[first + 2].text, FormatValue(cells[first + 3].value),
          cells[first + 4].instant, cells[first + 5].instant};
}

TEST(SessionTest, HistoryAndChangesNameTheTransactionThatMadeEachRow) {
  ScratchDir dir;
  auto db = Database::Open(dir.Sub("db"));
  ASSERT_TRUE(db.ok()) << db.status();
  std::mt19937 rng(11);
  const int kTransactions = 40;
  for (int i = 1; i <= kTransactions; ++i) {
    Transaction as_keys;
    Transaction txn = RandomTransaction(rng, i * kDay, &as_keys);
    txn.SetSource(absl::StrCat("source-", i));
    ASSERT_TRUE((*db)->Commit(txn).ok());
  }
  internal::Session session(db->get());
  const auto run = [&](const std::string& text) {
    absl::StatusOr<internal::Statement> st = internal::ParseStatement(text);
    EXPECT_TRUE(st.ok()) << text << ": " << st.status();
    absl::StatusOr<internal::Result> r = session.Execute(*st);
    EXPECT_TRUE(r.ok()) << text << ": " << r.status();
    return r.ok() ? *std::move(r) : internal::Result{};
  };
  // History: tx_from is the named transaction's time.
  const internal::Result history = run("history * * *;");
  ASSERT_GT(history.rows.size(), 20u);
  EXPECT_EQ(history.contract_columns, 8u);
  for (const auto& row : history.rows) {
    const uint64_t tx = std::stoull(row[8].text);
    EXPECT_EQ(row[6].instant, static_cast<Instant>(tx) * kDay);
    EXPECT_EQ(row[9].text, absl::StrCat("source-", tx));
  }
  // Changes: the named transaction lies between the two points and is
  // where the row came (or went): in the state as of it and not just
  // before it, or the other way round.
  std::map<int, std::set<RowText>> states;
  for (int t = 1; t <= kTransactions; ++t) {
    for (const auto& row : run(absl::StrCat("* * * as of tx ", t, ";")).rows) states[t].insert(TextOf(row, 0));
  }
  int changes_seen = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const int a = std::uniform_int_distribution<int>(1, kTransactions)(rng);
    const int b = std::uniform_int_distribution<int>(1, kTransactions)(rng);
    const internal::Result changes = run(absl::StrCat("changes * * * between tx ", a, " and tx ", b, ";"));
    // Every difference of the two states, once: '-' rows only at a, '+'
    // rows only at b, by key and from, the '-' row first.
    std::vector<std::pair<char, RowText>> expected;
    for (const RowText& row : states[a]) {
      if (!states[b].contains(row)) expected.emplace_back('-', row);
    }
    for (const RowText& row : states[b]) {
      if (!states[a].contains(row)) expected.emplace_back('+', row);
    }
    const auto order = [](const std::pair<char, RowText>& x) {
      const auto& [s, p, o, value, from, to] = x.second;
      return std::make_tuple(s, p, o, from, x.first == '+');
    };
    std::sort(expected.begin(), expected.end(), [&](const auto& x, const auto& y) { return order(x) < order(y); });
    std::vector<std::pair<char, RowText>> answered;
    for (const auto& row : changes.rows) answered.emplace_back(row[0].text[0], TextOf(row, 1));
    EXPECT_EQ(answered, expected) << "changes between tx " << a << " and tx " << b;
    // A limit keeps the first rows.
    if (expected.size() > 2) {
      const internal::Result first = run(absl::StrCat("changes * * * between tx ", a, " and tx ", b, " limit 2;"));
      EXPECT_TRUE(first.limited);
      ASSERT_EQ(first.rows.size(), 2u);
      EXPECT_EQ(TextOf(first.rows[1], 1), expected[1].second);
    }
    for (const auto& row : changes.rows) {
      ++changes_seen;
      const int tx = std::stoi(row[7].text);
      EXPECT_EQ(row[8].text, absl::StrCat("source-", tx));
      ASSERT_GT(tx, std::min(a, b));
      ASSERT_LE(tx, std::max(a, b));
      const RowText text = TextOf(row, 1);
      // Believed at b ('+') or at a ('-'); it came at tx when that is the later point.
      const int believed_at = row[0].text == "+" ? b : a;
      const bool came = believed_at == std::max(a, b);
      EXPECT_EQ(states[tx].contains(text), came) << "changes between tx " << a << " and tx " << b << ", tx " << tx;
      EXPECT_EQ(states[tx - 1].contains(text), !came) << "changes between tx " << a << " and tx " << b;
    }
  }
  EXPECT_GT(changes_seen, 100);
}

// Every cell of `rows` as text, in order.
std::vector<std::string> Texts(const std::vector<std::vector<internal::Cell>>& rows) {
  std::vector<std::string> out;
  for (const auto& row : rows) {
    std::string line;
    for (const internal::Cell& c : row) {
      absl::StrAppend(&line, static_cast<int>(c.kind), ":", c.text, ":", FormatValue(c.value), ":", c.instant, "|");
    }
    out.push_back(std::move(line));
  }
  return out;
}

TEST(SessionTest, ConsumersGetTheRowsTheResultWouldHold) {
  ScratchDir dir;
  auto db = Database::Open(dir.Sub("db"));
  ASSERT_TRUE(db.ok()) << db.status();
  std::mt19937 rng(12);
  for (int i = 1; i <= 30; ++i) {
    Transaction as_keys;
    ASSERT_TRUE((*db)->Commit(RandomTransaction(rng, i * kDay, &as_keys)).ok());
  }
  internal::Session session(db->get());
  const std::vector<std::string> statements = {
      "history * * *",   "history * * * limit 7", "history * * * limit 0", "history nosuch * *",
      "* * *",           "* * * limit 5",         "* * * as of tx 10",      "count * * *",
      "history * * * limit 100000"};
  for (const std::string& text : statements) {
    absl::StatusOr<internal::Statement> st = internal::ParseStatement(text);
    ASSERT_TRUE(st.ok()) << text << ": " << st.status();
    const absl::StatusOr<internal::Result> whole = session.Execute(*st);
    ASSERT_TRUE(whole.ok()) << text << ": " << whole.status();
    std::vector<std::vector<internal::Cell>> handed;
    const internal::Session::RowConsumer rows = [&](const Row& r) { handed.push_back(internal::CellsOfRow(r)); };
    const internal::Session::CellsConsumer cells = [&](std::vector<internal::Cell>&& r) {
      handed.push_back(std::move(r));
    };
    absl::StatusOr<internal::Result> streamed = session.Execute(*st, &rows, &cells);
    ASSERT_TRUE(streamed.ok()) << text << ": " << streamed.status();
    for (auto& row : streamed->rows) handed.push_back(std::move(row));  // what was not handed over (count)
    EXPECT_EQ(Texts(handed), Texts(whole->rows)) << text;
    EXPECT_EQ(streamed->limited, whole->limited) << text;
    EXPECT_EQ(streamed->note, whole->note) << text;
    EXPECT_EQ(streamed->columns, whole->columns) << text;
  }
}

}  // namespace
}  // namespace hindsight::testing
