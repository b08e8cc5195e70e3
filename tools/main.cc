// hindsight: the command-line tool of the Hindsight bitemporal database.
#include <cstdio>
#include <cstring>
#include <string>

#include "absl/synchronization/mutex.h"
#include "commands.h"
#include "terminal_text.h"

namespace hindsight::tools {

bool WantsHelp(const Args& args) {
  for (const std::string& a : args) {
    if (a == "--") return false;  // the end of the options
    if (a == "-h" || a == "--help") return true;
  }
  return false;
}

namespace {

constexpr char kUsage[] =
    "usage: hindsight COMMAND [ARGS]\n"
    "\n"
    "Hindsight keeps facts with valid time and transaction time and answers\n"
    "\"what was true at X\" and \"what did we believe at T about X\".\n"
    "\n"
    "commands:\n"
    "  demo                         open the shell on the built-in news demo\n"
    "  shell DB_DIR                 the interactive shell (statements, history, completion)\n"
    "  import DB_DIR OPS_FILE       load an operations file (- for standard input)\n"
    "  replay DB_DIR QUERY_FILE     answer a query file in the expected-answer format\n"
    "  query DB_DIR 'STATEMENT'     answer one query and print a table\n"
    "  log DB_DIR                   list the committed transactions\n"
    "  compact DB_DIR|URI           rewrite the files so erased data leaves the disk\n"
    "  check DB_DIR                 read the whole database and check that it is sound\n"
    "  serve DB_DIR                 serve the database over the PostgreSQL protocol\n"
    "  user add|remove FILE NAME    keep the users file of serve --users\n"
    "  status HOST:PORT...          each server's last transaction; a cluster node's lag\n"
    "  checkpoint DB_DIR|URI OUT_DIR  write a consistent copy (to start a cluster node from)\n"
    "  cluster init DB_DIR --nats URL  put a database's log on a stream: the first node\n"
    "  cluster trim DB_DIR --nats URL  drop the stream's entries a checkpoint holds\n"
    "\n"
    "'hindsight COMMAND --help' describes one command.\n";

}  // namespace
}  // namespace hindsight::tools

int main(int argc, char** argv) {
  using namespace hindsight::tools;
  UseUtf8Locale();
  // Debian builds Abseil with assertions on, which also makes every mutex
  // acquisition record itself in a process-wide lock-order graph (behind
  // one global lock) to detect deadlocks: a cost a release build of
  // Abseil does not pay, and the server's threads would pay on every read.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::string command = argv[1];
  if (command == "--version" || command == "-V" || command == "version") {
    std::printf("hindsight %s\n", HINDSIGHT_VERSION);
    return kExitOk;
  }
  if (command == "-h" || command == "--help" || command == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  const Args args(argv + 2, argv + argc);
  if (command == "import") return RunImport(args);
  if (command == "replay") return RunReplay(args);
  if (command == "query") return RunQuery(args);
  if (command == "log") return RunLog(args);
  if (command == "shell") return RunShell(args);
  if (command == "demo") return RunDemo(args);
  if (command == "compact") return RunCompact(args);
  if (command == "check") return RunCheck(args);
  if (command == "serve") return RunServe(args);
  if (command == "user") return RunUser(args);
  if (command == "status") return RunStatus(args);
  if (command == "checkpoint") return RunCheckpoint(args);
  if (command == "cluster") return RunCluster(args);
  std::fprintf(stderr, "hindsight: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return kExitUsage;
}
