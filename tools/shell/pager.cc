#include "shell/pager.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "terminal_text.h"

namespace hindsight::tools {

std::optional<ScreenSize> TerminalSize(std::FILE* out) {
  winsize ws{};
  const int fd = fileno(out);
  if (fd < 0 || !isatty(fd) || ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) {
    return std::nullopt;
  }
  return ScreenSize{ws.ws_row, ws.ws_col};
}

bool Overflows(std::string_view text, ScreenSize screen) {
  size_t lines = 0;
  for (size_t start = 0; start < text.size();) {
    const size_t end = std::min(text.find('\n', start), text.size());
    if (DisplayWidth(text.substr(start, end - start)) > screen.columns) return true;
    if (++lines + 1 > screen.rows) return true;
    start = end + 1;
  }
  return false;
}

std::optional<std::string> PagerCommand() {
  const char* pager = std::getenv("PAGER");
  if (pager == nullptr) return std::string("less -S");
  if (*pager == '\0') return std::nullopt;
  return std::string(pager);
}

bool ShowInPager(std::string_view text, const std::string& command) {
  std::fflush(nullptr);
  std::FILE* pipe = popen(command.c_str(), "w");
  if (pipe == nullptr) return false;
  // A pager quit early closes the pipe: the rest is dropped, not a signal.
  struct sigaction ignore {}, previous {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &previous);
  std::fwrite(text.data(), 1, text.size(), pipe);
  const int status = pclose(pipe);
  sigaction(SIGPIPE, &previous, nullptr);
  // /bin/sh answers 127 for a command it cannot find.
  return !(WIFEXITED(status) && WEXITSTATUS(status) == 127);
}

}  // namespace hindsight::tools
