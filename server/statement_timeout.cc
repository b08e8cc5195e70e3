#include "server/statement_timeout.h"

#include <cmath>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/sql_error.h"

namespace hindsight::server {
namespace {

constexpr int64_t kMaxMillis = 2147483647;

struct Unit {
  const char* name;
  double millis;
};
// Longest first: the unit printed is the largest that divides the value.
constexpr Unit kUnits[] = {{"d", 86400000}, {"h", 3600000}, {"min", 60000}, {"s", 1000}, {"ms", 1}, {"us", 0.001}};

absl::Status Invalid(std::string_view parameter, absl::string_view text, absl::string_view why = "") {
  return SqlError(absl::StatusCode::kInvalidArgument, "22023",
                  absl::StrCat("invalid value for parameter \"", absl::string_view(parameter.data(), parameter.size()),
                               "\": \"", text, "\"", why));
}

}  // namespace

absl::StatusOr<absl::Duration> ParseTimeSetting(std::string_view text, std::string_view parameter) {
  absl::string_view v = absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size()));
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') v = absl::StripAsciiWhitespace(v.substr(1, v.size() - 2));
  const absl::string_view original = v;
  size_t number_end = 0;
  while (number_end < v.size() && (absl::ascii_isdigit(static_cast<unsigned char>(v[number_end])) ||
                                   v[number_end] == '.' || (number_end == 0 && v[0] == '-'))) {
    ++number_end;
  }
  double number = 0;
  if (number_end == 0 || !absl::SimpleAtod(v.substr(0, number_end), &number)) return Invalid(parameter, original);
  const std::string unit = absl::AsciiStrToLower(absl::StripLeadingAsciiWhitespace(v.substr(number_end)));
  std::optional<double> unit_millis;
  if (unit.empty()) unit_millis = 1;
  for (const Unit& u : kUnits) {
    if (unit == u.name) unit_millis = u.millis;
  }
  if (!unit_millis)
    return Invalid(parameter, original, ": valid units are \"us\", \"ms\", \"s\", \"min\", \"h\" and \"d\"");
  const double rounded = std::round(number * *unit_millis);
  if (rounded < 0 || rounded > kMaxMillis) {
    return Invalid(parameter, original, absl::StrCat(": outside the valid range 0 .. ", kMaxMillis, " ms"));
  }
  return absl::Milliseconds(static_cast<int64_t>(rounded));
}

std::string FormatTimeSetting(absl::Duration timeout) {
  const int64_t ms = absl::ToInt64Milliseconds(timeout);
  if (ms == 0) return "0";
  for (const Unit& u : kUnits) {
    const auto unit_ms = static_cast<int64_t>(u.millis);
    if (unit_ms >= 1 && ms % unit_ms == 0) return absl::StrCat(ms / unit_ms, u.name);
  }
  return absl::StrCat(ms, "ms");
}

void StatementTimeout::Arm(absl::Duration timeout) {
  {
    absl::MutexLock lock(&mu_);
    expired_ = false;
    deadline_ = timeout == absl::ZeroDuration() ? absl::InfiniteFuture() : absl::Now() + timeout;
    if (deadline_ == absl::InfiniteFuture()) return;
  }
  armed_();
}

void StatementTimeout::Disarm() {
  absl::MutexLock lock(&mu_);
  deadline_ = absl::InfiniteFuture();
}

bool StatementTimeout::Expire(absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (deadline_ == absl::InfiniteFuture()) return false;
  if (now < deadline_) return true;
  deadline_ = absl::InfiniteFuture();
  expired_ = true;
  cancel_->store(true);
  return false;
}

bool StatementTimeout::expired() const {
  absl::MutexLock lock(&mu_);
  return expired_;
}

}  // namespace hindsight::server
