// Scratch memory a thread keeps between its calls, so that a call which
// needs no more than the ones before it allocates nothing.
#ifndef HINDSIGHT_UTIL_THREAD_KEPT_H_
#define HINDSIGHT_UTIL_THREAD_KEPT_H_

#include <memory>

namespace hindsight::internal {

// A T for the lifetime of this object: the calling thread's kept T, or a
// new one when an enclosing ThreadKept<T> of the same thread holds it (a
// callback that calls again). T::Reset() readies it for use; at the end
// it is kept for the thread's next call if the thread keeps none by then
// and T::WorthKeeping() (say, when it holds less than some bound), else
// freed.
//
// Thread-safety: each thread has its own kept T; an object must stay on
// the thread that made it.
template <typename T>
class ThreadKept {
 public:
  ThreadKept() : value_(kept_ != nullptr ? std::move(kept_) : std::make_unique<T>()) { value_->Reset(); }
  ~ThreadKept() {
    if (kept_ == nullptr && value_->WorthKeeping()) kept_ = std::move(value_);
  }
  ThreadKept(const ThreadKept&) = delete;
  ThreadKept& operator=(const ThreadKept&) = delete;

  // Frees the calling thread's kept T, if it keeps one (a thread about to
  // wait a long time).
  static void Release() { kept_.reset(); }

  T& operator*() const { return *value_; }
  T* operator->() const { return value_.get(); }

 private:
  static inline thread_local std::unique_ptr<T> kept_;
  std::unique_ptr<T> value_;
};

}  // namespace hindsight::internal

#endif  // HINDSIGHT_UTIL_THREAD_KEPT_H_
