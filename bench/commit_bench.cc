// Small transactions with sync, the path of an application committing as
// events arrive: 1-operation transactions from 1 and from N threads through
// the C++ API, against SQLite in WAL mode with synchronous=FULL doing the
// same (per transaction: close the overlapping row, insert the new one), in
// the same run; the same commits into a predicate that already holds many
// live segments (--live-segments, default 200,000; 0: not measured). Then
// the latency of Hindsight's point reads from one thread
// while another commits, against the same reads when nothing writes and
// when another thread only writes and syncs a plain file.
//
// usage: hindsight-commit-bench [--seconds S] [--threads N] [--live-segments N] SCRATCH_DIR
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "hindsight/db.h"

namespace hindsight::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kKeys = 1000;  // keys the commits spread over

// Runs `commit(thread, i)` from `threads` threads for `seconds`; commits/s.
double Rate(int threads, double seconds, const std::function<bool(int, int64_t)>& commit) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> done{0};
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        if (!commit(t, i)) {
          std::fprintf(stderr, "commit bench: a commit failed\n");
          std::exit(1);
        }
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (std::thread& w : workers) w.join();
  return done.load() / std::chrono::duration<double>(Clock::now() - start).count();
}

FactKey KeyOf(int thread, int64_t i) {
  return {absl::StrCat("entity", (thread * 7919 + i) % kKeys), "status", "x"};
}

std::unique_ptr<Database> OpenFresh(const std::string& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  auto db = Database::Open(dir);  // sync: every commit reaches the disk
  if (!db.ok()) {
    std::fprintf(stderr, "commit bench: %s\n", std::string(db.status().message()).c_str());
    std::exit(1);
  }
  return std::move(*db);
}

bool CommitOne(Database* db, int thread, int64_t i) {
  Transaction txn;
  txn.Assert(KeyOf(thread, i), Value::Int64(i), {i, kPosInf});
  return db->Commit(txn).ok();
}

double HindsightRate(const std::string& dir, int threads, double seconds) {
  const std::unique_ptr<Database> db = OpenFresh(dir);
  return Rate(threads, seconds, [&](int t, int64_t i) { return CommitOne(db.get(), t, i); });
}

// Commits into a database whose predicate already holds `live` keys'
// open-ended segments, all begun within the same years (one bucket of the
// slice index, in chunks: slice_index.h), each changing one of those keys,
// as in a database that has lived a while: commits/s from 1 and from
// `threads` threads.
std::pair<double, double> HindsightRateBesideLiveSegments(const std::string& dir, int live, int threads,
                                                         double seconds) {
  const std::unique_ptr<Database> db = OpenFresh(dir);
  std::vector<Transaction> load(1);
  for (int k = 0; k < live; ++k) load[0].Assert({absl::StrCat("other", k), "status", "x"}, Value::Int64(k), {k, kPosInf});
  size_t loaded = 0;
  // Loaded, then compacted, so that the load's compactions are over before
  // the commits are timed.
  absl::Status s = db->BulkLoad(load, &loaded);
  if (s.ok()) s = db->Compact();
  if (!s.ok()) {
    std::fprintf(stderr, "commit bench: %s\n", std::string(s.message()).c_str());
    std::exit(1);
  }
  // Each commit changes one of those keys.
  const auto commit = [&](int t, int64_t i) {
    Transaction txn;
    txn.Assert({absl::StrCat("other", (t * 7919 + i * 104729) % live), "status", "x"}, Value::Int64(i),
               {live + i, kPosInf});
    return db->Commit(txn).ok();
  };
  const double one = Rate(1, seconds, commit);
  return {one, Rate(threads, seconds, commit)};
}

// The median and p99 of point reads (µs) for `seconds`.
std::pair<double, double> ReadLatency(const Database& db, double seconds) {
  std::vector<double> us;
  std::vector<Row> rows;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  for (int64_t i = 0; Clock::now() < end; ++i) {
    const auto t0 = Clock::now();
    rows = db.Query({{KeyOf(0, i).subject, "status", "x"}, ValidTimeClause::At(i % 1000), {}}).value();
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100]};
}

