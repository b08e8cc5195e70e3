// hindsight shell [options] DB_DIR   and   hindsight demo [options]
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "command_line.h"
#include "demo_data.h"
#include "format/importer.h"
#include "hindsight/db.h"
#include "shell/backend.h"
#include "shell/interrupt.h"
#include "shell/remote_backend.h"
#include "shell/shell.h"

namespace hindsight::tools {
namespace {

constexpr char kShellHelp[] =
    "usage: hindsight shell [-c STATEMENTS]... [-f FILE] [--format table|tsv|csv|json] [--bail] [--no-sync] DB_DIR\n"
    "       hindsight shell [options] postgresql://USER@HOST:PORT\n"
    "\n"
    "Opens the database in DB_DIR (creating it if needed; read-only beside a\n"
    "process that holds it) or connects to a 'hindsight serve', and runs\n"
    "statements of the query language (docs/query-language.md; type 'help'):\n"
    "  Syria * Ukraine at 2025-10-01 as of 2025-01-01;\n"
    "On a terminal it reads lines with editing, history (~/.hindsight_history) and\n"
    "tab completion of keywords and names. Otherwise it runs standard input as a\n"
    "script, each statement as soon as its last line is read (a program can write\n"
    "statements and read the answers). -c runs the given statements, -f the\n"
    "statements of FILE, then exits. On a server, a statement that finds the\n"
    "connection lost says so and connects again (a transaction that was open is\n"
    "gone with it).\n"
    "A script's errors name FILE:LINE; its exit status is 1 when any statement\n"
    "failed (--bail stops it at the first error). An interactive\n"
    "session ends with 0 (Ctrl-D, .quit or \\q). Ctrl-C cancels the line or the\n"
    "running read and keeps the session.\n"
    "\n"
    "  --no-sync   do not wait for each commit to reach the disk (faster; a crash\n"
    "              of the machine, not of the process, may lose the last commits)\n";

constexpr char kDemoHelp[] =
    "usage: hindsight demo [-c STATEMENTS]... [-f FILE] [--format table|tsv|csv|json] [--bail]\n"
    "\n"
    "Imports the built-in news demo (facts about Syria's relations from five news\n"
    "articles, each transaction dated with its article) into a fresh database in a\n"
    "temporary directory and opens the shell there, with three questions to try.\n";

constexpr char kDemoBanner[] =
    "Hindsight demo: 37 facts from five news articles about Syria (2024-2026), each\n"
    "recorded when its article appeared. Try:\n"
    "  Syria diplomatic_relations Ukraine at 2023-01-01;\n"
    "  Syria diplomatic_relations Ukraine at 2025-10-01 as of 2025-01-01;\n"
    "  timeline Syria diplomatic_relations *;\n"
    "Type 'help' for more, Ctrl-D to leave.\n";

struct ShellArgs {
  std::vector<std::string> commands;  // -c
  std::string file;                   // -f
  Format format = Format::kTable;
  bool bail = false;                  // --bail
};

// Declares the options shared by shell and demo and parses them; returns an
// exit status when the command must stop.
std::optional<int> ParseShellArgs(const Args& args, size_t positional_count, CommandLine* cl, ShellArgs* out) {
  std::string format = "table";
  cl->Values("-c", &out->commands);
  cl->Value("-f", &out->file);
  cl->Value("--format", &format);
  cl->Flag("--bail", &out->bail);
  if (auto exit = cl->Parse(args, positional_count)) return exit;
  static const std::pair<const char*, Format> kFormats[] = {
      {"table", Format::kTable}, {"tsv", Format::kTsv}, {"csv", Format::kCsv}, {"json", Format::kJson}};
  for (const auto& [name, f] : kFormats) {
    if (format == name) {
      out->format = f;
      return std::nullopt;
    }
  }
  cl->Error("--format is table, tsv, csv or json");
  return kExitUsage;
}

// The next line of standard input, as Shell::LineSource. What the lines
// before it printed is flushed first: a program that writes statements and
// reads their answers gets each answer before it writes the next.
bool ReadLineOfStandardInput(std::string* line) {
  std::fflush(stdout);
  char* buffer = nullptr;
  size_t capacity = 0;
  const ssize_t n = getline(&buffer, &capacity, stdin);
  if (n >= 0) line->assign(buffer, n > 0 && buffer[n - 1] == '\n' ? n - 1 : n);
  std::free(buffer);
  return n >= 0;
}

// Runs -c, -f, standard input or the interactive loop, as asked.
int RunShellOn(Backend* backend, const ShellArgs& args, const char* banner) {
  Shell shell(backend, stdout, stderr);
  shell.set_format(args.format);
  shell.set_bail(args.bail);
  bool ok = true;
  if (!args.commands.empty() || !args.file.empty()) {
    for (const std::string& c : args.commands) {
      if (!ok && args.bail) return kExitFailure;
      ok &= shell.RunScript(c);
    }
    if (!args.file.empty() && (ok || !args.bail)) {
      std::ifstream in(args.file, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "hindsight: cannot open '%s': %s\n", args.file.c_str(), std::strerror(errno));
        return kExitFailure;
      }
      std::stringstream ss;
      ss << in.rdbuf();
      ok &= shell.RunScript(ss.str(), args.file);
    }
  } else if (isatty(STDIN_FILENO)) {
    if (banner != nullptr) std::fputs(banner, stdout);
    shell.RunInteractive();  // a person ending a session is not a failure
  } else {
    ok = shell.RunLines(ReadLineOfStandardInput, "<stdin>");
  }
  return ok ? kExitOk : kExitFailure;
}

}  // namespace

