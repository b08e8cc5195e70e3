// hindsight-bench: the workload macro benchmark. Imports a generated workload
// into Hindsight and the same bitemporal rows into SQLite, runs every query
// class on both (answers checked equal), and prints a Markdown table of the
// figures and the ratios SQLite / Hindsight, measured in the same run.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench_common.h"
#include "format/importer.h"
#include "format/query_file.h"
#include "format/replay.h"
#include "hindsight/db.h"
#include "sqlite_peer.h"

namespace hindsight::bench {
namespace {

namespace fs = std::filesystem;

constexpr char kUsage[] =
    "usage: hindsight-bench [--scratch DIR] [--threads N] [--results FILE] WORKLOAD_DIR\n"
    "\n"
    "WORKLOAD_DIR holds ops.tsv and q_*.tsv from hindsight-workload (bench/workload).\n"
    "Prints a progress line per phase on standard error and a Markdown table on\n"
    "standard output: import time, bytes on disk, and per query class the median,\n"
    "p99 and queries per second (one thread, and N reader threads, default 2) for\n"
    "Hindsight and SQLite, with the ratios SQLite / Hindsight. Every answer of both\n"
    "is compared; a difference ends the run with exit status 1.\n"
    "--results FILE also writes every figure as MEASURE<TAB>HINDSIGHT<TAB>SQLITE\n"
    "lines (what bench/scale.sh plots).\n"
    "bench/run.sh generates a workload and runs this.\n";

int64_t DirBytes(const std::string& dir) {
  int64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += static_cast<int64_t>(e.file_size());
  }
  return total;
}

struct Latency {
  double median_us = 0, p99_us = 0, qps_one = 0, qps_many = 0;
};

Latency Summarize(std::vector<double> us, double total_s) {
  Latency l;
  if (us.empty()) return l;
  std::sort(us.begin(), us.end());
  l.median_us = us[us.size() / 2];
  l.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  l.qps_one = static_cast<double>(us.size()) / total_s;
  return l;
}

// Runs `answer(i)` for every query index, timing each; then again from
// `threads` threads at once for the throughput.
template <typename MakeAnswerer>
Latency Measure(size_t n, int threads, MakeAnswerer make) {
  auto answer = make();
  std::vector<double> us;
  us.reserve(n);
  const auto t0 = Clock::now();
  for (size_t i = 0; i < n; ++i) {
    const auto q0 = Clock::now();
    answer(i);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - q0).count());
  }
  Latency l = Summarize(std::move(us), Since(t0));
  std::atomic<size_t> next{0};
  const auto t1 = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      auto mine = make();
      for (size_t i; (i = next.fetch_add(1)) < n;) mine(i);
    });
  }
  for (std::thread& t : pool) t.join();
  l.qps_many = static_cast<double>(n) / Since(t1);
  return l;
}

// Imports the workload into a new database at `dir` (`mode` as
// `hindsight import` has it); the seconds it took, or -1.
double Import(const std::string& workload, const std::string& dir, internal::ImportMode mode,
              const Options& options, internal::ImportCounts* counts) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  return ImportFile(workload + "/ops.tsv", dir, mode, options, counts);
}

