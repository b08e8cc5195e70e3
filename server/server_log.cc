#include "server/server_log.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace hindsight::server {

void ServerLog::Write(absl::Time at, const std::string& text) {
  const std::string line =
      absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", at, absl::UTCTimeZone()), " hindsight: ", text, "\n");
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

void ServerLog::ReportUnlogged(absl::Time at) {
  if (at - minute_start_ < absl::Minutes(1)) return;
  if (unlogged_ > 0) {
    Write(at, absl::StrCat(unlogged_, " more clients refused in the minute from ",
                           absl::FormatTime("%H:%M:%SZ", minute_start_, absl::UTCTimeZone()),
                           ", not logged one by one"));
  }
  minute_start_ = at;
  logged_ = 0;
  unlogged_ = 0;
}

void ServerLog::Line(const std::string& text) {
  const absl::Time at = now_();
  absl::MutexLock lock(&mu_);
  ReportUnlogged(at);
  Write(at, text);
}

void ServerLog::Refusal(const std::string& text) {
  const absl::Time at = now_();
  absl::MutexLock lock(&mu_);
  ReportUnlogged(at);
  if (logged_ == kRefusalsPerMinute) {
    ++unlogged_;
    return;
  }
  ++logged_;
  Write(at, text);
}

}  // namespace hindsight::server
