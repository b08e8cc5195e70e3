#include "shell/shell.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "query/lexer.h"
#include "query/statement.h"
#include "shell/help_text.h"
#include "shell/interrupt.h"
#include "shell/line_editor.h"
#include "shell/pager.h"
#include "shell/timeline_statement.h"
#include "util/edit_distance.h"
#include "util/utf8.h"
#include "error_caret.h"
#include "terminal_text.h"

namespace hindsight::tools {
namespace {

bool IsBlank(const std::string& s) { return absl::StripAsciiWhitespace(s).empty(); }

// The command a person most likely meant by `cmd`, an unknown one: what
// sqlite3 or psql calls it, or a command one or two edits away; "" if none.
std::string MeantCommand(const std::string& cmd) {
  static const absl::flat_hash_map<std::string, std::string>* const kOtherShells =
      new absl::flat_hash_map<std::string, std::string>{
          {".mode", ".format"},         {".width", ".maxwidth"},      {".tables", ".predicates"},
          {".schema", ".predicates"},   {".indexes", ".predicates"},  {".x", ".expanded"}};
  if (const auto other = kOtherShells->find(cmd); other != kOtherShells->end()) return other->second;
  static const char* const kCommands[] = {".format", ".headers", ".expanded", ".maxwidth", ".pager",
                                          ".timer",  ".tx",      ".names",    ".stats",    ".predicates",
                                          ".sessions", ".output", ".once",    ".read",     ".bail",
                                          ".help",   ".quit",    ".exit"};
  const std::string lower = absl::AsciiStrToLower(cmd);
  for (const char* known : kCommands) {
    const size_t most = std::string_view(known).size() > 4 ? 2 : 1;
    if (internal::EditDistanceBelow(lower, known, most + 1) <= most) return known;
  }
  return "";
}

std::string HistoryPath() {
  const char* home = std::getenv("HOME");
  return home != nullptr ? std::string(home) + "/.hindsight_history" : "";
}

}  // namespace

Shell::Shell(Backend* backend, std::FILE* out, std::FILE* err) : backend_(backend), out_(out), err_(err) {}

bool Shell::pending() const { return !IsBlank(buffer_); }

bool Shell::RunScript(const std::string& text, const std::string& name) {
  const std::vector<absl::string_view> lines = absl::StrSplit(absl::string_view(text.data(), text.size()), '\n');
  size_t i = 0;
  return RunLines(
      [&](std::string* line) {
        if (i == lines.size()) return false;
        line->assign(lines[i].data(), lines[i].size());
        ++i;
        return true;
      },
      name);
}

bool Shell::RunLines(const LineSource& next, const std::string& name) {
  bool ok = true;
  script_name_ = name;
  int line_number = 0;
  for (std::string line; !quit_ && !(bail_ && !ok) && next(&line);) {
    ++line_number;
    if (InterruptFlag()->load()) return false;  // a signal stops a script (where handlers are installed)
    if (line_number == 1) line = std::string(internal::WithoutByteOrderMark(line));
    if (!pending()) statement_line_ = line_number;
    ok &= FeedLine(line);
  }
  if (pending() && !quit_) {  // a last statement without ';', up to its last character
    const std::string rest(absl::StripTrailingAsciiWhitespace(buffer_));
    buffer_.clear();
    if (!internal::IsBlankStatement(rest)) ok &= RunStatement(rest);
  }
  return ok;
}

bool Shell::FeedLine(const std::string& line) {
  if (!pending()) {
    const std::string trimmed(absl::StripAsciiWhitespace(line));
    if (trimmed.empty()) return true;
    if (trimmed[0] == '.') return RunDotCommand(trimmed);
    if (trimmed[0] == '\\') return RunBackslashCommand(trimmed);
    const std::string lower = absl::AsciiStrToLower(trimmed);
    if (lower == "quit" || lower == "exit" || lower == "quit;" || lower == "exit;") {
      quit_ = true;
      return true;
    }
    if (lower == "help" || lower.rfind("help ", 0) == 0) return RunStatement(trimmed);
  }
  absl::StrAppend(&buffer_, pending() ? "\n" : "", line);
  bool ok = true;
  for (size_t end; (end = internal::StatementEnd(buffer_)) != std::string::npos;) {
    const std::string statement = buffer_.substr(0, end + 1);
    buffer_.erase(0, end + 1);
    if (!internal::IsBlankStatement(statement.substr(0, statement.size() - 1))) ok &= RunStatement(statement);
    // What is left of the line starts the next statement, on this line.
    statement_line_ += static_cast<int>(std::count(statement.begin(), statement.end(), '\n'));
  }
  if (internal::IsBlankStatement(buffer_)) buffer_.clear();
  return ok;
}

void Shell::PrintError(const std::string& statement, const absl::Status& status) {
  // The line of the script the error is on: the statement's first, or the
  // one its column falls on.
  const std::optional<size_t> column = internal::ErrorColumn(status);
  const size_t before = column ? std::min(*column - 1, statement.size()) : 0;
  const int line = statement_line_ + static_cast<int>(std::count(statement.begin(), statement.begin() + before, '\n'));
  const std::string where = script_name_.empty() ? "" : absl::StrCat(script_name_, ":", line, ": ");
  std::fprintf(err_, "%serror: %s", where.c_str(), DescribeError(statement, status).c_str());
  if (internal::StartsLikeSql(statement)) {
    std::fprintf(err_, "hint: %s; type help, or .predicates for what the database holds\n", internal::kNotSqlHint);
  }
}

bool Shell::RunStatement(const std::string& text) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<internal::Statement> st = internal::ParseStatement(text);
  if (!st.ok()) {
    PrintError(text, st.status());
    return false;
  }
  if (st->kind == internal::Statement::Kind::kHelp) {
    std::fputs(HelpText(st->topic).c_str(), out_);
    return true;
  }
  if (!(WritesRowsAsTheyCome(*st) ? RunWritingRows(text, *st) : RunAndShow(text, *st))) return false;
  if (timer_) {
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(out_, "time: %.3f ms\n", ms);
  }
  // Out before the next statement runs: an acknowledged commit is never
  // left in a buffer that a crash would lose.
  std::fflush(out_);
  return true;
}

