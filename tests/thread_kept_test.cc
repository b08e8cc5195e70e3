// ThreadKept hands a thread the same object from call to call, a fresh one
// to a call nested in another, none of another thread's, and drops an
// object not worth keeping.
#include "util/thread_kept.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace hindsight::internal {
namespace {

struct Buffer {
  std::vector<int> items;
  int resets = 0;
  void Reset() {
    items.clear();
    ++resets;
  }
  bool WorthKeeping() const { return items.capacity() <= 1000; }
};

TEST(ThreadKeptTest, ReusesOneObjectPerThreadAndNeverSharesOne) {
  const Buffer* first = nullptr;
  {
    const ThreadKept<Buffer> call;
    call->items.assign(10, 1);
    first = &*call;
  }
  {
    const ThreadKept<Buffer> next_call;
    EXPECT_EQ(&*next_call, first);
    EXPECT_TRUE(next_call->items.empty());  // reset, its capacity kept
    EXPECT_GE(next_call->items.capacity(), 10u);
    EXPECT_EQ(next_call->resets, 2);
    {
      const ThreadKept<Buffer> nested;  // e.g. a sink that queries again
      EXPECT_NE(&*nested, first);
      EXPECT_TRUE(nested->items.empty());
    }
    std::thread([first] {
      const ThreadKept<Buffer> other_thread;
      EXPECT_NE(&*other_thread, first);
    }).join();
  }
  {
    const ThreadKept<Buffer> call;
    call->items.assign(5000, 1);  // too large to keep
  }
  const ThreadKept<Buffer> after;
  EXPECT_EQ(after->resets, 1);  // a new one
  EXPECT_EQ(after->items.capacity(), 0u);
}

TEST(ThreadKeptTest, ReleaseFreesTheThreadsKeptObject) {
  {
    const ThreadKept<Buffer> call;
    call->items.assign(10, 1);
  }
  ThreadKept<Buffer>::Release();
  const ThreadKept<Buffer> after;
  EXPECT_EQ(after->resets, 1);  // a new one
  EXPECT_EQ(after->items.capacity(), 0u);
}

}  // namespace
}  // namespace hindsight::internal
