// Directory entries made durable the POSIX way. A created, renamed or
// removed name survives a power loss only once its directory is fsynced;
// RocksDB does this for the files inside a database, these helpers do it
// for the directories Hindsight itself creates and renames.
#ifndef HINDSIGHT_UTIL_DURABLE_FS_H_
#define HINDSIGHT_UTIL_DURABLE_FS_H_

#include <string>

#include "absl/status/status.h"

namespace hindsight::internal {

// fsync(2) of the directory `dir`: the names it holds now survive a power
// loss. Internal error with the system's reason on failure.
absl::Status SyncDirectory(const std::string& dir);

// Creates `dir` and each missing directory above it, fsyncing the parent of
// each one created (deepest last), so the whole chain survives a power loss.
// OK if `dir` already exists as a directory; FailedPrecondition if a
// component exists and is not a directory; Internal on a system error.
absl::Status CreateDirectoriesDurably(const std::string& dir);

// rename(2) of `from` to `to`, then fsync of the parent directory of each
// (once when they share it): on return the new name survives a power loss.
// Internal error with the system's reason when the rename fails (nothing was
// renamed) or a sync fails (the name may not survive a power loss).
absl::Status RenameDurably(const std::string& from, const std::string& to);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_UTIL_DURABLE_FS_H_
