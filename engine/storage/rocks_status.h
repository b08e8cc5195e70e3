// The one translation of RocksDB statuses into absl::Status codes.
#ifndef HINDSIGHT_STORAGE_ROCKS_STATUS_H_
#define HINDSIGHT_STORAGE_ROCKS_STATUS_H_

#include <string_view>

#include <rocksdb/status.h>

#include "absl/status/status.h"

namespace hindsight::internal {

// Corruption becomes DataLoss, a held lock FailedPrecondition ("in use by
// another process"), a full disk ResourceExhausted, NotFound stays
// NotFound, anything else Internal or Unavailable. `context` prefixes the
// message.
absl::Status FromRocks(const rocksdb::Status& s, std::string_view context);

// Whether `s` says another process holds the database's lock.
bool IsLockHeld(const rocksdb::Status& s);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_ROCKS_STATUS_H_