// Appends a small record to a plain file and syncs it, in a loop, until
// `stop`: what a commit's log write asks of the disk, with nothing of
// Hindsight's. The reads beside it show what the machine's own syncs cost a
// reader (on a virtual machine, the disk's interrupts land on one core and
// preempt whatever runs there).
void SyncPlainFile(const std::string& path, const std::atomic<bool>& stop) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    std::perror("commit bench: open");
    std::exit(1);
  }
  const std::string record(100, 'r');
  while (!stop.load()) {
    if (::write(fd, record.data(), record.size()) != static_cast<ssize_t>(record.size()) || ::fdatasync(fd) != 0) {
      std::perror("commit bench: write");
      std::exit(1);
    }
  }
  ::close(fd);
}

// The median and p99 of point reads while `work` runs on another thread
// (given the flag that stops it).
std::pair<double, double> ReadLatencyBeside(const Database& db, double seconds,
                                            const std::function<void(const std::atomic<bool>&)>& work) {
  std::atomic<bool> stop{false};
  std::thread worker([&] { work(stop); });
  const auto latency = ReadLatency(db, seconds);
  stop = true;
  worker.join();
  return latency;
}

// Point reads when idle, while a plain file is synced in a loop (the peer:
// the machine's floor), and while one thread commits.
void ReadsUnderWrites(const std::string& dir, double seconds) {
  const std::unique_ptr<Database> db = OpenFresh(dir);
  for (int64_t i = 0; i < 5 * kKeys; ++i) CommitOne(db.get(), 0, i);
  const auto idle = ReadLatency(*db, seconds);
  const auto plain = ReadLatencyBeside(*db, seconds, [&](const std::atomic<bool>& stop) {
    SyncPlainFile(dir + "-plain-file", stop);
  });
  const auto busy = ReadLatencyBeside(*db, seconds, [&](const std::atomic<bool>& stop) {
    for (int64_t i = 0; !stop.load(); ++i) CommitOne(db.get(), 1, i);
  });
  std::printf("\n| point reads | median µs | p99 µs |\n|---|---:|---:|\n| idle | %.1f | %.1f |\n"
              "| while a plain file is written and synced in a loop (no Hindsight) | %.1f | %.1f |\n"
              "| while one thread commits | %.1f | %.1f |\n"
              "| committing / idle | %.2fx | %.2fx |\n| committing / plain file synced | %.2fx | %.2fx |\n",
              idle.first, idle.second, plain.first, plain.second, busy.first, busy.second, busy.first / idle.first,
              busy.second / idle.second, busy.first / plain.first, busy.second / plain.second);
}

// One connection per thread, as an application's pool would have.
class SqliteWriter {
 public:
  explicit SqliteWriter(const std::string& path) {
    Check(sqlite3_open(path.c_str(), &db_));
    sqlite3_busy_timeout(db_, 10000);
    Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    Prepare("UPDATE facts SET txto = ?1 WHERE s = ?2 AND p = ?3 AND o = ?4 AND txto = 9223372036854775807 "
            "AND vto > ?5",
            &close_);
    Prepare("INSERT INTO facts VALUES (?2, ?3, ?4, ?6, ?5, 9223372036854775807, ?1, 9223372036854775807)", &insert_);
  }
  ~SqliteWriter() {
    sqlite3_finalize(close_);
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
  }
  static void CreateSchema(const std::string& path) {
    SqliteWriter w(path, /*schema_only=*/true);
  }

  // One transaction: the key's open rows overlapping [from, +inf) close,
  // the new row goes in.
  bool Commit(const FactKey& key, int64_t from, int64_t value, int64_t now) {
    if (!Exec("BEGIN IMMEDIATE")) return false;
    for (sqlite3_stmt* st : {close_, insert_}) {
      sqlite3_bind_int64(st, 1, now);
      sqlite3_bind_text(st, 2, key.subject.data(), static_cast<int>(key.subject.size()), SQLITE_STATIC);
      sqlite3_bind_text(st, 3, key.predicate.data(), static_cast<int>(key.predicate.size()), SQLITE_STATIC);
      sqlite3_bind_text(st, 4, key.object.data(), static_cast<int>(key.object.size()), SQLITE_STATIC);
      sqlite3_bind_int64(st, 5, from);
      if (st == insert_) sqlite3_bind_int64(st, 6, value);
      const int rc = sqlite3_step(st);
      sqlite3_reset(st);
      if (rc != SQLITE_DONE) return false;
    }
    return Exec("COMMIT");
  }

