#include "storage/rocks_status.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace hindsight::internal {

absl::Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return absl::OkStatus();
  const std::string msg = absl::StrCat(std::string(context), ": ", s.ToString());
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (IsLockHeld(s)) {
    return absl::FailedPreconditionError(
        absl::StrCat(std::string(context), ": the database is in use by another process (", s.ToString(), ")"));
  }
  if (s.IsNoSpace()) {
    return absl::ResourceExhaustedError(absl::StrCat(std::string(context), ": the disk is full (", s.ToString(), ")"));
  }
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(msg);
  if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) return absl::UnavailableError(msg);
  return absl::InternalError(msg);
}

bool IsLockHeld(const rocksdb::Status& s) {
  // RocksDB reports a held LOCK file as an IOError naming the lock.
  return s.IsIOError() && absl::StrContains(s.ToString(), "lock");
}

}  // namespace hindsight::internal
