#include "bench_common.h"

#include <sys/utsname.h>

#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"

namespace hindsight::bench {

double Since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string Machine() {
  utsname u{};
  uname(&u);
  std::string cpu = "unknown CPU";
  std::ifstream info("/proc/cpuinfo");
  for (std::string line; std::getline(info, line);) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  return absl::StrFormat("%s, %d cores, %s %s", cpu, std::thread::hardware_concurrency(), u.sysname, u.release);
}

std::optional<int> ParseCommandLine(int argc, char** argv, const char* program, const char* usage,
                                    const std::map<std::string, std::string*>& values, std::string* workload) {
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(usage, stdout);
      return 0;
    }
    if (const auto value = values.find(a); value != values.end() && i + 1 < argc) {
      *value->second = argv[++i];
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "%s: unknown option '%s'\n\n%s", program, a.c_str(), usage);
      return 2;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 1) {
    std::fputs(usage, stderr);
    return 2;
  }
  *workload = positional[0];
  return std::nullopt;
}

double ImportFile(const std::string& ops_path, const std::string& dir, internal::ImportMode mode,
                  const Options& options, internal::ImportCounts* counts) {
  const auto t0 = Clock::now();
  Options import_options = options;
  import_options.row_cache_bytes = 0;  // as hindsight import opens it
  auto db = Database::Open(dir, import_options);
  absl::Status s = db.status();
  if (s.ok()) {
    std::ifstream ops(ops_path);
    internal::ImportOptions import;
    import.mode = mode;
    s = internal::ImportOps(db->get(), &ops, ops_path, counts, {}, import);
  }
  if (!s.ok()) {
    std::fprintf(stderr, "bench: %s\n", std::string(s.message()).c_str());
    return -1;
  }
  return Since(t0);  // open and ready to query; closing is not counted
}

}  // namespace hindsight::bench