bool Shell::WritesRowsAsTheyCome(const internal::Statement& st) {
  return st.kind != internal::Statement::Kind::kTimeline && !internal::Session::ColumnsOf(st).empty();
}

PagedOutput Shell::Output() const {
  if (redirect_ != nullptr) return PagedOutput(redirect_, std::nullopt, std::nullopt);
  return PagedOutput(out_, TerminalSize(out_), interactive_ && pager_ ? PagerCommand() : std::nullopt);
}

bool Shell::RunWritingRows(const std::string& text, const internal::Statement& st) {
  RowWriter writer(DisplayOptions(), internal::Session::ColumnsOf(st), internal::Session::ContractColumnsOf(st));
  PagedOutput output = Output();
  std::string buffer;
  const internal::Session::CellsConsumer rows = [&](std::vector<internal::Cell>&& row) {
    writer.Add(row, &buffer);
    if (buffer.size() < kRowWriterBufferBytes) return;
    if (!output.Write(buffer)) Interrupt();  // the pager quit: the statement stops as after Ctrl-C
    buffer.clear();
  };
  absl::StatusOr<internal::Result> result = backend_->Execute(text, st, &rows);
  if (result.ok()) writer.Finish(*result, &buffer);
  const bool pager_quit = !output.Write(buffer);
  if (output.Finish()) TakeInterrupt();  // a Ctrl-C meant for the pager, or the pager's quitting
  if (!result.ok() && !(pager_quit && absl::IsCancelled(result.status()))) {
    PrintError(text, result.status());
    return false;
  }
  if (redirect_ != nullptr && once_) EndRedirect();
  return true;
}

bool Shell::RunAndShow(const std::string& text, const internal::Statement& st) {
  if (st.kind == internal::Statement::Kind::kTimeline) return RunTimeline(text, st);
  absl::StatusOr<internal::Result> result = backend_->Execute(text, st, nullptr);
  if (!result.ok()) {
    PrintError(text, result.status());
    return false;
  }
  Show(Rendered(*result));
  return true;
}

