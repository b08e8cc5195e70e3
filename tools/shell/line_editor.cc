#include "shell/line_editor.h"

#include <histedit.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "shell/interrupt.h"
#include "util/utf8.h"

namespace hindsight::tools {

using internal::AppendUtf8;
using internal::DecodeUtf8;

struct LineEditor::HistoryState {
  HistoryW* history;
};

namespace {

std::wstring Widen(const std::string& s) {
  std::wstring out;
  for (size_t i = 0, len = 0; i < s.size(); i += len)
    out.push_back(static_cast<wchar_t>(DecodeUtf8(s.substr(i), &len)));
  return out;
}

std::string Narrow(std::wstring_view s) {
  std::string out;
  for (const wchar_t c : s) AppendUtf8(static_cast<char32_t>(c), &out);
  return out;
}

LineEditor* EditorOf(EditLine* el) {
  void* self = nullptr;
  el_wget(el, EL_CLIENTDATA, &self);
  return static_cast<LineEditor*>(self);
}

// How many bytes the UTF-8 character starting with `b` has (1 for a byte
// that starts none: it decodes as U+FFFD).
size_t Utf8Length(unsigned char b) {
  return b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 1;
}

}  // namespace

LineEditor::LineEditor(const std::string& history_path, Completer completer)
    : el_(el_init("hindsight", stdin, stdout, stderr)),
      history_(new HistoryState{history_winit()}),
      history_path_(history_path),
      completer_(std::move(completer)) {
  el_wset(el_, EL_CLIENTDATA, static_cast<void*>(this));
  el_wset(el_, EL_EDITOR, L"emacs");
  el_wset(el_, EL_PROMPT, &LineEditor::PromptOf);
  el_wset(el_, EL_GETCFN, &LineEditor::GetChar);
  el_wset(el_, EL_ADDFN, L"hs-complete", L"complete a keyword or a name", &LineEditor::CompleteKey);
  el_wset(el_, EL_BIND, L"^I", L"hs-complete", nullptr);
  HistEventW ev;
  history_w(history_->history, &ev, H_SETSIZE, 2000);
  history_w(history_->history, &ev, H_SETUNIQUE, 1);
  if (!history_path_.empty()) history_w(history_->history, &ev, H_LOAD, history_path_.c_str());
  el_wset(el_, EL_HIST, history_w, history_->history);
  el_source(el_, nullptr);  // the user's ~/.editrc, if any
}

LineEditor::~LineEditor() {
  HistEventW ev;
  if (!history_path_.empty()) history_w(history_->history, &ev, H_SAVE, history_path_.c_str());
  el_end(el_);
  history_wend(history_->history);
  delete history_;
}

LineEditor::Input LineEditor::ReadLine(const std::string& prompt, std::string* line) {
  prompt_ = Widen(prompt);
  int count = 0;
  const wchar_t* text = el_wgets(el_, &count);
  if (TakeInterrupt()) return Input::kInterrupted;
  if (text == nullptr || count <= 0) return Input::kEnd;
  std::wstring_view view(text, static_cast<size_t>(count));
  if (!view.empty() && view.back() == L'\n') view.remove_suffix(1);
  *line = Narrow(view);
  return Input::kLine;
}

void LineEditor::AddHistory(const std::string& entry) {
  HistEventW ev;
  history_w(history_->history, &ev, H_ENTER, Widen(entry).c_str());
}

wchar_t* LineEditor::PromptOf(EditLine* el) { return EditorOf(el)->prompt_.data(); }

// Reads one character, decoding UTF-8 whatever the locale says. Returns 1
// with the character, 0 at the end of input, -1 when interrupted (the
// editor then returns no line) or on a read error.
int LineEditor::GetChar(EditLine* el, wchar_t* out) {
  std::string bytes;
  size_t need = 1;
  while (bytes.size() < need) {
    if (TakeResize()) el_resize(el);
    // A signal that came before the read began would not interrupt it:
    // wait in slices, looking at the flag between them.
    if (InterruptFlag()->load()) return -1;
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;  // a timeout, or EINTR: look at the flag again
    unsigned char b;
    const ssize_t n = read(STDIN_FILENO, &b, 1);
    if (n == 0) return 0;
    if (n < 0) {
      if (errno == EINTR && !InterruptFlag()->load()) continue;
      return -1;
    }
    if (bytes.empty()) need = Utf8Length(b);
    bytes.push_back(static_cast<char>(b));
  }
  size_t len = 0;
  *out = static_cast<wchar_t>(DecodeUtf8(bytes, &len));
  return 1;
}

// TAB: completes the word before the cursor as far as its candidates agree;
// a unique candidate replaces the word (so a name gains its quotes) and is
// followed by a space; several that agree no further are listed.
unsigned char LineEditor::CompleteKey(EditLine* el, int) {
  const LineInfoW* li = el_wline(el);
  const std::wstring before(li->buffer, static_cast<size_t>(li->cursor - li->buffer));
  size_t start = before.find_last_of(L" \t\n\"[](),;=");
  start = start == std::wstring::npos ? 0 : start + 1;
  const bool after_quote = start > 0 && before[start - 1] == L'"';
  const std::wstring word = before.substr(start);
  const std::vector<std::string> found = EditorOf(el)->completer_(Narrow(word), after_quote);
  if (found.empty()) return CC_REFRESH_BEEP;
  std::vector<std::wstring> candidates;
  for (const std::string& c : found) candidates.push_back(Widen(c));
  std::wstring common = candidates[0];
  for (const std::wstring& c : candidates) {
    size_t n = 0;
    while (n < common.size() && n < c.size() && common[n] == c[n]) ++n;
    common.resize(n);
  }
  const bool extends = common.compare(0, word.size(), word) == 0;
  if (candidates.size() == 1) {
    if (!extends) el_wdeletestr(el, static_cast<int>(word.size()));
    el_winsertstr(el, (extends ? common.substr(word.size()) : common).append(L" ").c_str());
    return CC_REFRESH;
  }
  if (extends && common.size() > word.size()) {
    el_winsertstr(el, common.substr(word.size()).c_str());
    return CC_REFRESH;
  }
  std::string list = "\n";
  for (const std::string& c : found) list += c + "  ";
  list += "\n";
  std::fputs(list.c_str(), stdout);
  std::fflush(stdout);
  return CC_REDISPLAY;
}

}  // namespace hindsight::tools
