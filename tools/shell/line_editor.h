// Line editing for the interactive shell on libedit's wide-character
// interface: any UTF-8 text typed reaches the caller unchanged, Ctrl-C
// cancels the line instead of ending the program, history is kept in a
// file, and TAB asks the caller for completions.
#ifndef HINDSIGHT_TOOLS_SHELL_LINE_EDITOR_H_
#define HINDSIGHT_TOOLS_SHELL_LINE_EDITOR_H_

#include <functional>
#include <string>
#include <vector>

struct editline;
struct history;

namespace hindsight::tools {

class LineEditor {
 public:
  // The words that may replace `word` (the text before the cursor back to
  // a space or punctuation; UTF-8). `after_quote`: the word follows a `"`.
  using Completer = std::function<std::vector<std::string>(const std::string& word, bool after_quote)>;

  // Reads standard input, a terminal. Loads the history from
  // `history_path` (none if empty). REQUIRES: InstallInterruptHandlers()
  // was called, and the locale's character type is UTF-8.
  LineEditor(const std::string& history_path, Completer completer);
  // Saves the history.
  ~LineEditor();
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  enum class Input { kLine, kInterrupted, kEnd };
  // Shows `prompt` and reads a line into `*line` (without its newline).
  // kInterrupted when Ctrl-C (or SIGTERM/SIGHUP) arrived while typing; kEnd
  // at Ctrl-D on an empty line or the end of input.
  Input ReadLine(const std::string& prompt, std::string* line);

  // Adds `entry` (one line; a statement typed over several lines joined)
  // to the history.
  void AddHistory(const std::string& entry);

 private:
  static unsigned char CompleteKey(editline* el, int ch);
  static wchar_t* PromptOf(editline* el);
  static int GetChar(editline* el, wchar_t* out);

  editline* el_;
  struct HistoryState;
  HistoryState* history_;
  std::string history_path_;
  Completer completer_;
  std::wstring prompt_;
};

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_SHELL_LINE_EDITOR_H_
