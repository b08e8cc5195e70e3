#include "shell/pager.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
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

PagedOutput::PagedOutput(std::FILE* out, std::optional<ScreenSize> screen, std::optional<std::string> pager)
    : out_(out), screen_(screen), pager_(screen ? std::move(pager) : std::nullopt) {}

PagedOutput::~PagedOutput() {
  if (pipe_ != nullptr) ClosePager();
}

bool PagedOutput::Write(std::string_view text) {
  if (quit_) return false;
  if (!pager_) {
    std::fwrite(text.data(), 1, text.size(), out_);
    return true;
  }
  if (!paged_) {
    held_.append(text);
    if (held_.size() >= kPagerHeldBytes) StartPager();
    return !quit_;
  }
  if (pipe_ == nullptr) {  // the pager could not run
    std::fwrite(text.data(), 1, text.size(), out_);
    return true;
  }
  return WriteToPager(text);
}

void PagedOutput::StartPager() {
  paged_ = true;
  if (!Overflows(held_, *screen_)) {
    std::fwrite(held_.data(), 1, held_.size(), out_);
    held_.clear();
    return;
  }
  std::fflush(nullptr);
  pipe_ = popen(pager_->c_str(), "w");
  if (pipe_ != nullptr) {
    std::setvbuf(pipe_, nullptr, _IONBF, 0);  // what is written reaches the pager
    // A pager quit early closes the pipe: a failed write, not a signal.
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, &previous_sigpipe_);
    WriteToPager(held_);
  }
  if (pipe_ == nullptr && !quit_) std::fwrite(held_.data(), 1, held_.size(), out_);
  held_.clear();
}

bool PagedOutput::WriteToPager(std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), pipe_) == text.size()) return true;
  // /bin/sh answers 127 for a command it cannot find: the text goes to the
  // terminal. Otherwise the person quit the pager.
  const int status = ClosePager();
  quit_ = !(WIFEXITED(status) && WEXITSTATUS(status) == 127);
  return false;
}

int PagedOutput::ClosePager() {
  const int status = pclose(pipe_);
  pipe_ = nullptr;
  sigaction(SIGPIPE, &previous_sigpipe_, nullptr);
  return status;
}

bool PagedOutput::Finish() {
  if (!paged_) {
    paged_ = true;
    const bool shown = pager_ && Overflows(held_, *screen_) && ShowInPager(held_, *pager_);
    if (!shown) std::fwrite(held_.data(), 1, held_.size(), out_);
    held_.clear();
    return shown;
  }
  if (pipe_ == nullptr) return quit_;
  const int status = ClosePager();
  return !(WIFEXITED(status) && WEXITSTATUS(status) == 127);
}

}  // namespace hindsight::tools