bool Shell::RunTimeline(const std::string& text, const internal::Statement& st) {
  TimelineRows answer(TimelineKeysDrawn(st));
  const internal::Session::CellsConsumer rows = [&](std::vector<internal::Cell>&& row) { answer.Add(std::move(row)); };
  if (absl::StatusOr<internal::Result> result = backend_->Execute(text, st, &rows); !result.ok()) {
    PrintError(text, result.status());
    return false;
  }
  const std::optional<ScreenSize> screen = TerminalSize(out_);
  absl::StatusOr<std::string> chart =
      TimelineOutput(st, text, answer, SystemClock()->Now(), screen && !redirect_ ? screen->columns : 100);
  if (!chart.ok()) {
    std::fprintf(err_, "error: %s\n", std::string(chart.status().message()).c_str());
    return false;
  }
  Show(*chart);
  return true;
}

RenderOptions Shell::DisplayOptions() const {
  RenderOptions options = render_;
  if (const std::optional<ScreenSize> screen = TerminalSize(out_); screen && redirect_ == nullptr) {
    options.screen_width = screen->columns;
  }
  return options;
}

std::string Shell::Rendered(const internal::Result& result) const { return Render(result, DisplayOptions()); }

void Shell::Show(const std::string& output) {
  PagedOutput paged = Output();
  paged.Write(output);
  if (paged.Finish()) TakeInterrupt();  // a Ctrl-C meant for the pager
  if (redirect_ != nullptr && once_) EndRedirect();
}

bool Shell::RunSettingCommand(const std::vector<std::string>& words, bool* ok) {
  const std::string& cmd = words[0];
  // Commands that show their setting without an argument and take one of
  // a few words.
  using Expanded = RenderOptions::Expanded;
  using Headers = RenderOptions::Headers;
  struct Choice {
    const char* word;
    std::function<void()> choose;
    bool current;
  };
  std::vector<Choice> choices;
  if (cmd == ".format") {
    for (const auto& [name, f] : {std::pair{"table", Format::kTable}, std::pair{"tsv", Format::kTsv},
                                  std::pair{"csv", Format::kCsv}, std::pair{"json", Format::kJson}}) {
      choices.push_back({name, [this, f = f] { render_.format = f; }, render_.format == f});
    }
  } else if (cmd == ".headers") {
    for (const auto& [name, h] : {std::pair{"auto", Headers::kAuto}, std::pair{"on", Headers::kOn},
                                  std::pair{"off", Headers::kOff}}) {
      choices.push_back({name, [this, h = h] { render_.headers = h; }, render_.headers == h});
    }
  } else if (cmd == ".expanded") {
    for (const auto& [name, e] : {std::pair{"off", Expanded::kOff}, std::pair{"on", Expanded::kOn},
                                  std::pair{"auto", Expanded::kAuto}}) {
      choices.push_back({name, [this, e = e] { render_.expanded = e; }, render_.expanded == e});
    }
  } else if (cmd == ".pager" || cmd == ".timer" || cmd == ".bail") {
    bool* flag = cmd == ".pager" ? &pager_ : cmd == ".timer" ? &timer_ : &bail_;
    choices.push_back({"on", [flag] { *flag = true; }, *flag});
    choices.push_back({"off", [flag] { *flag = false; }, !*flag});
  } else if (cmd == ".maxwidth") {
    if (words.size() == 1) {
      std::fprintf(out_, "%s\n", render_.max_width == 0 ? "off" : absl::StrCat(render_.max_width).c_str());
    } else if (size_t n = 0; words.size() == 2 && (words[1] == "off" || (absl::SimpleAtoi(words[1], &n) && n > 0))) {
      render_.max_width = words[1] == "off" ? 0 : n;
    } else {
      std::fprintf(err_, "error: .maxwidth takes a positive number of columns, or off\n");
      *ok = false;
    }
    return true;
  } else {
    return false;
  }
  std::string names;
  for (const Choice& c : choices) {
    if (words.size() == 1 && c.current) std::fprintf(out_, "%s\n", c.word);
    if (words.size() == 2 && words[1] == c.word) {
      c.choose();
      return true;
    }
    absl::StrAppend(&names, names.empty() ? "" : &c == &choices.back() ? " or " : ", ", c.word);
  }
  if (words.size() == 1) return true;
  std::fprintf(err_, "error: %s takes %s\n", cmd.c_str(), names.c_str());
  *ok = false;
  return true;
}