 private:
  SqliteWriter(const std::string& path, bool) {
    Check(sqlite3_open(path.c_str(), &db_));
    Exec("PRAGMA journal_mode=WAL; CREATE TABLE facts(s TEXT, p TEXT, o TEXT, value, vfrom INTEGER, vto INTEGER, "
         "txfrom INTEGER, txto INTEGER); CREATE INDEX facts_key ON facts(s, p, o, txto, vfrom);");
  }
  void Check(int rc) {
    if (rc != SQLITE_OK) {
      std::fprintf(stderr, "commit bench: sqlite: %s\n", sqlite3_errstr(rc));
      std::exit(1);
    }
  }
  bool Exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }
  void Prepare(const char* sql, sqlite3_stmt** st) { Check(sqlite3_prepare_v2(db_, sql, -1, st, nullptr)); }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* close_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
};

double SqliteRate(const std::string& path, int threads, double seconds) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix, ec);
  SqliteWriter::CreateSchema(path);
  std::vector<std::unique_ptr<SqliteWriter>> writers;
  for (int t = 0; t < threads; ++t) writers.push_back(std::make_unique<SqliteWriter>(path));
  std::atomic<int64_t> clock{1};
  return Rate(threads, seconds, [&](int t, int64_t i) {
    return writers[t]->Commit(KeyOf(t, i), i, i, clock.fetch_add(1));
  });
}

}  // namespace
}  // namespace hindsight::bench

int main(int argc, char** argv) {
  // As the hindsight program does (tools/main.cc): Debian's Abseil would
  // record every lock in a process-wide deadlock graph.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  double seconds = 3;
  int threads = 8;
  int live_segments = 200000;
  std::string scratch;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--live-segments" && i + 1 < argc) {
      live_segments = std::max(0, std::atoi(argv[++i]));
    } else if (a == "--threads" && i + 1 < argc) {
      threads = std::max(2, std::atoi(argv[++i]));
    } else if (a == "-h" || a == "--help" || a[0] == '-') {
      std::fputs("usage: hindsight-commit-bench [--seconds S] [--threads N] [--live-segments N] SCRATCH_DIR\n", a[0] == '-' && a != "-h" && a != "--help" ? stderr : stdout);
      return a == "-h" || a == "--help" ? 0 : 2;
    } else {
      scratch = a;
    }
  }
  if (scratch.empty()) {
    std::fputs("usage: hindsight-commit-bench [--seconds S] [--threads N] [--live-segments N] SCRATCH_DIR\n", stderr);
    return 2;
  }
  std::filesystem::create_directories(scratch);
  std::printf("| writer threads | Hindsight commits/s | SQLite commits/s | Hindsight / SQLite |\n|---:|---:|---:|---:|\n");
  double one = 0, many = 0;
  for (const int n : {1, threads}) {
    const double hs = hindsight::bench::HindsightRate(scratch + "/hindsight-commits", n, seconds);
    const double sq = hindsight::bench::SqliteRate(scratch + "/sqlite-commits.db", n, seconds);
    (n == 1 ? one : many) = hs;
    std::printf("| %d | %.0f | %.0f | %.2fx |\n", n, hs, sq, hs / sq);
  }
  if (live_segments > 0) {
    const auto [one_live, many_live] = hindsight::bench::HindsightRateBesideLiveSegments(
        scratch + "/hindsight-live-segments", live_segments, threads, seconds);
    std::printf("\n| writer threads | Hindsight commits/s, the predicate holding %d live segments | / into an empty database |\n"
                "|---:|---:|---:|\n| 1 | %.0f | %.2fx |\n| %d | %.0f | %.2fx |\n",
                live_segments, one_live, one_live / one, threads, many_live, many_live / many);
  }
  hindsight::bench::ReadsUnderWrites(scratch + "/hindsight-reads", seconds);
  return one > 0 ? 0 : 1;
}
