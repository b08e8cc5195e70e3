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
#include "absl/synchronization/mutex.h"
#include "bench_common.h"
#include "format/importer.h"
#include "format/query_file.h"
#include "format/replay.h"
#include "hindsight/db.h"
#include "sqlite_peer.h"
#include "util/status_macros.h"

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

// The three stores the bench compares, loaded, and what loading them took.
struct Stores {
  std::unique_ptr<Database> bulk, by_commits;  // hindsight import, and hindsight import --commits
  std::unique_ptr<SqlitePeer> sqlite;
  std::string sqlite_path;
  internal::ImportCounts counts;
  size_t history_rows = 0;
  double bulk_s = 0, commits_s = 0, sqlite_s = 0;
  int64_t bulk_bytes = 0, sqlite_bytes = 0;
};

// Imports the workload into Hindsight twice, as `hindsight import` does
// into a new database (bulk load) and as it does into one with data
// (commits in groups), then loads the same history rows into SQLite.
absl::StatusOr<Stores> LoadStores(const std::string& workload, const std::string& scratch) {
  const std::string bulk_dir = scratch + "/hindsight-db", commits_dir = scratch + "/hindsight-by-commits";
  std::error_code ec;
  fs::create_directories(scratch, ec);
  Stores stores;
  stores.sqlite_path = scratch + "/sqlite.db";
  Options options;
  options.sync = false;                          // SQLite below runs with synchronous=OFF too
  options.block_cache_bytes = size_t{4} << 30;  // as SQLite's page cache
  std::fprintf(stderr, "bench: importing %s/ops.tsv into Hindsight (hindsight import)...\n", workload.c_str());
  stores.bulk_s = Import(workload, bulk_dir, internal::ImportMode::kBulk, options, &stores.counts);
  std::fprintf(stderr, "bench: ... and again by commits (hindsight import --commits)...\n");
  stores.commits_s = Import(workload, commits_dir, internal::ImportMode::kCommits, options, &stores.counts);
  if (stores.bulk_s < 0 || stores.commits_s < 0) return absl::InternalError("the import failed");
  stores.bulk_bytes = DirBytes(bulk_dir);
  HS_ASSIGN_OR_RETURN(stores.bulk, Database::Open(bulk_dir, options));
  HS_ASSIGN_OR_RETURN(stores.by_commits, Database::Open(commits_dir, options));
  HS_ASSIGN_OR_RETURN(const std::vector<HistoryRow> rows, stores.bulk->History({}));
  stores.history_rows = rows.size();
  std::fprintf(stderr,
               "bench: Hindsight imported %llu operations in %.2f s (%zu history rows, %.1f MB); by commits in %.2f s\n",
               static_cast<unsigned long long>(stores.counts.operations), stores.bulk_s, rows.size(),
               stores.bulk_bytes / 1e6, stores.commits_s);
  std::fprintf(stderr, "bench: loading the same %zu rows into SQLite...\n", rows.size());
  const auto t0 = Clock::now();
  HS_ASSIGN_OR_RETURN(stores.sqlite, SqlitePeer::Create(stores.sqlite_path));
  HS_RETURN_IF_ERROR(stores.sqlite->Load(rows));
  stores.sqlite_s = Since(t0);
  stores.sqlite_bytes = stores.sqlite->FileBytes();
  std::fprintf(stderr, "bench: SQLite loaded and indexed in %.2f s (%.1f MB)\n", stores.sqlite_s,
               stores.sqlite_bytes / 1e6);
  return stores;
}

// The queries of one class's file, those that parse.
std::vector<internal::FileQuery> ReadClass(const std::string& path) {
  std::ifstream in(path);
  std::vector<internal::FileQuery> queries;
  for (internal::ParsedQuery& q : internal::ReadQueryFile(&in)) {
    if (q.query.ok()) queries.push_back(std::move(*q.query));
  }
  return queries;
}

// Query `q`'s answer from `engine`, in the replay format.
std::string AnswerText(const Database& engine, const internal::FileQuery& q) {
  std::string text;
  if (q.is_history) {
    const std::vector<HistoryRow> rows = engine.History(q.query.pattern).value();
    for (const HistoryRow& r : rows) internal::AppendHistoryRow(r, &text);
  } else {
    const std::vector<Row> rows = engine.Query(q.query).value();
    for (const Row& r : rows) internal::AppendRow(r, &text);
  }
  return text;
}

// Compares every answer of the three stores (warming their caches before
// anything is timed); sets `*total_rows` to the rows of all the answers.
absl::Status CheckAnswers(const std::string& cls, const std::vector<internal::FileQuery>& queries, Stores* stores,
                          size_t* total_rows) {
  *total_rows = 0;
  std::vector<SqlRow> sql_rows;
  for (size_t i = 0; i < queries.size(); ++i) {
    const std::string mine = AnswerText(*stores->bulk, queries[i]);
    if (AnswerText(*stores->by_commits, queries[i]) != mine) {
      return absl::InternalError(
          absl::StrCat(cls, " query ", i + 1, ": the database built by commits answers otherwise"));
    }
    HS_RETURN_IF_ERROR(stores->sqlite->Answer(queries[i], &sql_rows));
    const std::string theirs = FormatSqlRows(sql_rows, queries[i].is_history);
    if (mine != theirs) {
      return absl::InternalError(
          absl::StrCat(cls, " query ", i + 1, ": the answers differ\nHindsight:\n", mine, "SQLite:\n", theirs));
    }
    *total_rows += sql_rows.size();
  }
  return absl::OkStatus();
}

