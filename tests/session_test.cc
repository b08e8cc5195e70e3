// The statement session: cancellation of reads and awaits (Ctrl-C in the shell), the
// open transaction's size, hints, the transaction history and changes name
// for each row, and rows handed to consumers as they are found.
#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "hindsight/db.h"
#include "query/session.h"
#include "query/statement.h"
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
