#include "util/durable_fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "util/status_macros.h"

namespace hindsight::internal {
namespace {

std::string ParentOf(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

absl::Status SystemError(absl::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat("cannot ", what, " '", path, "': ", std::strerror(errno)));
}

}  // namespace

absl::Status SyncDirectory(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return SystemError("open directory", dir);
  const bool synced = fsync(fd) == 0;
  const int sync_errno = errno;
  close(fd);
  errno = sync_errno;
  return synced ? absl::OkStatus() : SystemError("sync directory", dir);
}

absl::Status CreateDirectoriesDurably(const std::string& dir) {
  // The missing directories, deepest first.
  std::vector<std::string> missing;
  for (std::string path = dir;; path = ParentOf(path)) {
    struct stat st;
    if (stat(path.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) return absl::FailedPreconditionError(absl::StrCat(path, " is not a directory"));
      break;
    }
    if (errno != ENOENT) return SystemError("inspect", path);
    missing.push_back(path);
    if (ParentOf(path) == path) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (mkdir(it->c_str(), 0755) != 0 && errno != EEXIST) return SystemError("create directory", *it);
    HS_RETURN_IF_ERROR(SyncDirectory(ParentOf(*it)));
  }
  return absl::OkStatus();
}

absl::Status RenameDurably(const std::string& from, const std::string& to) {
  if (rename(from.c_str(), to.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot rename '", from, "' to '", to, "': ", std::strerror(errno)));
  }
  const std::string to_parent = ParentOf(to);
  HS_RETURN_IF_ERROR(SyncDirectory(to_parent));
  const std::string from_parent = ParentOf(from);
  if (std::filesystem::path(from_parent).lexically_normal() == std::filesystem::path(to_parent).lexically_normal()) {
    return absl::OkStatus();
  }
  return SyncDirectory(from_parent);
}

}  // namespace hindsight::internal
