// The interactive Hindsight shell (`hindsight shell`, `hindsight demo`):
// statements of the query language, dot commands, line editing, history
// and completion (libedit), results as tables or tsv/csv/json.
#ifndef HINDSIGHT_TOOLS_SHELL_SHELL_H_
#define HINDSIGHT_TOOLS_SHELL_SHELL_H_

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "shell/backend.h"
#include "shell/pager.h"
#include "shell/render.h"

namespace hindsight::tools {

class Shell {
 public:
  // `backend` must outlive the shell. Results go to `out`, errors to `err`.
  Shell(Backend* backend, std::FILE* out, std::FILE* err);
  ~Shell() { EndRedirect(); }
  Shell(const Shell&) = delete;
  Shell& operator=(const Shell&) = delete;

  // Runs every statement and dot command in `text` (a script, -c, -f).
  // Returns false when any of them failed; the rest still run unless bail
  // is on. Errors name `name`:LINE when `name` is given (a file).
  bool RunScript(const std::string& text, const std::string& name = "");

  // Gives a script's next line (without its '\n') and true, or false at
  // its end.
  using LineSource = std::function<bool(std::string* line)>;
  // RunScript of lines read as they come (standard input): each statement
  // runs once its last line is read, so a script written by another
  // program runs as it is written, and none is held whole in memory.
  bool RunLines(const LineSource& next, const std::string& name);

  // Reads statements with line editing (UTF-8, history, completion) until
  // Ctrl-D, .quit or \\q, SIGTERM or SIGHUP. Ctrl-C cancels the line being
  // typed or the running read and keeps the session and its transaction.
  // A failed statement does not end it; the session's end is not a failure.
  void RunInteractive();

  void set_format(Format f) { render_.format = f; }
  // Stop a script at its first error (--bail, .bail on).
  void set_bail(bool on) { bail_ = on; }

 private:
  // Feeds one line; runs what it completes. False when something failed.
  bool FeedLine(const std::string& line);
  bool RunStatement(const std::string& text);
  // Whether `st`'s answer is rows, written out as they come (RowWriter),
  // rather than a message or a chart.
  static bool WritesRowsAsTheyCome(const internal::Statement& st);
  // Runs `st` (parsed from `text`), writing its rows as they come through
  // Output(); false on an error, reported. A pager that quits stops it.
  bool RunWritingRows(const std::string& text, const internal::Statement& st);
  // Where an answer's text goes: the .output file, else the terminal,
  // through the pager when it does not fit (interactive only).
  PagedOutput Output() const;
  // Runs `st` and shows its whole answer (or chart); false on an error.
  bool RunAndShow(const std::string& text, const internal::Statement& st);
  // Runs timeline statement `st` and shows its chart; false on an error.
  bool RunTimeline(const std::string& text, const internal::Statement& st);
  // A dot command (.help lists them); false on an error.
  bool RunDotCommand(const std::string& line);
  // .output [FILE] and .once FILE: where the next answers go.
  bool Redirect(const std::vector<std::string>& words);
  // .read FILE: runs the file's statements and commands as a script.
  bool ReadScript(const std::string& path);
  // Shows a report (.stats, .predicates, .sessions, .tx) or its error.
  bool ShowReport(const absl::StatusOr<internal::Result>& report);
  // .names [PREFIX]: the first 1000 names that start with PREFIX.
  void ShowNames(const std::string& prefix);
  // For dot command `cmd` (the first word of `line`) when none ran: its
  // usage, or that it is unknown and what was perhaps meant. Always false.
  bool ExplainDotCommand(const std::string& cmd, const std::string& line);
  // A psql backslash command: the dot command of the same use, run (\x
  // and \timing alone toggle, as psql's do), or an error saying what to
  // type instead.
  bool RunBackslashCommand(const std::string& line);
  // The display settings' dot commands (.format, .headers, .expanded,
  // .maxwidth, .pager, .timer, .bail); false when `words` is none of them.
  bool RunSettingCommand(const std::vector<std::string>& words, bool* ok);
  // Shows a whole answer through Output().
  void Show(const std::string& output);
  // `result` as the display settings say.
  std::string Rendered(const internal::Result& result) const;
  // The display settings, with the terminal's width when answers go to it.
  RenderOptions DisplayOptions() const;
  void PrintError(const std::string& statement, const absl::Status& status);
  bool pending() const;
  std::string Prompt() const;
  // Back to standard output after .output or .once.
  void EndRedirect();
  std::vector<std::string> Completions(const std::string& word, bool after_quote) const;

  Backend* backend_;
  std::FILE* out_;
  std::FILE* err_;
  RenderOptions render_;  // format, headers, expanded, maximum width
  bool pager_ = true;     // interactive sessions page long answers (.pager)
  bool interactive_ = false;
  bool timer_ = false;
  bool quit_ = false;
  bool bail_ = false;
  std::FILE* redirect_ = nullptr;  // .output FILE or .once FILE
  bool once_ = false;
  std::string script_name_;  // the file a script comes from, for FILE:LINE in errors
  int statement_line_ = 0;   // the line the statement being run starts on
  std::string buffer_;  // an unfinished statement
};

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_SHELL_SHELL_H_
