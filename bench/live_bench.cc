// hindsight-live-bench: commits into a live database. The second half of a
// workload, transaction by transaction, into a database holding the first
// half: `hindsight import` against SQLite applying each transaction in one
// SQL transaction, every history row of both compared afterwards.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "bench_common.h"
#include "format/ops_reader.h"
#include "format/replay.h"
#include "sqlite_peer.h"

namespace hindsight::bench {
namespace {

namespace fs = std::filesystem;

constexpr char kUsage[] =
    "usage: hindsight-live-bench [--scratch DIR] WORKLOAD_DIR\n"
    "\n"
    "Splits WORKLOAD_DIR/ops.tsv (from hindsight-workload) at the transaction\n"
    "boundary halfway through its transactions. Loads the first half into\n"
    "Hindsight (hindsight import into a new database) and the same history rows\n"
    "into SQLite (the macro bench's table and indexes). Then times the second\n"
    "half on both: hindsight import into the database holding the first half\n"
    "(transaction by transaction, in groups), and SQLite applying each\n"
    "transaction in one SQL transaction (per operation: end the overlapping\n"
    "rows, insert their pieces and the new row). Every history row of the two\n"
    "is compared afterwards; a difference ends the run with exit status 1.\n"
    "Prints progress on standard error and a Markdown table on standard output.\n";

bool IsTxLine(const std::string& line) { return line == "tx" || line.rfind("tx\t", 0) == 0; }

// Writes the lines of `ops_path` before the (n/2+1)-th of its n `tx` lines
// to `first_path`, the rest to `second_path`.
bool SplitWorkload(const std::string& ops_path, const std::string& first_path, const std::string& second_path) {
  size_t transactions = 0;
  std::string line;
  {
    std::ifstream in(ops_path);
    while (std::getline(in, line)) transactions += IsTxLine(line);
  }
  std::ifstream in(ops_path);
  std::ofstream first(first_path), second(second_path);
  size_t seen = 0;
  while (std::getline(in, line)) {
    seen += IsTxLine(line);
    (seen <= transactions / 2 ? first : second) << line << '\n';
  }
  return in.eof() && first.flush() && second.flush() && transactions >= 2;
}

// Applies every transaction of `ops_path` to `peer`; its operation count,
// or an error.
absl::StatusOr<uint64_t> ApplyFile(SqlitePeer* peer, const std::string& ops_path) {
  std::ifstream in(ops_path);
  internal::OpsReader reader(&in, ops_path);
  uint64_t operations = 0;
  for (;;) {
    absl::StatusOr<std::optional<internal::OpsBlock>> block = reader.Next();
    if (!block.ok()) return block.status();
    if (!block->has_value()) return operations;
    const Transaction& txn = (*block)->txn;
    if (!txn.time()) return absl::InvalidArgumentError("the SQLite peer needs every transaction's time");
    if (absl::Status s = peer->Apply(txn, *txn.time()); !s.ok()) return s;
    operations += txn.operations().size();
  }
}

std::string HindsightHistory(const std::string& dir, const Options& options) {
  const std::vector<HistoryRow> rows = (*Database::Open(dir, options))->History({}).value();
  std::string text;
  for (const HistoryRow& r : rows) internal::AppendHistoryRow(r, &text);
  return text;
}

// Reports the first line where `mine` and `theirs` differ; true if none.
bool SameHistory(const std::string& mine, const std::string& theirs) {
  if (mine == theirs) return true;
  size_t at = 0, line = 1;
  while (at < mine.size() && at < theirs.size() && mine[at] == theirs[at]) line += mine[at++] == '\n';
  const auto line_at = [&](const std::string& text) {
    const size_t begin = text.rfind('\n', at == 0 ? 0 : at - 1);
    const size_t from = begin == std::string::npos ? 0 : begin + 1;
    return text.substr(from, text.find('\n', from) - from);
  };
  std::fprintf(stderr, "bench: the history rows differ at row %zu:\nHindsight: %s\nSQLite:    %s\n", line,
               line_at(mine).c_str(), line_at(theirs).c_str());
  return false;
}

int Run(const std::string& workload, const std::string& scratch) {
  const std::string first = scratch + "/first.tsv", second = scratch + "/second.tsv",
                    hs_dir = scratch + "/hindsight-live", sqlite_path = scratch + "/sqlite-live.db";
  std::error_code ec;
  fs::create_directories(scratch, ec);
  fs::remove_all(hs_dir, ec);
  if (!SplitWorkload(workload + "/ops.tsv", first, second)) {
    std::fprintf(stderr, "bench: cannot split %s/ops.tsv into %s\n", workload.c_str(), scratch.c_str());
    return 1;
  }
  Options options;
  options.sync = false;                          // SQLite below runs with synchronous=OFF too
  options.block_cache_bytes = size_t{4} << 30;  // as SQLite's page cache
  options.commit_group_bytes = size_t{512} << 20;  // as hindsight import's default --memory 2G

  std::fprintf(stderr, "bench: loading the first half into Hindsight and SQLite...\n");
  internal::ImportCounts first_counts;
  if (ImportFile(first, hs_dir, internal::ImportMode::kAuto, options, &first_counts) < 0) return 1;
  auto sqlite = SqlitePeer::Create(sqlite_path);
  absl::Status s = sqlite.ok() ? (*sqlite)->Load((*Database::Open(hs_dir, options))->History({}).value())
                               : sqlite.status();
  if (!s.ok()) {
    std::fprintf(stderr, "bench: %s\n", std::string(s.message()).c_str());
    return 1;
  }

  std::fprintf(stderr, "bench: the second half into Hindsight (hindsight import into a database with data)...\n");
  internal::ImportCounts counts;
  const double hs_s = ImportFile(second, hs_dir, internal::ImportMode::kAuto, options, &counts);
  if (hs_s < 0) return 1;
  std::fprintf(stderr, "bench: ... %.2f s; into SQLite, one SQL transaction per transaction...\n", hs_s);
  const auto t0 = Clock::now();
  const absl::StatusOr<uint64_t> sqlite_ops = ApplyFile(sqlite->get(), second);
  const double sq_s = Since(t0);
  if (!sqlite_ops.ok()) {
    std::fprintf(stderr, "bench: %s\n", std::string(sqlite_ops.status().message()).c_str());
    return 1;
  }
  std::fprintf(stderr, "bench: ... %.2f s; comparing every history row...\n", sq_s);
  internal::FileQuery everything;
  everything.is_history = true;
  std::vector<SqlRow> rows;
  if (s = (*sqlite)->Answer(everything, &rows); !s.ok()) {
    std::fprintf(stderr, "bench: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  if (!SameHistory(HindsightHistory(hs_dir, options), FormatSqlRows(rows, true))) return 1;

  const double ops = static_cast<double>(counts.operations);
  std::printf(
      "Machine: %s. Workload: %s; the second half (%llu operations in %llu transactions) into a database holding "
      "the first (%llu operations); %zu history rows after, equal on both.\n\n"
      "| measure | Hindsight | SQLite | Hindsight / SQLite |\n|---|---:|---:|---:|\n"
      "| second half, transaction by transaction (s) | %.2f | %.2f | |\n"
      "| operations per second | %.0f | %.0f | %.2fx |\n",
      Machine().c_str(), fs::path(workload).filename().string().c_str(),
      static_cast<unsigned long long>(counts.operations), static_cast<unsigned long long>(counts.transactions),
      static_cast<unsigned long long>(first_counts.operations), rows.size(), hs_s, sq_s, ops / hs_s, ops / sq_s,
      sq_s / hs_s);
  return 0;
}

}  // namespace
}  // namespace hindsight::bench

int main(int argc, char** argv) {
  // As the hindsight program does (tools/main.cc): Debian's Abseil would
  // record every lock in a process-wide deadlock graph.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::string scratch = (std::filesystem::temp_directory_path() / "hindsight-live-bench").string(), workload;
  if (const std::optional<int> stop = hindsight::bench::ParseCommandLine(
          argc, argv, "hindsight-live-bench", hindsight::bench::kUsage, {{"--scratch", &scratch}}, &workload)) {
    return *stop;
  }
  return hindsight::bench::Run(workload, scratch);
}
