#include "test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"

namespace hindsight::testing {

ScratchDir::ScratchDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "hindsight-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) std::abort();
  path_ = tmpl;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

uint32_t RandomSequences(uint32_t full) {
  const char* percent_text = std::getenv("HINDSIGHT_RANDOM_SEQUENCES_PERCENT");
  uint32_t percent = 100;
  if (percent_text == nullptr || !absl::SimpleAtoi(percent_text, &percent) || percent > 100) return full;
  return std::max<uint32_t>(1, full * percent / 100);
}

uint32_t RandomSeed(uint32_t n) {
  const char* offset_text = std::getenv("HINDSIGHT_RANDOM_SEED_OFFSET");
  uint32_t offset = 0;
  if (offset_text == nullptr || !absl::SimpleAtoi(offset_text, &offset)) return n;
  return n + offset;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string ToolPath() { return HINDSIGHT_BIN; }
std::string WorkloadGenPath() { return HINDSIGHT_WORKLOAD_BIN; }
std::string OutsideDir() {
  const char* v = std::getenv("HINDSIGHT_SHARED");
  const std::string dir = v != nullptr ? v : HINDSIGHT_SHARED;
  return std::filesystem::exists(dir + "/SEMANTICS.md") ? dir : "";
}
std::string SourceDir() { return HINDSIGHT_SOURCE; }

CommandResult RunCommand(const std::string& command) {
  ScratchDir capture;
  const std::string out = capture.Sub("out"), err = capture.Sub("err");
  const int status = std::system(("(" + command + ") >" + out + " 2>" + err).c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadFile(out);
  r.err = ReadFile(err);
  return r;
}

}  // namespace hindsight::testing
