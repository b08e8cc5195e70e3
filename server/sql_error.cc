#include "server/sql_error.h"

#include "absl/strings/cord.h"
#include "query/statement.h"

namespace hindsight::server {
namespace {

constexpr char kSqlStatePayload[] = "hindsight.sqlstate";
constexpr char kHintPayload[] = "hindsight.hint";

}  // namespace

absl::Status SqlError(absl::StatusCode code, std::string_view sqlstate, std::string_view message) {
  return WithSqlState(absl::Status(code, absl::string_view(message.data(), message.size())), sqlstate);
}

absl::Status WithSqlState(absl::Status s, std::string_view sqlstate) {
  s.SetPayload(kSqlStatePayload, absl::Cord(absl::string_view(sqlstate.data(), sqlstate.size())));
  return s;
}

std::string SqlStateOf(const absl::Status& s) {
  if (auto payload = s.GetPayload(kSqlStatePayload)) return std::string(*payload);
  switch (s.code()) {
    case absl::StatusCode::kCancelled:
      return "57014";
    case absl::StatusCode::kInvalidArgument:
      if (internal::IsTimeLiteralError(s)) return "22007";
      return internal::ErrorColumn(s) ? "42601" : "22023";
    case absl::StatusCode::kNotFound:
      return "22023";
    case absl::StatusCode::kFailedPrecondition:
      return "25000";
    case absl::StatusCode::kUnimplemented:
      return "0A000";
    case absl::StatusCode::kAborted:  // a cluster commit that lost the race to the log too often
      return "40001";
    case absl::StatusCode::kUnavailable:  // a cluster commit the log did not acknowledge in time
      return "40003";
    case absl::StatusCode::kDeadlineExceeded:  // await tx
      return "57014";
    case absl::StatusCode::kResourceExhausted:  // the engine's: a full disk
      return "53100";
    default:
      return "XX000";
  }
}

absl::Status WithHint(absl::Status s, std::string_view hint) {
  s.SetPayload(kHintPayload, absl::Cord(absl::string_view(hint.data(), hint.size())));
  return s;
}

std::optional<std::string> HintOf(const absl::Status& s) {
  if (auto payload = s.GetPayload(kHintPayload)) return std::string(*payload);
  return std::nullopt;
}

}  // namespace hindsight::server
