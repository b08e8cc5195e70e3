// Calls that each bring a request and wait until it is done, done in
// groups: the first call in the queue takes the requests queued behind it
// too (up to a limit) and does them together, while later calls queue for
// the next group. LevelDB's writer queue; what group commit is made of.
#ifndef HINDSIGHT_UTIL_GROUP_QUEUE_H_
#define HINDSIGHT_UTIL_GROUP_QUEUE_H_

#include <algorithm>
#include <cstddef>
#include <deque>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace hindsight::internal {

template <typename Request>
class GroupQueue {
 public:
  explicit GroupQueue(size_t max_group) : max_group_(max_group) {}

  // Queues `request` and returns once a group holding it is done: either
  // this call, first in the queue, ran `do_group` on its group (its own
  // request first, then those queued behind it, in order), or an earlier
  // call did. Thread-safe; `do_group` runs without the queue's lock.
  template <typename DoGroup>
  void Run(Request* request, const DoGroup& do_group) {
    Waiter me(request);
    std::vector<Waiter*> waiters;
    {
      absl::MutexLock lock(&mu_);
      queue_.push_back(&me);
      while (!me.done && queue_.front() != &me) me.turn.Wait(&mu_);
      if (me.done) return;
      waiters.assign(queue_.begin(), queue_.begin() + std::min(queue_.size(), max_group_));
    }
    std::vector<Request*> group;
    for (Waiter* w : waiters) group.push_back(w->request);
    do_group(group);
    absl::MutexLock lock(&mu_);
    for (Waiter* w : waiters) {
      queue_.pop_front();
      w->done = true;
      w->turn.Signal();
    }
    if (!queue_.empty()) queue_.front()->turn.Signal();
  }

 private:
  struct Waiter {
    explicit Waiter(Request* r) : request(r) {}
    Request* const request;
    bool done = false;  // under the queue's mu_
    absl::CondVar turn;  // done, or first in the queue
  };

  const size_t max_group_;
  absl::Mutex mu_;
  std::deque<Waiter*> queue_ ABSL_GUARDED_BY(mu_);  // in arrival order; the first does the group
};

}  // namespace hindsight::internal

#endif  // HINDSIGHT_UTIL_GROUP_QUEUE_H_
