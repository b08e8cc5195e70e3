// hindsight import DB_DIR OPS_FILE
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "command_line.h"
#include "format/importer.h"
#include "hindsight/db.h"
#include "util/plural.h"

namespace hindsight::tools {
namespace {

constexpr char kHelp[] =
    "usage: hindsight import [--no-sync] [--bulk | --commits | --atomic] [--memory SIZE] DB_DIR OPS_FILE\n"
    "\n"
    "Loads OPS_FILE (the operations format: tx / assert / retract / erase lines,\n"
    "see docs/formats.md; '-' reads standard input) into the database in DB_DIR,\n"
    "creating it if needed. Each tx block is committed as one transaction.\n"
    "\n"
    "Into a database without transactions it bulk loads: the file is read as it\n"
    "goes and written as sorted table files, about 1 GiB of changes at a time.\n"
    "Into one with data it commits in groups of transactions, each group one\n"
    "atomic write. Either way the result is the same as committing each block in\n"
    "turn, and a crash keeps whole transactions, a prefix of the file.\n"
    "\n"
    "On a bad line it stops with exit status 1 and 'OPS_FILE:LINE: reason'; the\n"
    "transaction holding that line is not applied, earlier ones stay committed.\n"
    "Fix the line and run the same command again: the transactions the database\n"
    "already has from the file (the same times, sources and operations, checked\n"
    "against its log) are skipped, and the import goes on from there. A database\n"
    "that holds another history than the file is refused, with nothing imported.\n"
    "Shows progress on a terminal and ends with a one-line summary.\n"
    "\n"
    "  --bulk      bulk load, also into a database with data\n"
    "  --commits   commit in groups, also into a new database\n"
    "  --atomic    all or nothing: every transaction is checked before any is\n"
    "              written, then all are written as one batch (the whole file's\n"
    "              changes are held in memory)\n"
    "  --memory SIZE  about the memory the import uses (default 2G; K, M, G): half\n"
    "              for the changes it holds before it writes them (a bulk load's,\n"
    "              or a group of commits'), a quarter for cached reads\n"
    "  --no-sync   do not wait for each write to reach the disk (faster; a crash\n"
    "              of the machine, not of the process, may lose the last ones)\n";

// What the command line asks for.
struct ImportRequest {
  Options options;
  internal::ImportOptions import;
  std::string db_dir, ops_path;
};

// Reads the command line into `*request`; an exit status when the import
// is not to run (help, or a usage error, reported).
std::optional<int> ParseImportArgs(const Args& args, ImportRequest* request) {
  CommandLine cl("import", kHelp);
  bool no_sync = false, bulk = false, commits = false, atomic = false;
  cl.Flag("--no-sync", &no_sync);
  cl.Flag("--bulk", &bulk);
  cl.Flag("--commits", &commits);
  cl.Flag("--atomic", &atomic);
  std::string memory;
  cl.Value("--memory", &memory);
  if (auto exit = cl.Parse(args, 2)) return *exit;
  if (bulk + commits + atomic > 1) {
    std::fprintf(stderr, "hindsight import: --bulk, --commits and --atomic exclude each other\n");
    return kExitUsage;
  }
  const std::optional<size_t> bytes = ParseSize(memory.empty() ? "2G" : memory);
  if (!bytes) {
    std::fprintf(stderr, "hindsight import: --memory wants a size such as 512M or 2G, not '%s'\n", memory.c_str());
    return kExitUsage;
  }
  request->options.sync = !no_sync;
  request->options.bulk_load_memory_bytes = *bytes / 2;
  request->options.commit_group_bytes = atomic ? SIZE_MAX : *bytes / 2;  // atomic: one batch
  request->options.block_cache_bytes = *bytes / 4;
  request->options.row_cache_bytes = 0;  // each record is read once
  request->import.mode = bulk      ? internal::ImportMode::kBulk
                         : commits ? internal::ImportMode::kCommits
                                   : internal::ImportMode::kAuto;
  request->import.atomic = atomic;
  request->db_dir = cl.positional()[0];
  request->ops_path = cl.positional()[1];
  return std::nullopt;
}

// Opens `path` into `*file` ('-': standard input); `*in` is what to read,
// `*total_bytes` its size (0 when unknown). False, reported, if it cannot.
bool OpenOps(const std::string& path, std::ifstream* file, std::istream** in, int64_t* total_bytes) {
  *in = &std::cin;
  *total_bytes = 0;
  if (path == "-") return true;
  file->open(path, std::ios::binary);
  if (!*file) {
    std::fprintf(stderr, "hindsight import: cannot open '%s'\n", path.c_str());
    return false;
  }
  file->seekg(0, std::ios::end);
  *total_bytes = file->tellg();
  file->seekg(0);
  *in = file;
  return true;
}

// A progress line on a terminal, redrawn at most twice a second.
class ImportProgress {
 public:
  explicit ImportProgress(int64_t total_bytes) : total_bytes_(total_bytes) {}
  void Show(const internal::ImportCounts& c) {
    if (!shown_ || SecondsSince(last_) < 0.5) return;
    last_ = std::chrono::steady_clock::now();
    std::string line = absl::StrCat("\rimporting: ", c.transactions, " transactions, ", c.operations, " operations");
    if (total_bytes_ > 0) absl::StrAppend(&line, " (", c.bytes_read * 100 / total_bytes_, "%)");
    std::fputs(line.c_str(), stderr);
  }
  void Erase(const internal::ImportCounts& c) const {
    if (shown_ && c.transactions > 0) std::fputs("\r\033[K", stderr);
  }

