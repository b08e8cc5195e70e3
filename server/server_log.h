// What `hindsight serve` tells its operator: a line on standard error per
// event, each led by its UTC time. Clients refused at start-up (a wrong
// password, too many connections, ...) are logged one a line up to a
// number a minute, so that a client trying passwords in a loop cannot fill
// the disk; past it they are counted and reported once the minute ends.
#ifndef HINDSIGHT_SERVER_SERVER_LOG_H_
#define HINDSIGHT_SERVER_SERVER_LOG_H_

#include <cstdio>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace hindsight::server {

class ServerLog {
 public:
  static constexpr int kRefusalsPerMinute = 20;

  // Lines go to `out`, timed by `now`. Thread-safe.
  explicit ServerLog(FILE* out = stderr, std::function<absl::Time()> now = absl::Now)
      : out_(out), now_(std::move(now)) {}

  // "TIME hindsight: TEXT".
  void Line(const std::string& text);

  // A client refused: logged as Line unless kRefusalsPerMinute were in the
  // current minute; those past it are counted, and the first refusal or
  // Line after the minute says how many.
  void Refusal(const std::string& text);

 private:
  void Write(absl::Time at, const std::string& text) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reports the refusals the minute before `at` did not log, if it has ended.
  void ReportUnlogged(absl::Time at) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  FILE* const out_;
  const std::function<absl::Time()> now_;
  absl::Mutex mu_;
  absl::Time minute_start_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int logged_ ABSL_GUARDED_BY(mu_) = 0;    // refusals of the minute logged
  int unlogged_ ABSL_GUARDED_BY(mu_) = 0;  // ... and past the limit
};

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_SERVER_LOG_H_
