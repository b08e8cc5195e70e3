// PostgreSQL's statement_timeout: a statement of a session that runs
// longer is cancelled with 57014 "canceling statement due to statement
// timeout". Its value reads and prints as PostgreSQL's does (milliseconds,
// or a number with a unit: 500ms, 5s, 1min, 2h, 1d; 0 for none).
//
// The session arms its StatementTimeout as each statement starts and
// disarms it as it ends; the server looks at every armed one every
// kSweepInterval and cancels those past their deadline (so a statement
// runs up to that much past its timeout). Reads, `await` and COPY TO stop
// when cancelled; a write is one step and runs to its end.
#ifndef HINDSIGHT_SERVER_STATEMENT_TIMEOUT_H_
#define HINDSIGHT_SERVER_STATEMENT_TIMEOUT_H_

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace hindsight::server {

inline constexpr absl::Duration kSweepInterval = absl::Milliseconds(10);

// A time setting (statement_timeout, log_min_duration_statement) as
// PostgreSQL reads it: an integer of milliseconds, or a number and a unit
// (us, ms, s, min, h, d), maybe quoted. InvalidArgument (SQLSTATE 22023),
// naming `parameter`, for anything else or a value outside 0 ..
// 2147483647 ms.
absl::StatusOr<absl::Duration> ParseTimeSetting(std::string_view text, std::string_view parameter);

// As SHOW prints it: "0", or the largest unit that divides it ("5s",
// "1500ms", "2min").
std::string FormatTimeSetting(absl::Duration timeout);

// One session's running statement's deadline. Thread-safe.
class StatementTimeout {
 public:
  // Expire sets `*cancel`; `armed` is called (from the session's thread)
  // each time Arm sets a deadline, so the server starts looking.
  StatementTimeout(std::atomic<bool>* cancel, std::function<void()> armed)
      : cancel_(cancel), armed_(std::move(armed)) {}

  // A statement starts that may run for `timeout` (zero: for ever).
  void Arm(absl::Duration timeout);
  // It ended. After this, Expire no longer touches the cancel flag.
  void Disarm();
  // From the server: cancels the statement if `now` is past its deadline.
  // Returns whether a deadline is still to come.
  bool Expire(absl::Time now);
  // Whether Expire cancelled the statement armed last.
  bool expired() const;

 private:
  std::atomic<bool>* const cancel_;
  const std::function<void()> armed_;
  mutable absl::Mutex mu_;
  absl::Time deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  bool expired_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_STATEMENT_TIMEOUT_H_
