// hindsight check DB_DIR: reads a whole database and checks that it is
// sound (Database::Check).
#include <chrono>
#include <cstdio>
#include <string>

#include "command_line.h"
#include "commands.h"
#include "hindsight/db.h"

namespace hindsight::tools {
namespace {

constexpr char kHelp[] =
    "usage: hindsight check DB_DIR\n"
    "\n"
    "Reads the whole database and checks that it is sound: every table file\n"
    "against its checksums, the transaction log, each key's record with its index\n"
    "entries, older rows, the slice index against the keys' live segments, and\n"
    "that an erase would find every operation of the log (docs/operations.md).\n"
    "Prints each step as it starts (on standard error) and, when all is well,\n"
    "what it read. Exits 1 at the first damage found, saying where it is. Opens\n"
    "the database read-only, so it runs beside a server too. Takes a little longer\n"
    "than reading the database once.\n";

}  // namespace

int RunCheck(const Args& args) {
  CommandLine cl("check", kHelp);
  if (auto exit = cl.Parse(args, 1)) return *exit;
  const std::string& dir = cl.positional()[0];
  Options options;
  options.create_if_missing = false;
  options.read_only = true;
  options.block_cache_bytes = size_t{64} << 20;  // what the key indexes' point reads reuse; the rest is read once
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(dir, options);
  if (!db.ok()) {
    cl.Error(std::string(db.status().message()));
    return kExitFailure;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto seconds = [&start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  absl::StatusOr<CheckReport> report = (*db)->Check([&](std::string_view step) {
    std::fprintf(stderr, "hindsight check: %.1f s: %.*s\n", seconds(), static_cast<int>(step.size()), step.data());
  });
  if (!report.ok()) {
    cl.Error(absl::IsDataLoss(report.status()) ? std::string("damaged: ") + std::string(report.status().message())
                                                : std::string(report.status().message()));
    return kExitFailure;
  }
  std::printf(
      "%s is sound (%.1f s): %llu table files (%.1f MB) match their checksums; %llu transactions; %llu keys "
      "with their index entries, %llu live chunks and %llu chunks of older rows; %llu live segments, each in its "
      "slice bucket (%llu buckets)\n",
      dir.c_str(), seconds(), static_cast<unsigned long long>(report->table_files), report->table_bytes / 1e6,
      static_cast<unsigned long long>(report->transactions), static_cast<unsigned long long>(report->keys),
      static_cast<unsigned long long>(report->live_chunks), static_cast<unsigned long long>(report->older_rows),
      static_cast<unsigned long long>(report->live_segments), static_cast<unsigned long long>(report->slice_buckets));
  return kExitOk;
}

}  // namespace hindsight::tools
