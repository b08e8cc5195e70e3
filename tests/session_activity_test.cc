// What a session of the server is doing, as SHOW hindsight_sessions lists
// it (server/session_activity.h).
#include "server/session_activity.h"

#include <string>

#include "gtest/gtest.h"

namespace hindsight::server {
namespace {

TEST(SessionActivityTest, ListedOnceStartedWithItsStatesAndWhenTheyChanged) {
  SessionActivity a;
  EXPECT_FALSE(a.View().has_value());  // not authenticated yet
  a.Began("count * * *", 5);           // nothing to note before Start
  EXPECT_FALSE(a.View().has_value());
  a.Start(7, "alice", "psql", "127.0.0.1:4000", true, 10);
  std::optional<SessionView> v = a.View();
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->pid, 7);
  EXPECT_EQ(v->user, "alice");
  EXPECT_EQ(v->application, "psql");
  EXPECT_EQ(v->client, "127.0.0.1:4000");
  EXPECT_TRUE(v->tls);
  EXPECT_EQ(v->state, "idle");
  EXPECT_EQ(v->backend_start, 10);
  EXPECT_EQ(v->query_start, 10);
  EXPECT_EQ(v->query, "");

  a.Began("begin; assert A p B", 20);
  EXPECT_EQ(a.View()->state, "active");
  EXPECT_EQ(a.View()->state_change, 20);
  a.Began("assert A p C", 25);  // still active: the state did not change
  EXPECT_EQ(a.View()->state_change, 20);
  EXPECT_EQ(a.View()->query_start, 25);
  EXPECT_EQ(a.View()->query, "assert A p C");
  a.Waiting('T', 30);
  EXPECT_EQ(a.View()->state, "idle in transaction");
  EXPECT_EQ(a.View()->state_change, 30);
  a.Waiting('T', 35);
  EXPECT_EQ(a.View()->state_change, 30);
  a.Waiting('E', 40);
  EXPECT_EQ(a.View()->state, "idle in transaction (aborted)");
  a.Waiting('I', 50);
  EXPECT_EQ(a.View()->state, "idle");
  EXPECT_EQ(a.View()->state_change, 50);
  EXPECT_EQ(a.View()->query, "assert A p C");  // the last statement stays
}

TEST(SessionActivityTest, ALongStatementIsCutOnACharacterBoundary) {
  SessionActivity a;
  a.Start(1, "u", "", "c", false, 0);
  const std::string before(SessionActivity::kQueryBytes - 1, 'x');
  a.Began(before + "\xC3\xA9 and more", 1);  // an é across the limit
  EXPECT_EQ(a.View()->query, before);
  const std::string exact(SessionActivity::kQueryBytes, 'y');
  a.Began(exact + "z", 2);
  EXPECT_EQ(a.View()->query, exact);
}

}  // namespace
}  // namespace hindsight::server
