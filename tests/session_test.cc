// The statement session: cancellation of reads (Ctrl-C in the shell).
#include <atomic>

#include "gtest/gtest.h"
#include "hindsight/db.h"
#include "query/session.h"
#include "query/statement.h"
#include "test_util.h"

namespace hindsight::testing {
namespace {

absl::StatusOr<internal::Result> Execute(internal::Session* s, const char* text) {
  absl::StatusOr<internal::Statement> st = internal::ParseStatement(text);
  EXPECT_TRUE(st.ok()) << st.status();
  return s->Execute(*st);
}

TEST(SessionTest, ACancelFlagStopsReadsAndNotWritesOrTheTransaction) {
  ScratchDir dir;
  auto db = Database::Open(dir.Sub("db"));
  ASSERT_TRUE(db.ok()) << db.status();
  internal::Session session(db->get());
  std::atomic<bool> cancel{false};
  session.set_cancel_flag(&cancel);
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

}  // namespace
}  // namespace hindsight::testing
