// Long answers through a pager, as psql does: output that does not fit on
// the screen goes to $PAGER (`less -S` when unset; none when empty).
#ifndef HINDSIGHT_TOOLS_SHELL_PAGER_H_
#define HINDSIGHT_TOOLS_SHELL_PAGER_H_

#include <signal.h>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace hindsight::tools {

struct ScreenSize {
  size_t rows = 0;
  size_t columns = 0;
};

// The size of the terminal `out` writes to; nullopt when it is not one.
std::optional<ScreenSize> TerminalSize(std::FILE* out);

// Whether `text` does not fit on `screen`: more lines than its rows less
// one (the prompt's), or a line wider than its columns.
bool Overflows(std::string_view text, ScreenSize screen);

// The pager to use: $PAGER, `less -S` when it is unset, nullopt when it is
// set but empty.
std::optional<std::string> PagerCommand();

// Writes `text` to `command` run by /bin/sh and waits for it to end (the
// person quits it). False, with nothing shown, when it could not start.
// A pager that quits before reading everything is not an error.
bool ShowInPager(std::string_view text, const std::string& command);

// Text held before a long answer goes to the pager as it comes.
inline constexpr size_t kPagerHeldBytes = size_t{1} << 20;

// An answer's text for the terminal as it is produced, paged as psql pages
// it. Up to kPagerHeldBytes of it is held: at the end, text that does not
// fit on the screen goes through the pager (ShowInPager), the rest to the
// terminal. Past that the pager starts at once and gets the text as it
// comes (blocking the writer while the person reads), so an answer of any
// size needs no memory for its whole text.
class PagedOutput {
 public:
  // Text goes to `out` as it comes unless both `screen` and `pager` (the
  // command) are given.
  PagedOutput(std::FILE* out, std::optional<ScreenSize> screen, std::optional<std::string> pager);
  ~PagedOutput();
  PagedOutput(const PagedOutput&) = delete;
  PagedOutput& operator=(const PagedOutput&) = delete;

  // Adds `text`. False once the pager has quit: the rest is dropped, and
  // whoever produces it may stop.
  bool Write(std::string_view text);
  // Shows what is held and waits for the pager to end. Whether a pager ran
  // (a Ctrl-C meanwhile was meant for it).
  bool Finish();

 private:
  // Starts the pager and gives it the held text (to the terminal instead
  // when the pager cannot run).
  void StartPager();
  // Writes to the pager; on failure closes it, and notes whether it quit
  // or never ran.
  bool WriteToPager(std::string_view text);
  int ClosePager();

  std::FILE* out_;
  std::optional<ScreenSize> screen_;
  std::optional<std::string> pager_;
  std::string held_;
  std::FILE* pipe_ = nullptr;
  bool paged_ = false;  // past the held text (the pager started, or could not)
  bool quit_ = false;   // the pager ended before the text did
  struct sigaction previous_sigpipe_ {};
};

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_SHELL_PAGER_H_
