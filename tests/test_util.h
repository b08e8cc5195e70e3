// Helpers shared by the tests: scratch directories and a controllable clock.
#ifndef HINDSIGHT_TESTS_TEST_UTIL_H_
#define HINDSIGHT_TESTS_TEST_UTIL_H_

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>

#include "hindsight/options.h"

namespace hindsight::testing {

// A fresh empty directory path under the system temp dir, removed (with
// everything in it) when the object is destroyed.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A clock that says what the test tells it to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant now = 0) : now_(now) {}
  Instant Now() override { return now_.load(); }
  void Set(Instant now) { now_.store(now); }

 private:
  std::atomic<Instant> now_;
};

// The text of a file.
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& text);

// Paths compiled in by CMake: the built tool, the workload generator
// (bench/workload) and the source tree.
std::string ToolPath();
std::string WorkloadGenPath();
std::string SourceDir();
// The contract's own folder beside the repository (../shared, or the
// environment variable HINDSIGHT_SHARED), for the optional outside checks;
// empty when it is not there. No other test reads it.
std::string OutsideDir();

// How many random sequences a test runs: `full`, or the percentage of it
// (1-100, at least one) that the environment variable
// HINDSIGHT_RANDOM_SEQUENCES_PERCENT asks for. The sanitizer run and the
// lone clone's run use a share: the plain suite has run all of them.
uint32_t RandomSequences(uint32_t full);
// The seed of a test's sequence `n` (1-based): n, plus the offset that the
// environment variable HINDSIGHT_RANDOM_SEED_OFFSET gives (0 unless set), so
// that a developer can run sequences that CI never runs, e.g.
// HINDSIGHT_RANDOM_SEED_OFFSET=1000000 ctest -R Differential.
uint32_t RandomSeed(uint32_t n);

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs `command` with /bin/sh, capturing standard output and error.
CommandResult RunCommand(const std::string& command);

}  // namespace hindsight::testing

#endif  // HINDSIGHT_TESTS_TEST_UTIL_H_