int RunShell(const Args& args) {
  CommandLine cl("shell", kShellHelp);
  ShellArgs parsed;
  bool no_sync = false;
  cl.Flag("--no-sync", &no_sync);
  if (auto exit = ParseShellArgs(args, 1, &cl, &parsed)) return *exit;
  const std::string& target = cl.positional()[0];
  if (target.rfind("postgresql://", 0) == 0 || target.rfind("postgres://", 0) == 0) {
    absl::StatusOr<std::unique_ptr<RemoteBackend>> remote = RemoteBackend::Connect(target);
    if (!remote.ok()) {
      cl.Error(std::string(remote.status().message()));
      return kExitFailure;
    }
    return RunShellOn(remote->get(), parsed, nullptr);
  }
  Options options;
  options.sync = !no_sync;
  options.read_only_if_in_use = true;
  auto db = OpenOrCreate(cl, target, options);
  if (!db.ok()) {
    cl.Error(std::string(db.status().message()));
    return kExitFailure;
  }
  if (const absl::Status refusal = (*db)->WriteRefusal(); !refusal.ok()) {
    cl.Error(absl::IsResourceExhausted(refusal)
                 ? std::string(refusal.message())
                 : "another process holds this database (hindsight serve?): reading it read-only, up to date before "
                   "each statement; write through that process");
  }
  LocalBackend local(db->get(), target);
  return RunShellOn(&local, parsed, nullptr);
}

int RunDemo(const Args& args) {
  CommandLine cl("demo", kDemoHelp);
  ShellArgs parsed;
  if (auto exit = ParseShellArgs(args, 0, &cl, &parsed)) return *exit;
  // Ctrl-C, SIGTERM and SIGHUP end the demo the normal way, so its
  // temporary database is removed on every exit but SIGKILL.
  InstallInterruptHandlers();
  std::string dir = (std::filesystem::temp_directory_path() / "hindsight-demo-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) {
    cl.Error("cannot make a temporary directory");
    return kExitFailure;
  }
  int status = kExitFailure;
  {
    Options options;
    options.sync = false;
    auto db = Database::Open(dir + "/news", options);
    if (!db.ok()) {
      cl.Error(std::string(db.status().message()));
    } else {
      std::istringstream data{std::string(kDemoNewsOps)};
      internal::ImportCounts counts;
      const absl::Status s = internal::ImportOps(db->get(), &data, "demo/news.tsv", &counts);
      if (!s.ok()) {
        cl.Error(std::string(s.message()));
      } else {
        LocalBackend local(db->get(), dir + "/news");
        status = RunShellOn(&local, parsed, kDemoBanner);
      }
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return status;
}

}  // namespace hindsight::tools