int Run(const std::string& workload, const std::string& scratch, int threads, const std::string& results_path) {
  const std::string hs_dir = scratch + "/hindsight-db", commits_dir = scratch + "/hindsight-by-commits",
                    sqlite_path = scratch + "/sqlite.db";
  std::error_code ec;
  fs::create_directories(scratch, ec);

  // Import: bulk (what `hindsight import` does into a new database), and
  // by commits in groups (what it does into one with data).
  Options options;
  options.sync = false;                          // SQLite below runs with synchronous=OFF too
  options.block_cache_bytes = size_t{4} << 30;  // as SQLite's page cache
  internal::ImportCounts counts;
  std::fprintf(stderr, "bench: importing %s/ops.tsv into Hindsight (hindsight import)...\n", workload.c_str());
  const double hs_import_s = Import(workload, hs_dir, internal::ImportMode::kBulk, options, &counts);
  std::fprintf(stderr, "bench: ... and again by commits (hindsight import --commits)...\n");
  const double commits_import_s = Import(workload, commits_dir, internal::ImportMode::kCommits, options, &counts);
  if (hs_import_s < 0 || commits_import_s < 0) return 1;
  const int64_t hs_bytes = DirBytes(hs_dir);
  auto db = Database::Open(hs_dir, options);
  auto by_commits = Database::Open(commits_dir, options);
  if (!db.ok() || !by_commits.ok()) return 1;
  std::vector<HistoryRow> rows = (*db)->History({}).value();
  std::fprintf(stderr, "bench: Hindsight imported %llu operations in %.2f s (%zu history rows, %.1f MB); by commits in %.2f s\n",
               static_cast<unsigned long long>(counts.operations), hs_import_s, rows.size(), hs_bytes / 1e6,
               commits_import_s);

  std::fprintf(stderr, "bench: loading the same %zu rows into SQLite...\n", rows.size());
  const auto t0 = Clock::now();
  auto sqlite = SqlitePeer::Create(sqlite_path);
  absl::Status load = sqlite.ok() ? (*sqlite)->Load(rows) : sqlite.status();
  if (!load.ok()) {
    std::fprintf(stderr, "bench: %s\n", std::string(load.message()).c_str());
    return 1;
  }
  const double sq_import_s = Since(t0);
  const int64_t sq_bytes = (*sqlite)->FileBytes();
  std::fprintf(stderr, "bench: SQLite loaded and indexed in %.2f s (%.1f MB)\n", sq_import_s, sq_bytes / 1e6);
  const size_t history_rows = rows.size();
  rows.clear();
  rows.shrink_to_fit();
  std::string results = absl::StrFormat(
      "operations\t%llu\t%llu\nhistory_rows\t%zu\t%zu\nimport_s\t%.3f\t%.3f\nbytes\t%lld\t%lld\n",
      static_cast<unsigned long long>(counts.operations), static_cast<unsigned long long>(counts.operations),
      history_rows, history_rows, hs_import_s, sq_import_s, static_cast<long long>(hs_bytes),
      static_cast<long long>(sq_bytes));

  std::string table = absl::StrFormat(
      "Machine: %s. Workload: %s (%llu operations, %llu transactions). One process; %d reader threads for the "
      "threaded figures.\n\n"
      "| measure | Hindsight | SQLite | SQLite / Hindsight |\n|---|---:|---:|---:|\n"
      "| import, ready to query (s) | %.2f | %.2f | %.2fx |\n"
      "| import by commits, ready to query (s) | %.2f | | %.2fx |\n"
      "| bytes on disk (MB) | %.1f | %.1f | %.2fx |\n\n"
      "| class | queries | rows | Hindsight median µs | p99 µs | QPS 1 thread | QPS %d threads | SQLite median µs "
      "| p99 µs | QPS 1 thread | QPS %d threads | ratio of medians | built by commits: median µs | ratio |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
      Machine(), fs::path(workload).filename().string(), static_cast<unsigned long long>(counts.operations),
      static_cast<unsigned long long>(counts.transactions), threads, hs_import_s, sq_import_s,
      sq_import_s / hs_import_s, commits_import_s, sq_import_s / commits_import_s, hs_bytes / 1e6, sq_bytes / 1e6, static_cast<double>(sq_bytes) / hs_bytes, threads,
      threads);

  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(workload)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("q_", 0) == 0 && name.ends_with(".tsv")) files.push_back(name);
  }
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) {
    std::ifstream in(workload + "/" + file);
    std::vector<internal::FileQuery> queries;
    for (internal::ParsedQuery& q : internal::ReadQueryFile(&in)) {
      if (q.query.ok()) queries.push_back(std::move(*q.query));
    }
    const std::string cls = file.substr(0, file.size() - 4);
    std::fprintf(stderr, "bench: %s: %zu queries, checking answers...\n", cls.c_str(), queries.size());
    // Answers compared (and caches warmed) before anything is timed.
    size_t total_rows = 0;
    std::vector<SqlRow> sql_rows;
    const auto answer = [&queries](const Database& engine, size_t i) {
      std::string text;
      if (queries[i].is_history) {
        const std::vector<HistoryRow> got = engine.History(queries[i].query.pattern).value();
        for (const HistoryRow& r : got) internal::AppendHistoryRow(r, &text);
      } else {
        const std::vector<Row> got = engine.Query(queries[i].query).value();
        for (const Row& r : got) internal::AppendRow(r, &text);
      }
      return text;
    };
    for (size_t i = 0; i < queries.size(); ++i) {
      const std::string mine = answer(**db, i);
      if (answer(**by_commits, i) != mine) {
        std::fprintf(stderr, "bench: %s query %zu: the database built by commits answers otherwise\n", cls.c_str(),
                     i + 1);
        return 1;
      }
      if (absl::Status s = (*sqlite)->Answer(queries[i], &sql_rows); !s.ok()) {
        std::fprintf(stderr, "bench: %s\n", std::string(s.message()).c_str());
        return 1;
      }
      const std::string theirs = FormatSqlRows(sql_rows, queries[i].is_history);
      if (mine != theirs) {
        std::fprintf(stderr, "bench: %s query %zu: the answers differ\nHindsight:\n%sSQLite:\n%s", cls.c_str(), i + 1,
                     mine.c_str(), theirs.c_str());
        return 1;
      }
      total_rows += sql_rows.size();
    }
    std::fprintf(stderr, "bench: %s: timing...\n", cls.c_str());
    // Each side collects a query's rows into a vector it reuses across
    // queries, as an application answering many would.
    const auto measure_engine = [&](const Database& engine) {
      return Measure(queries.size(), threads, [&] {
        auto rows = std::make_shared<std::vector<Row>>();
        auto history_rows = std::make_shared<std::vector<HistoryRow>>();
        return [&engine, &queries, rows, history_rows](size_t i) {
          if (queries[i].is_history) {
            history_rows->clear();
            (void)engine.ScanHistory(queries[i].query.pattern, [&](HistoryRow& r) {
              history_rows->push_back(std::move(r));
              return true;
            });
          } else {
            rows->clear();
            (void)engine.Scan(queries[i].query, [&](Row& r) {
              rows->push_back(std::move(r));
              return true;
            });
          }
        };
      });
    };
    const Latency hs = measure_engine(**db);
    const Latency hs_commits = measure_engine(**by_commits);
    const Latency sq = Measure(queries.size(), threads, [&] {
      std::shared_ptr<SqlitePeer> peer = std::move(SqlitePeer::Open(sqlite_path).value());
      auto buffer = std::make_shared<std::vector<SqlRow>>();
      return [peer, buffer, &queries](size_t i) { (void)peer->Answer(queries[i], buffer.get()); };
    });
    absl::StrAppendFormat(&table,
                          "| %s | %zu | %zu | %.1f | %.1f | %.0f | %.0f | %.1f | %.1f | %.0f | %.0f | %.2fx | %.1f | %.2fx |\n",
                          cls, queries.size(), total_rows, hs.median_us, hs.p99_us, hs.qps_one, hs.qps_many,
                          sq.median_us, sq.p99_us, sq.qps_one, sq.qps_many, sq.median_us / hs.median_us,
                          hs_commits.median_us, sq.median_us / hs_commits.median_us);
    absl::StrAppendFormat(&results, "%s.median_us\t%.2f\t%.2f\n%s.p99_us\t%.2f\t%.2f\n%s.qps_1\t%.0f\t%.0f\n",
                          cls, hs.median_us, sq.median_us, cls, hs.p99_us, sq.p99_us, cls, hs.qps_one, sq.qps_one);
    absl::StrAppendFormat(&results, "%s.qps_%d\t%.0f\t%.0f\n", cls, threads, hs.qps_many, sq.qps_many);
  }
  std::fputs(table.c_str(), stdout);
  if (!results_path.empty()) {
    std::ofstream out(results_path);
    out << results;
    if (!out.flush()) {
      std::fprintf(stderr, "bench: cannot write %s\n", results_path.c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace hindsight::bench

int main(int argc, char** argv) {
  std::string scratch = (std::filesystem::temp_directory_path() / "hindsight-bench").string(), threads = "2", results,
              workload;
  if (const std::optional<int> stop = hindsight::bench::ParseCommandLine(
          argc, argv, "hindsight-bench", hindsight::bench::kUsage,
          {{"--scratch", &scratch}, {"--results", &results}, {"--threads", &threads}}, &workload)) {
    return *stop;
  }
  return hindsight::bench::Run(workload, scratch, std::max(1, std::atoi(threads.c_str())), results);
}