bool Shell::RunDotCommand(const std::string& line) {
  const std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipWhitespace());
  const std::string& cmd = words[0];
  const size_t n = words.size();
  if (cmd == ".quit" || cmd == ".exit") {
    quit_ = true;
    return true;
  }
  if (cmd == ".help") {
    std::fputs(HelpText("commands").c_str(), out_);
    return true;
  }
  if ((cmd == ".output" && n <= 2) || (cmd == ".once" && n == 2)) return Redirect(words);
  if (cmd == ".read" && n == 2) return ReadScript(words[1]);
  if (cmd == ".stats" && n == 1) return ShowReport(backend_->Stats());
  if (cmd == ".predicates" && n == 1) return ShowReport(backend_->Predicates());
  if (cmd == ".sessions" && n == 1) return ShowReport(backend_->Sessions());
  if (cmd == ".tx" && n <= 2) {
    uint64_t count = 10;
    if (n == 2 && (!absl::SimpleAtoi(words[1], &count) || count == 0)) {
      std::fprintf(err_, "error: .tx takes a positive count\n");
      return false;
    }
    return ShowReport(backend_->RecentTransactions(count));
  }
  if (cmd == ".names" && n <= 2) {
    ShowNames(n == 2 ? words[1] : "");
    return true;
  }
  if (bool ok = true; RunSettingCommand(words, &ok)) return ok;
  return ExplainDotCommand(cmd, line);
}

bool Shell::Redirect(const std::vector<std::string>& words) {
  EndRedirect();
  if (words.size() == 1) return true;  // back to standard output
  redirect_ = std::fopen(words[1].c_str(), "w");
  if (redirect_ == nullptr) {
    std::fprintf(err_, "error: cannot write '%s': %s\n", words[1].c_str(), std::strerror(errno));
    return false;
  }
  once_ = words[0] == ".once";
  return true;
}

bool Shell::ReadScript(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(err_, "error: cannot open '%s': %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string outer_name = script_name_;
  const int outer_line = statement_line_;
  const bool ok = RunScript(text.str(), path);
  script_name_ = outer_name;
  statement_line_ = outer_line;
  return ok;
}

bool Shell::ShowReport(const absl::StatusOr<internal::Result>& report) {
  if (!report.ok()) {
    std::fprintf(err_, "error: %s\n", std::string(report.status().message()).c_str());
    return false;
  }
  Show(Rendered(*report));
  return true;
}

void Shell::ShowNames(const std::string& prefix) {
  constexpr size_t kMost = 1000;
  const std::vector<std::string> names = backend_->NamesWithPrefix(std::string(internal::NamePrefix(prefix)), kMost);
  for (const std::string& name : names) std::fprintf(out_, "%s\n", ShownName(name).c_str());
  std::fprintf(out_, "(%zu name%s%s)\n", names.size(), names.size() == 1 ? "" : "s",
               names.size() == kMost ? ", the first 1000" : "");
}

bool Shell::ExplainDotCommand(const std::string& cmd, const std::string& line) {
  static const absl::flat_hash_map<std::string, std::string>* const kUsage =
      new absl::flat_hash_map<std::string, std::string>{
          {".output", ".output [FILE]"},
          {".once", ".once FILE"},
          {".read", ".read FILE"},
          {".names", ".names [PREFIX]"},
          {".tx", ".tx [N]"},
          {".stats", ".stats (no arguments)"},
          {".sessions", ".sessions (no arguments)"},
          {".predicates", ".predicates (no arguments)"}};
  if (const auto usage = kUsage->find(cmd); usage != kUsage->end()) {
    std::fprintf(err_, "error: usage: %s\n", usage->second.c_str());
    return false;
  }
  const std::string meant = MeantCommand(cmd);
  std::fprintf(err_, "error: unknown command '%s' (%stry .help)\n", internal::Excerpt(line).c_str(),
               meant.empty() ? "" : absl::StrCat("did you mean ", meant, "? ").c_str());
  return false;
}

bool Shell::RunBackslashCommand(const std::string& line) {
  std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipWhitespace());
  const std::string cmd = words[0];
  const bool expanded = render_.expanded != RenderOptions::Expanded::kOff;
  if (cmd == "\\x" && words.size() == 1) words.push_back(expanded ? "off" : "on");
  if (cmd == "\\timing" && words.size() == 1) words.push_back(timer_ ? "off" : "on");
  static const std::pair<std::string_view, std::string_view> kSameUse[] = {
      {"\\x", ".expanded"}, {"\\timing", ".timer"}, {"\\?", ".help"},
      {"\\o", ".output"},   {"\\i", ".read"},       {"\\q", ".quit"}};
  for (const auto& [psql, dot] : kSameUse) {
    if (cmd != psql) continue;
    words[0] = dot;
    return RunDotCommand(absl::StrJoin(words, " "));
  }
  if (cmd == "\\h") return RunStatement(words.size() > 1 ? "help " + words[1] : "help");
  const bool lists = absl::StartsWith(cmd, "\\d") || cmd == "\\l";
  std::fprintf(err_, "error: %s is psql's; this shell's commands start with '.' (%s)\n",
               internal::Excerpt(cmd).c_str(),
               lists ? "Hindsight has no tables: .predicates lists the predicates, .names the names"
                     : ".help lists them");
  return false;
}

