// hindsight import DB_DIR OPS_FILE
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "command_line.h"
#include "format/importer.h"
#include "hindsight/db.h"

namespace hindsight::tools {
namespace {

constexpr char kHelp[] =
    "usage: hindsight import [--no-sync] [--bulk] DB_DIR OPS_FILE\n"
    "\n"
    "Loads OPS_FILE (the operations format: tx / assert / retract / erase lines,\n"
    "see docs/formats.md; '-' reads standard input) into the database in DB_DIR,\n"
    "creating it if needed. Each tx block is committed as one transaction.\n"
    "\n"
    "On a bad line it stops with exit status 1 and 'OPS_FILE:LINE: reason'; the\n"
    "transaction holding that line is not applied, earlier ones stay committed.\n"
    "Shows progress on a terminal and ends with a one-line summary.\n"
    "\n"
    "  --no-sync   do not wait for each commit to reach the disk (faster; a crash\n"
    "              of the machine, not of the process, may lose the last commits)\n"
    "  --bulk      for a new database: read the whole file, then write sorted table\n"
    "              files directly (the same result, several times faster; nothing is\n"
    "              on disk until the end, and a bad line still keeps the transactions\n"
    "              before it)\n";

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int RunImport(const Args& args) {
  CommandLine cl("import", kHelp);
  bool no_sync = false, bulk = false;
  cl.Flag("--no-sync", &no_sync);
  cl.Flag("--bulk", &bulk);
  if (auto exit = cl.Parse(args, 2)) return *exit;
  Options options;
  options.sync = !no_sync;
  const std::vector<std::string>& positional = cl.positional();
  const std::string& db_dir = positional[0];
  const std::string& ops_path = positional[1];

  std::ifstream file;
  std::istream* in = &std::cin;
  int64_t total_bytes = 0;
  if (ops_path != "-") {
    file.open(ops_path, std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "hindsight import: cannot open '%s'\n", ops_path.c_str());
      return kExitFailure;
    }
    file.seekg(0, std::ios::end);
    total_bytes = file.tellg();
    file.seekg(0);
    in = &file;
  }
  auto db = Database::Open(db_dir, options);
  if (!db.ok()) {
    std::fprintf(stderr, "hindsight import: %s\n", std::string(db.status().message()).c_str());
    return kExitFailure;
  }

  const bool show_progress = isatty(STDERR_FILENO);
  const auto start = std::chrono::steady_clock::now();
  auto last_progress = start;
  internal::ImportCounts counts;
  const absl::Status status = internal::ImportOps(
      db->get(), in, ops_path == "-" ? "<stdin>" : ops_path, &counts, [&](const internal::ImportCounts& c) {
        if (!show_progress || Seconds(last_progress) < 0.5) return;
        last_progress = std::chrono::steady_clock::now();
        std::string line = absl::StrCat("\rimporting: ", c.transactions, " transactions, ", c.operations, " operations");
        if (total_bytes > 0) absl::StrAppend(&line, " (", c.bytes_read * 100 / total_bytes, "%)");
        std::fputs(line.c_str(), stderr);
      },
      bulk);
  if (show_progress && counts.transactions > 0) std::fputs("\r\033[K", stderr);
  if (!status.ok()) {
    std::fprintf(stderr, "hindsight import: %s\n", std::string(status.message()).c_str());
    if (counts.transactions > 0 || !absl::StrContains(status.message(), "no transactions")) {
      std::fprintf(stderr, "hindsight import: stopped; %llu transactions before it were committed\n",
                   static_cast<unsigned long long>(counts.transactions));
    }
    return kExitFailure;
  }
  const uint64_t transactions = counts.transactions, operations = counts.operations;
  const double secs = Seconds(start);
  std::printf("imported %llu transactions, %llu operations in %.2f s (%.0f operations/s)\n",
              static_cast<unsigned long long>(transactions), static_cast<unsigned long long>(operations), secs,
              secs > 0 ? operations / secs : 0.0);
  return kExitOk;
}

}  // namespace hindsight::tools