// Times every query of a class on `engine`, collecting each query's rows
// into a vector reused across queries, as an application answering many
// would.
Latency TimeEngine(const Database& engine, const std::vector<internal::FileQuery>& queries, int threads) {
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
}

// The same on SQLite, each thread with a connection of its own.
Latency TimeSqlite(const std::string& path, const std::vector<internal::FileQuery>& queries, int threads) {
  return Measure(queries.size(), threads, [&] {
    std::shared_ptr<SqlitePeer> peer = std::move(SqlitePeer::Open(path).value());
    auto buffer = std::make_shared<std::vector<SqlRow>>();
    return [peer, buffer, &queries](size_t i) { (void)peer->Answer(queries[i], buffer.get()); };
  });
}

// The table's head: the imports and bytes, and the query table's header.
std::string TableHead(const std::string& workload, const Stores& s, int threads) {
  return absl::StrFormat(
      "Machine: %s. Workload: %s (%llu operations, %llu transactions). One process; %d reader threads for the "
      "threaded figures.\n\n"
      "| measure | Hindsight | SQLite | SQLite / Hindsight |\n|---|---:|---:|---:|\n"
      "| import, ready to query (s) | %.2f | %.2f | %.2fx |\n"
      "| import by commits, ready to query (s) | %.2f | | %.2fx |\n"
      "| bytes on disk (MB) | %.1f | %.1f | %.2fx |\n\n"
      "| class | queries | rows | Hindsight median µs | p99 µs | QPS 1 thread | QPS %d threads | SQLite median µs "
      "| p99 µs | QPS 1 thread | QPS %d threads | ratio of medians | built by commits: median µs | ratio |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
      Machine(), fs::path(workload).filename().string(), static_cast<unsigned long long>(s.counts.operations),
      static_cast<unsigned long long>(s.counts.transactions), threads, s.bulk_s, s.sqlite_s, s.sqlite_s / s.bulk_s,
      s.commits_s, s.sqlite_s / s.commits_s, s.bulk_bytes / 1e6, s.sqlite_bytes / 1e6,
      static_cast<double>(s.sqlite_bytes) / s.bulk_bytes, threads, threads);
}

// The figures as MEASURE<TAB>HINDSIGHT<TAB>SQLITE lines, the imports' first.
std::string ResultsHead(const Stores& s) {
  return absl::StrFormat("operations\t%llu\t%llu\nhistory_rows\t%zu\t%zu\nimport_s\t%.3f\t%.3f\nbytes\t%lld\t%lld\n",
                         static_cast<unsigned long long>(s.counts.operations),
                         static_cast<unsigned long long>(s.counts.operations), s.history_rows, s.history_rows,
                         s.bulk_s, s.sqlite_s, static_cast<long long>(s.bulk_bytes),
                         static_cast<long long>(s.sqlite_bytes));
}

// The q_*.tsv files of the workload, in name order.
std::vector<std::string> QueryFiles(const std::string& workload) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(workload)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("q_", 0) == 0 && name.ends_with(".tsv")) files.push_back(name);
  }
  std::sort(files.begin(), files.end());
  return files;
}

int Run(const std::string& workload, const std::string& scratch, int threads, const std::string& results_path) {
  absl::StatusOr<Stores> stores = LoadStores(workload, scratch);
  if (!stores.ok()) {
    std::fprintf(stderr, "bench: %s\n", std::string(stores.status().message()).c_str());
    return 1;
  }
  std::string table = TableHead(workload, *stores, threads), results = ResultsHead(*stores);
  for (const std::string& file : QueryFiles(workload)) {
    const std::vector<internal::FileQuery> queries = ReadClass(workload + "/" + file);
    const std::string cls = file.substr(0, file.size() - 4);
    std::fprintf(stderr, "bench: %s: %zu queries, checking answers...\n", cls.c_str(), queries.size());
    size_t total_rows = 0;
    if (absl::Status s = CheckAnswers(cls, queries, &*stores, &total_rows); !s.ok()) {
      std::fprintf(stderr, "bench: %s\n", std::string(s.message()).c_str());
      return 1;
    }
    std::fprintf(stderr, "bench: %s: timing...\n", cls.c_str());
    const Latency hs = TimeEngine(*stores->bulk, queries, threads);
    const Latency hs_commits = TimeEngine(*stores->by_commits, queries, threads);
    const Latency sq = TimeSqlite(stores->sqlite_path, queries, threads);
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
  // As the hindsight program does (tools/main.cc): Debian's Abseil would
  // record every lock in a process-wide deadlock graph.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::string scratch = (std::filesystem::temp_directory_path() / "hindsight-bench").string(), threads = "2", results,
              workload;
  if (const std::optional<int> stop = hindsight::bench::ParseCommandLine(
          argc, argv, "hindsight-bench", hindsight::bench::kUsage,
          {{"--scratch", &scratch}, {"--results", &results}, {"--threads", &threads}}, &workload)) {
    return *stop;
  }
  return hindsight::bench::Run(workload, scratch, std::max(1, std::atoi(threads.c_str())), results);
}