std::vector<std::string> Shell::Completions(const std::string& word, bool after_quote) const {
  std::vector<std::string> out;
  const std::string lower = absl::AsciiStrToLower(word);
  if (!after_quote) {
    for (const auto* words : {&internal::Keywords(), &internal::StatementOnlyWords()}) {
      for (const std::string& k : *words) {
        if (k.rfind(lower, 0) == 0) out.push_back(k);
      }
    }
  }
  for (const std::string& n : backend_->NamesWithPrefix(word, 200)) {
    out.push_back(after_quote || internal::ReadsAsName(n) ? n : FormatValue(Value::String(n)));
  }
  return out;
}

void Shell::EndRedirect() {
  if (redirect_ != nullptr) std::fclose(redirect_);
  redirect_ = nullptr;
  once_ = false;
}

std::string Shell::Prompt() const {
  if (!pending()) return backend_->in_transaction() ? "hindsight*> " : "hindsight> ";
  switch (internal::OpenAtEnd(buffer_)) {  // what the next line continues, as psql's prompt shows it
    case '"':
      return "    \"...> ";
    case '\'':
      return "    '...> ";
    case '*':
      return "   /*...> ";
    default:
      return "     ...> ";
  }
}

void Shell::RunInteractive() {
  InstallInterruptHandlers();
  interactive_ = true;
  LineEditor editor(HistoryPath(),
                    [this](const std::string& word, bool after_quote) { return Completions(word, after_quote); });
  std::string entry;  // the statement being typed, one history entry however many lines
  while (!quit_) {
    std::string line;
    const LineEditor::Input input = editor.ReadLine(Prompt(), &line);
    if (TerminationRequested() || input == LineEditor::Input::kEnd) break;
    if (input == LineEditor::Input::kInterrupted) {  // Ctrl-C: drop what was typed, keep the session
      if (pending()) std::fputs("(statement cancelled)\n", err_);
      buffer_.clear();
      entry.clear();
      continue;
    }
    if (!IsBlank(line)) absl::StrAppend(&entry, entry.empty() ? "" : " ", line);
    FeedLine(line);
    TakeInterrupt();  // a Ctrl-C that stopped a read has been reported
    if (!pending() && !entry.empty()) {
      editor.AddHistory(entry);
      entry.clear();
    }
    std::fflush(out_);
  }
  if (pending()) std::fputs("(unfinished statement discarded: end statements with ';')\n", err_);
  if (backend_->in_transaction()) {
    std::fprintf(err_, "(open transaction rolled back: %zu operation%s not committed)\n",
                 backend_->pending_operations(), backend_->pending_operations() == 1 ? "" : "s");
  }
  std::fputs("\n", out_);
}

}  // namespace hindsight::tools
