// hindsight user add|remove FILE NAME
#include <sys/stat.h>

#include <cstdio>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "command_line.h"
#include "server/users_file.h"

namespace hindsight::tools {
namespace {

constexpr char kHelp[] =
    "usage: hindsight user add [--read-only] FILE NAME\n"
    "       hindsight user remove FILE NAME\n"
    "\n"
    "Keeps the users file of 'hindsight serve --users FILE'. add reads the password\n"
    "from the first line of standard input and stores a SCRAM-SHA-256 verifier\n"
    "(salted, iterated; never the password), replacing the user's entry if there is\n"
    "one; FILE is created with mode 0600. --read-only users can read but not write.\n"
    "remove deletes the user's entry. A running server reads the file again on\n"
    "SIGHUP (kill -HUP PID): the change holds for the connections that come next.\n";

}  // namespace

int RunUser(const Args& args) {
  CommandLine cl("user", kHelp);
  bool read_only = false;
  cl.Flag("--read-only", &read_only);
  if (auto exit = cl.Parse(args, 3)) return *exit;
  const std::string& action = cl.positional()[0];
  const std::string& path = cl.positional()[1];
  const std::string& name = cl.positional()[2];
  if (action != "add" && action != "remove") {
    cl.Error(absl::StrCat("the action is add or remove, not '", action, "'"));
    return kExitUsage;
  }
  if (absl::Status s = server::ValidateUserName(name); !s.ok()) {
    cl.Error(std::string(s.message()));
    return kExitUsage;
  }
  absl::StatusOr<std::vector<server::User>> users = server::ReadUsersFile(path);
  if (!users.ok() && !(absl::IsNotFound(users.status()) && action == "add")) {
    cl.Error(std::string(users.status().message()));
    return kExitFailure;
  }
  std::vector<server::User> kept;
  bool found = false;
  for (server::User& u : users.ok() ? *users : kept) {
    if (u.name == name) {
      found = true;
    } else if (users.ok()) {
      kept.push_back(std::move(u));
    }
  }
  if (action == "remove" && !found) {
    cl.Error(absl::StrCat("no user '", name, "' in ", path));
    return kExitFailure;
  }
  if (action == "add") {
    std::string password;
    if (!std::getline(std::cin, password) || password.empty()) {
      cl.Error("no password on standard input (one line)");
      return kExitFailure;
    }
    absl::StatusOr<std::string> verifier = server::MakeScramVerifier(password);
    if (!verifier.ok()) {
      cl.Error(std::string(verifier.status().message()));
      return kExitFailure;
    }
    kept.push_back({name, read_only, *server::ParseScramVerifier(*verifier), *verifier});
  }
  if (absl::Status s = server::WriteUsersFile(path, kept); !s.ok()) {
    cl.Error(std::string(s.message()));
    return kExitFailure;
  }
  std::printf("%s user %s in %s\n", action == "add" ? (found ? "replaced" : "added") : "removed", name.c_str(),
              path.c_str());
  return kExitOk;
}

}  // namespace hindsight::tools
