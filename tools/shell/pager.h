// Long answers through a pager, as psql does: output that does not fit on
// the screen goes to $PAGER (`less -S` when unset; none when empty).
#ifndef HINDSIGHT_TOOLS_SHELL_PAGER_H_
#define HINDSIGHT_TOOLS_SHELL_PAGER_H_

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

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_SHELL_PAGER_H_
