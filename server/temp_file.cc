#include "server/temp_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/sql_error.h"

namespace hindsight::server {

absl::Status OpenUnnamedTempFile(const char* purpose, std::fstream* file) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string path = absl::StrCat(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp", "/hindsight-XXXXXX");
  const int fd = ::mkstemp(path.data());
  if (fd < 0) {
    return SqlError(absl::StatusCode::kInternal, "58030",
                    absl::StrCat("cannot make a file to ", purpose, " in ", path, ": ", std::strerror(errno)));
  }
  ::close(fd);
  file->open(path, std::ios::in | std::ios::out | std::ios::binary | std::ios::trunc);
  ::unlink(path.c_str());
  if (!*file)
    return SqlError(absl::StatusCode::kInternal, "58030", absl::StrCat("cannot open ", path, " to ", purpose));
  return absl::OkStatus();
}

}  // namespace hindsight::server
