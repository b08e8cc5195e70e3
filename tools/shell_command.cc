// hindsight shell [options] DB_DIR   and   hindsight demo [options]
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "commands.h"
#include "demo_data.h"
#include "format/importer.h"
#include "hindsight/db.h"
#include "shell/shell.h"

namespace hindsight::tools {
namespace {

constexpr char kShellHelp[] =
    "usage: hindsight shell [-c STATEMENTS]... [-f FILE] [--format table|tsv|csv|json] DB_DIR\n"
    "\n"
    "Opens the database in DB_DIR (creating it if needed) and runs statements of\n"
    "the query language (docs/query-language.md; type 'help' inside):\n"
    "  Syria * Ukraine at 2025-10-01 as of 2025-01-01;\n"
    "On a terminal it reads lines with editing, history (~/.hindsight_history) and\n"
    "tab completion of keywords and names. Otherwise it runs standard input as a\n"
    "script. -c runs the given statements, -f the statements of FILE, then exits.\n"
    "The exit status is 1 when any statement failed.\n";

constexpr char kDemoHelp[] =
    "usage: hindsight demo [-c STATEMENTS]... [-f FILE] [--format table|tsv|csv|json]\n"
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
  std::vector<std::string> positional;
};

// Parses the options shared by shell and demo; returns an exit status on error.
std::optional<int> ParseShellArgs(const Args& args, const char* command, const char* help, ShellArgs* out) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "-c" && has_value) {
      out->commands.push_back(args[++i]);
    } else if (a == "-f" && has_value) {
      out->file = args[++i];
    } else if (a == "--format" && has_value) {
      const std::string& f = args[++i];
      if (f == "table") out->format = Format::kTable;
      else if (f == "tsv") out->format = Format::kTsv;
      else if (f == "csv") out->format = Format::kCsv;
      else if (f == "json") out->format = Format::kJson;
      else {
        std::fprintf(stderr, "hindsight %s: --format is table, tsv, csv or json\n", command);
        return kExitUsage;
      }
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "hindsight %s: unknown option '%s'\n\n%s", command, a.c_str(), help);
      return kExitUsage;
    } else {
      out->positional.push_back(a);
    }
  }
  return std::nullopt;
}

// Runs -c, -f, standard input or the interactive loop, as asked.
int RunShellOn(Database* db, const ShellArgs& args, const char* banner) {
  Shell shell(db, stdout, stderr);
  shell.set_format(args.format);
  bool ok = true;
  if (!args.commands.empty() || !args.file.empty()) {
    for (const std::string& c : args.commands) ok &= shell.RunScript(c);
    if (!args.file.empty()) {
      std::ifstream in(args.file, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "hindsight: cannot open '%s'\n", args.file.c_str());
        return kExitFailure;
      }
      std::stringstream ss;
      ss << in.rdbuf();
      ok &= shell.RunScript(ss.str());
    }
  } else if (isatty(STDIN_FILENO)) {
    if (banner != nullptr) std::fputs(banner, stdout);
    ok = shell.RunInteractive();
  } else {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    ok = shell.RunScript(ss.str());
  }
  return ok ? kExitOk : kExitFailure;
}

}  // namespace

int RunShell(const Args& args) {
  if (WantsHelp(args)) {
    std::fputs(kShellHelp, stdout);
    return kExitOk;
  }
  ShellArgs parsed;
  if (auto status = ParseShellArgs(args, "shell", kShellHelp, &parsed)) return *status;
  if (parsed.positional.size() != 1) {
    std::fputs(kShellHelp, stderr);
    return kExitUsage;
  }
  auto db = Database::Open(parsed.positional[0]);
  if (!db.ok()) {
    std::fprintf(stderr, "hindsight shell: %s\n", std::string(db.status().message()).c_str());
    return kExitFailure;
  }
  return RunShellOn(db->get(), parsed, nullptr);
}

int RunDemo(const Args& args) {
  if (WantsHelp(args)) {
    std::fputs(kDemoHelp, stdout);
    return kExitOk;
  }
  ShellArgs parsed;
  if (auto status = ParseShellArgs(args, "demo", kDemoHelp, &parsed)) return *status;
  if (!parsed.positional.empty()) {
    std::fputs(kDemoHelp, stderr);
    return kExitUsage;
  }
  std::string dir = (std::filesystem::temp_directory_path() / "hindsight-demo-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) {
    std::fprintf(stderr, "hindsight demo: cannot make a temporary directory\n");
    return kExitFailure;
  }
  int status = kExitFailure;
  {
    Options options;
    options.sync = false;
    auto db = Database::Open(dir + "/news", options);
    if (!db.ok()) {
      std::fprintf(stderr, "hindsight demo: %s\n", std::string(db.status().message()).c_str());
    } else {
      std::istringstream data{std::string(kDemoNewsOps)};
      internal::ImportCounts counts;
      const absl::Status s = internal::ImportOps(db->get(), &data, "demo/news.tsv", &counts);
      if (!s.ok()) {
        std::fprintf(stderr, "hindsight demo: %s\n", std::string(s.message()).c_str());
      } else {
        status = RunShellOn(db->get(), parsed, kDemoBanner);
      }
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return status;
}

}  // namespace hindsight::tools
