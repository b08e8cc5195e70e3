// hindsight check DB_DIR: reads a whole database and checks that it is
// sound (Database::Check).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "command_line.h"
#include "commands.h"
#include "hindsight/db.h"

namespace hindsight::tools {
namespace {

constexpr char kHelp[] =
    "usage: hindsight check DB_DIR\n"
    "\n"
    "Reads the whole database and checks that it is sound: every table file\n"
    "against its checksums, the transaction log, each key's record with its index\n"
    "entries, older rows, the slice index against the keys' live segments, and\n"
    "that an erase would find every operation of the log (docs/operations.md).\n"
    "Prints each step as it starts (on standard error; on a terminal, redrawn with\n"
    "how far it has come) and, when all is well, what it read. Exits 1 at the first\n"
    "damage found, saying where it is. Opens\n"
    "the database read-only, so it runs beside a server too. Takes a little longer\n"
    "than reading the database once.\n";

// The check's steps on standard error, one line each as it starts; on a
// terminal, the step's line is redrawn as it goes, at most four times a
// second, with how much of it is done, and left with its last count.
class CheckLines {
 public:
  explicit CheckLines(std::chrono::steady_clock::time_point start) : start_(start) {}
  ~CheckLines() { Finish(); }

  void Show(const CheckProgress& p) {
    const bool starts = p.step != last_.step;
    if (starts) Finish();
    last_ = {std::string(p.step), std::string(p.unit), p.done, p.expected};
    if (starts) {
      Draw(false);
    } else if (redrawn_ && SecondsSince(drawn_) >= 0.25) {
      Draw(true);
    }
  }

 private:
  struct Step {
    std::string step;
    std::string unit;
    uint64_t done = 0;
    uint64_t expected = 0;
  };

  // The step's line, with its count or not; on a terminal, in place of the
  // one drawn last, without its newline.
  void Draw(bool with_count) {
    drawn_ = std::chrono::steady_clock::now();
    std::string line = absl::StrFormat("hindsight check: %.1f s: %s", SecondsSince(start_), last_.step);
    if (with_count) absl::StrAppend(&line, ": ", Done(last_));
    if (!redrawn_) {
      std::fprintf(stderr, "%s\n", line.c_str());
      return;
    }
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
    open_ = true;
  }
  // The line of the step that ends, with its last count.
  void Finish() {
    if (!open_) return;
    Draw(true);
    std::fputc('\n', stderr);
    open_ = false;
  }
  // "412,000 of about 1,000,000 keys (41%)"
  static std::string Done(const Step& s) {
    if (s.expected == 0 || s.done > s.expected) return absl::StrCat(Grouped(s.done), " ", s.unit);
    return absl::StrCat(Grouped(s.done), " of about ", Grouped(s.expected), " ", s.unit, " (",
                        s.done * 100 / s.expected, "%)");
  }
  static std::string Grouped(uint64_t n) {
    const std::string digits = absl::StrCat(n);
    std::string grouped;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
      grouped += digits[i];
    }
    return grouped;
  }

  const std::chrono::steady_clock::time_point start_;
  const bool redrawn_ = isatty(STDERR_FILENO);
  bool open_ = false;  // a line drawn on the terminal without its newline
  Step last_;
  std::chrono::steady_clock::time_point drawn_;
};

}  // namespace

int RunCheck(const Args& args) {
  CommandLine cl("check", kHelp);
  if (auto exit = cl.Parse(args, 1)) return *exit;
  const std::string& dir = cl.positional()[0];
  Options options;
  options.create_if_missing = false;
  options.read_only = true;
  options.block_cache_bytes = size_t{64} << 20;  // what the key indexes' point reads reuse; the rest is read once
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(dir, options);
  if (!db.ok()) {
    cl.Error(std::string(db.status().message()));
    return kExitFailure;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto seconds = [&start] { return SecondsSince(start); };
  absl::StatusOr<CheckReport> report;
  {
    CheckLines lines(start);
    report = (*db)->Check([&lines](const CheckProgress& p) { lines.Show(p); });
  }
  if (!report.ok()) {
    cl.Error(absl::IsDataLoss(report.status()) ? std::string("damaged: ") + std::string(report.status().message())
                                                : std::string(report.status().message()));
    return kExitFailure;
  }
  std::printf(
      "%s is sound (%.1f s): %llu table files (%.1f MB) match their checksums; %llu transactions; %llu keys "
      "with their index entries, %llu live chunks and %llu chunks of older rows; %llu live segments, each in its "
      "slice bucket (%llu buckets)\n",
      dir.c_str(), seconds(), static_cast<unsigned long long>(report->table_files), report->table_bytes / 1e6,
      static_cast<unsigned long long>(report->transactions), static_cast<unsigned long long>(report->keys),
      static_cast<unsigned long long>(report->live_chunks), static_cast<unsigned long long>(report->older_rows),
      static_cast<unsigned long long>(report->live_segments), static_cast<unsigned long long>(report->slice_buckets));
  return kExitOk;
}

}  // namespace hindsight::tools
