#include "server/users_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "hindsight/fact.h"
#include "util/durable_fs.h"

namespace hindsight::server {

absl::Status ValidateUserName(const std::string& name) {
  if (name.empty() || name.size() > 63) return absl::InvalidArgumentError("a user name has 1 to 63 bytes");
  if (name.find_first_of(std::string("\t\n\r\0", 4)) != std::string::npos || !IsValidUtf8(name)) {
    return absl::InvalidArgumentError("a user name is UTF-8 without TAB, newline or NUL");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<User>> ReadUsersFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no users file '", path, "'"));
    return absl::FailedPreconditionError(absl::StrCat("cannot open '", path, "': ", std::strerror(errno)));
  }
  std::vector<User> users;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> f = absl::StrSplit(line, '\t');
    const auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", number, ": ", why));
    };
    if (f.size() != 3) return bad("expected NAME<TAB>read-write|read-only<TAB>verifier");
    if (absl::Status s = ValidateUserName(f[0]); !s.ok()) return bad(s.message());
    if (f[1] != "read-write" && f[1] != "read-only") return bad("the role is read-write or read-only");
    absl::StatusOr<ScramVerifier> v = ParseScramVerifier(f[2]);
    if (!v.ok()) return bad(v.status().message());
    users.push_back({f[0], f[1] == "read-only", *v, f[2]});
  }
  return users;
}

absl::Status WriteUsersFile(const std::string& path, const std::vector<User>& users) {
  std::string text = "# Hindsight users: NAME<TAB>read-write|read-only<TAB>SCRAM-SHA-256 verifier (hindsight user)\n";
  for (const User& u : users) {
    absl::StrAppend(&text, u.name, "\t", u.read_only ? "read-only" : "read-write", "\t", u.verifier_text, "\n");
  }
  const std::string tmp = absl::StrCat(path, ".tmp-", getpid());
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::FailedPreconditionError(absl::StrCat("cannot create '", tmp, "': ", std::strerror(errno)));
  const bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
  const int saved = errno;
  close(fd);
  if (!written) {
    unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat("cannot write '", tmp, "': ", std::strerror(saved)));
  }
  return internal::RenameDurably(tmp, path);
}

}  // namespace hindsight::server