 private:
  const int64_t total_bytes_;
  const bool shown_ = isatty(STDERR_FILENO);
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

unsigned long long Ull(uint64_t n) { return static_cast<unsigned long long>(n); }

// Says why the import stopped, and what of the file the database holds.
void ReportFailure(const absl::Status& status, const internal::ImportCounts& counts, bool atomic) {
  std::fprintf(stderr, "hindsight import: %s\n", std::string(status.message()).c_str());
  if (counts.skipped > 0) {
    std::fprintf(stderr, "hindsight import: the first %s of the file %s already in the database\n",
                 internal::Plural(counts.skipped, "transaction").c_str(), counts.skipped == 1 ? "was" : "were");
  }
  if (atomic) {
    std::fprintf(stderr, "hindsight import: nothing was imported (--atomic)\n");
  } else {
    // What to do before running it again: the file is at fault, the disk, or neither.
    const char* first = absl::IsInvalidArgument(status)      ? "fix the file and "
                        : absl::IsResourceExhausted(status) ? "free space on the disk and "
                                                            : "";
    if (counts.transactions > 0) {
      std::fprintf(stderr,
                   "hindsight import: stopped; the %s before it %s committed: %srun the same command again to "
                   "import the rest\n",
                   internal::Plural(counts.transactions, "transaction").c_str(),
                   counts.transactions == 1 ? "was" : "were", first);
    } else {
      std::fprintf(stderr, "hindsight import: nothing was imported: %srun the same command again\n", first);
    }
  }
}

void ReportSuccess(const internal::ImportCounts& counts, double secs) {
  if (counts.skipped > 0) {
    std::printf("skipped the first %s of the file: the database has them (transactions %llu..%llu)\n",
                internal::Plural(counts.skipped, "transaction").c_str(), Ull(counts.skipped_from),
                Ull(counts.skipped_from + counts.skipped - 1));
  }
  std::printf("imported %s, %s in %.2f s (%.0f operations/s)\n",
              internal::Plural(counts.transactions, "transaction").c_str(),
              internal::Plural(counts.operations, "operation").c_str(), secs,
              secs > 0 ? counts.operations / secs : 0.0);
}

}  // namespace

int RunImport(const Args& args) {
  ImportRequest request;
  if (const std::optional<int> exit = ParseImportArgs(args, &request)) return *exit;
  std::ifstream file;
  std::istream* in = nullptr;
  int64_t total_bytes = 0;
  if (!OpenOps(request.ops_path, &file, &in, &total_bytes)) return kExitFailure;
  std::error_code ec;
  const bool new_directory = !std::filesystem::exists(request.db_dir, ec);
  request.options.upgrade_notes = [](std::string_view note) {
    std::fprintf(stderr, "hindsight import: %.*s\n", static_cast<int>(note.size()), note.data());
  };
  auto db = Database::Open(request.db_dir, request.options);
  if (!db.ok()) {
    std::fprintf(stderr, "hindsight import: %s\n", std::string(db.status().message()).c_str());
    if (absl::IsFailedPrecondition(db.status())) {  // held by another process
      std::fprintf(stderr,
                   "hindsight import: if `hindsight serve` has it, load the file through the server: psql URI -c "
                   "\"\\copy operations from '%s'\" (docs/server.md)\n",
                   request.ops_path.c_str());
    }
    return kExitFailure;
  }
  const auto start = std::chrono::steady_clock::now();
  ImportProgress progress(total_bytes);
  internal::ImportCounts counts;
  const absl::Status status =
      internal::ImportOps(db->get(), in, request.ops_path == "-" ? "<stdin>" : request.ops_path, &counts,
                          [&](const internal::ImportCounts& c) { progress.Show(c); }, request.import);
  progress.Erase(counts);
  if (!status.ok()) {
    ReportFailure(status, counts, request.import.atomic);
    if (new_directory && counts.transactions == 0) {  // leave nothing behind
      db->reset();
      std::filesystem::remove_all(request.db_dir, ec);
    }
    return kExitFailure;
  }
  ReportSuccess(counts, SecondsSince(start));
  return kExitOk;
}

}  // namespace hindsight::tools
