// hindsight replay [--stats] DB_DIR QUERY_FILE
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "command_line.h"
#include "format/replay.h"
#include "hindsight/db.h"

namespace hindsight::tools {
namespace {

constexpr char kHelp[] =
    "usage: hindsight replay [--stats] DB_DIR QUERY_FILE\n"
    "\n"
    "Answers every query of QUERY_FILE (at / during / history lines, see\n"
    "docs/formats.md; '-' reads standard input) and prints the answers in the\n"
    "expected-answer format on standard output: '#<TAB>N<TAB>ROWS' then the rows,\n"
    "or '#<TAB>N<TAB>error' for an invalid query.\n"
    "\n"
    "  --stats   after answering, run the queries once more, timed, and print on\n"
    "            standard error: class NAME QUERIES ROWS MEDIAN_US P99_US MEAN_US\n"
    "            QPS TOTAL_S (tab-separated; latency from parsed query to rows in\n"
    "            memory, formatting excluded)\n";

// Runs every valid query once, timed, and prints the stats line.
int PrintStats(const Database& db, const std::vector<internal::ParsedQuery>& queries, const std::string& name) {
  std::vector<double> micros;
  micros.reserve(queries.size());
  uint64_t rows = 0;
  const auto start = std::chrono::steady_clock::now();
  for (const internal::ParsedQuery& q : queries) {
    if (!q.query.ok()) continue;
    const auto t0 = std::chrono::steady_clock::now();
    size_t n = 0;
    absl::Status status;
    if (q.query->is_history) {
      auto r = db.History(q.query->query.pattern);
      status = r.status();
      if (r.ok()) n = r->size();
    } else {
      auto r = db.Query(q.query->query);
      status = r.status();
      if (r.ok()) n = r->size();
    }
    micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (!status.ok() && !absl::IsInvalidArgument(status)) {
      std::fprintf(stderr, "hindsight replay: %s\n", std::string(status.message()).c_str());
      return kExitFailure;
    }
    rows += n;
  }
  const double total = SecondsSince(start);
  std::sort(micros.begin(), micros.end());
  const auto pct = [&](double p) {
    if (micros.empty()) return 0.0;
    return micros[std::min(micros.size() - 1, static_cast<size_t>(p * static_cast<double>(micros.size())))];
  };
  double sum = 0;
  for (double m : micros) sum += m;
  const double mean = micros.empty() ? 0 : sum / static_cast<double>(micros.size());
  std::fprintf(stderr, "class\t%s\t%zu\t%llu\t%.1f\t%.1f\t%.1f\t%.0f\t%.3f\n", name.c_str(), micros.size(),
               static_cast<unsigned long long>(rows), pct(0.5), pct(0.99), mean,
               total > 0 ? static_cast<double>(micros.size()) / total : 0.0, total);
  return kExitOk;
}

}  // namespace

int RunReplay(const Args& args) {
  CommandLine cl("replay", kHelp);
  bool stats = false;
  cl.Flag("--stats", &stats);
  if (auto exit = cl.Parse(args, 2)) return *exit;
  const std::vector<std::string>& positional = cl.positional();
  const std::string& query_path = positional[1];
  std::vector<internal::ParsedQuery> queries;
  if (query_path == "-") {
    queries = internal::ReadQueryFile(&std::cin);
  } else {
    std::ifstream file(query_path, std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "hindsight replay: cannot open '%s'\n", query_path.c_str());
      return kExitFailure;
    }
    queries = internal::ReadQueryFile(&file);
  }
  std::unique_ptr<Database> db = OpenExisting(cl, positional[0]);
  if (db == nullptr) return kExitFailure;
  std::string out;
  for (size_t i = 0; i < queries.size(); ++i) {
    size_t rows = 0;
    const absl::Status s = internal::AnswerQuery(*db, queries[i], i + 1, &out, &rows);
    if (!s.ok()) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      std::fprintf(stderr, "hindsight replay: query %zu: %s\n", i + 1, std::string(s.message()).c_str());
      return kExitFailure;
    }
    if (out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (!stats) return kExitOk;
  std::string name = std::filesystem::path(query_path).filename().string();
  if (name.size() > 4 && name.ends_with(".tsv")) name.resize(name.size() - 4);
  return PrintStats(*db, queries, name);
}

}  // namespace hindsight::tools
