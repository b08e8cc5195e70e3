// What the benchmark programs share: the machine line of their reports,
// timing, and importing an operations file as `hindsight import` does.
#ifndef HINDSIGHT_BENCH_BENCH_COMMON_H_
#define HINDSIGHT_BENCH_BENCH_COMMON_H_

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "format/importer.h"
#include "hindsight/db.h"

namespace hindsight::bench {

using Clock = std::chrono::steady_clock;

// Seconds from `t0` to now.
double Since(Clock::time_point t0);

// "CPU model, N cores, Linux RELEASE", for the report's first line.
std::string Machine();

// Opens (or creates) the database at `dir`, imports the operations file
// `ops_path` into it in `mode` and closes it. Returns the seconds from the
// open to the import's return (ready to query; the close is not counted),
// or -1 after printing the error on standard error.
double ImportFile(const std::string& ops_path, const std::string& dir, internal::ImportMode mode,
                  const Options& options, internal::ImportCounts* counts);

// Reads a bench's command line: "--NAME VALUE" for each NAME of `values`
// (the value stored there), -h or --help, and one WORKLOAD_DIR (into
// `*workload`). Returns the exit status to stop with (0 after the help, 2
// after a bad line, `usage` printed), or nullopt to go on.
std::optional<int> ParseCommandLine(int argc, char** argv, const char* program, const char* usage,
                                    const std::map<std::string, std::string*>& values, std::string* workload);

}  // namespace hindsight::bench

#endif  // HINDSIGHT_BENCH_BENCH_COMMON_H_
