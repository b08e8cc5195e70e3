// The users file of `hindsight serve --users FILE`: one user a line,
//   NAME <TAB> read-write|read-only <TAB> SCRAM-SHA-256$...
// (the verifier, never the password). Lines starting with '#' and blank
// lines are ignored. Written with mode 0600, atomically and durably.
#ifndef HINDSIGHT_SERVER_USERS_FILE_H_
#define HINDSIGHT_SERVER_USERS_FILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/scram.h"

namespace hindsight::server {

struct User {
  std::string name;
  bool read_only = false;
  ScramVerifier verifier;
  std::string verifier_text;
};

// A user name: 1 to 63 bytes of UTF-8 without TAB, newline, NUL.
absl::Status ValidateUserName(const std::string& name);

// NotFound when the file does not exist; InvalidArgument "FILE:LINE:
// reason" for a malformed line.
absl::StatusOr<std::vector<User>> ReadUsersFile(const std::string& path);

// Replaces the file's contents with `users` (temporary file, fsync, rename,
// fsync of the directory), mode 0600.
absl::Status WriteUsersFile(const std::string& path, const std::vector<User>& users);

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_USERS_FILE_H_
