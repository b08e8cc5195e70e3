// hindsight import DB_DIR OPS_FILE
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "commands.h"
#include "format/ops_reader.h"
#include "hindsight/db.h"

namespace hindsight::tools {
namespace {

constexpr char kHelp[] =
    "usage: hindsight import [--no-sync] DB_DIR OPS_FILE\n"
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
    "              of the machine, not of the process, may lose the last commits)\n";

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int RunImport(const Args& args) {
  if (WantsHelp(args)) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  Options options;
  std::vector<std::string> positional;
  for (const std::string& a : args) {
    if (a == "--no-sync") {
      options.sync = false;
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "hindsight import: unknown option '%s'\n\n%s", a.c_str(), kHelp);
      return kExitUsage;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2) {
    std::fputs(kHelp, stderr);
    return kExitUsage;
  }
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
  internal::OpsReader reader(in, ops_path == "-" ? "<stdin>" : ops_path);
  uint64_t transactions = 0, operations = 0;
  bool saw_transaction = false;
  while (true) {
    absl::StatusOr<std::optional<internal::OpsBlock>> block = reader.Next();
    if (!block.ok()) {
      if (show_progress) std::fputs("\n", stderr);
      std::fprintf(stderr, "hindsight import: %s\n", std::string(block.status().message()).c_str());
      std::fprintf(stderr, "hindsight import: stopped; %llu transactions before it were committed\n",
                   static_cast<unsigned long long>(transactions));
      return kExitFailure;
    }
    if (!block->has_value()) break;
    saw_transaction = true;
    const internal::OpsBlock& b = **block;
    absl::StatusOr<TransactionInfo> info = (*db)->Commit(b.txn);
    if (!info.ok()) {
      if (show_progress) std::fputs("\n", stderr);
      std::fprintf(stderr, "hindsight import: %s:%d: %s\n", ops_path.c_str(), b.tx_line,
                   std::string(info.status().message()).c_str());
      std::fprintf(stderr, "hindsight import: stopped; %llu transactions before it were committed\n",
                   static_cast<unsigned long long>(transactions));
      return kExitFailure;
    }
    ++transactions;
    operations += b.txn.operations().size();
    if (show_progress && Seconds(last_progress) > 0.5) {
      last_progress = std::chrono::steady_clock::now();
      std::string line = absl::StrCat("\rimporting: ", transactions, " transactions, ", operations, " operations");
      if (total_bytes > 0) absl::StrAppend(&line, " (", reader.bytes_read() * 100 / total_bytes, "%)");
      std::fputs(line.c_str(), stderr);
    }
  }
  if (show_progress && transactions > 0) std::fputs("\r\033[K", stderr);
  if (!saw_transaction) {
    std::fprintf(stderr, "hindsight import: %s: no transactions (empty file?)\n", ops_path.c_str());
    return kExitFailure;
  }
  const double secs = Seconds(start);
  std::printf("imported %llu transactions, %llu operations in %.2f s (%.0f operations/s)\n",
              static_cast<unsigned long long>(transactions), static_cast<unsigned long long>(operations), secs,
              secs > 0 ? operations / secs : 0.0);
  return kExitOk;
}

}  // namespace hindsight::tools
