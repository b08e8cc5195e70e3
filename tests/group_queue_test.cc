// GroupQueue: every request done once, in groups one at a time, each
// thread's requests in its order.
#include "util/group_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace hindsight::internal {
namespace {

struct Request {
  int id = 0;
  int runs = 0;  // groups that held it
  bool done_before_return = false;
};

TEST(GroupQueueTest, EveryRequestIsDoneOnceInGroupsOneAtATime) {
  GroupQueue<Request> queue(4);
  constexpr int kThreads = 8, kEach = 300;
  std::vector<Request> requests(kThreads * kEach);
  std::atomic<int> running{0};
  std::atomic<bool> overlapped{false};
  std::mutex order_mu;
  std::vector<int> order;  // ids in the order groups took them
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Request* r = &requests[t * kEach + i];
        r->id = t * kEach + i;
        queue.Run(r, [&](const std::vector<Request*>& group) {
          if (running.fetch_add(1) != 0) overlapped = true;
          EXPECT_LE(group.size(), 4u);
          EXPECT_EQ(group.front(), r);  // the leader's own request first
          std::lock_guard lock(order_mu);
          for (Request* g : group) {
            ++g->runs;
            order.push_back(g->id);
          }
          running.fetch_sub(1);
        });
        r->done_before_return = r->runs == 1;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_FALSE(overlapped.load());
  for (const Request& r : requests) {
    EXPECT_EQ(r.runs, 1) << r.id;
    EXPECT_TRUE(r.done_before_return) << r.id;
  }
  // One thread's requests are done in the order it made them.
  std::vector<int> last_seen(kThreads, -1);
  for (const int id : order) {
    EXPECT_GT(id, last_seen[id / kEach]);
    last_seen[id / kEach] = id;
  }
}

}  // namespace
}  // namespace hindsight::internal
