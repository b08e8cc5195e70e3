#include "shell/shell.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "format/tsv.h"
#include "query/statement.h"
#include "shell/help_text.h"
#include "shell/interrupt.h"
#include "shell/line_editor.h"
#include "shell/timeline_chart.h"
#include "error_caret.h"
#include "terminal_text.h"

namespace hindsight::tools {
namespace {

// The statement without its `--` comments (they would confuse the parser),
// each comment blanked so that columns keep their places.
std::string WithoutComments(const std::string& s) {
  std::string out;
  char quote = 0;  // the quote we are inside, if any
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote != 0) {
      if (quote == '"' && c == '\\' && i + 1 < s.size()) {
        out.push_back(c);
        out.push_back(s[++i]);
        continue;
      }
      if (c == quote) quote = 0;  // a doubled '' closes and reopens
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      while (i < s.size() && s[i] != '\n') out.push_back(' '), ++i;
      if (i < s.size()) out.push_back('\n');
      continue;
    }
    out.push_back(c);
  }
  return out;
}

bool IsBlank(const std::string& s) { return absl::StripAsciiWhitespace(s).empty(); }

// Whether `s` ends inside a quoted name or string.
bool InOpenQuote(const std::string& s) {
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (quote != 0) {
      if (quote == '"' && s[i] == '\\') ++i;
      else if (s[i] == quote) quote = 0;
    } else if (s[i] == '"' || s[i] == '\'') {
      quote = s[i];
    } else if (s[i] == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      while (i < s.size() && s[i] != '\n') ++i;
    }
  }
  return quote != 0;
}

std::string HistoryPath() {
  const char* home = std::getenv("HOME");
  return home != nullptr ? std::string(home) + "/.hindsight_history" : "";
}

std::vector<Row> RowsOf(const internal::Result& r) {
  std::vector<Row> rows;
  for (const auto& cells : r.rows) {
    rows.push_back({{cells[0].text, cells[1].text, cells[2].text}, cells[3].value, {cells[4].instant, cells[5].instant}});
  }
  return rows;
}

}  // namespace

Shell::Shell(Backend* backend, std::FILE* out, std::FILE* err) : backend_(backend), out_(out), err_(err) {}

bool Shell::pending() const { return !IsBlank(buffer_); }

bool Shell::RunScript(const std::string& text, const std::string& name) {
  bool ok = true;
  script_name_ = name;
  int line_number = 0;
  for (const absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (quit_ || (bail_ && !ok)) break;
    if (InterruptFlag()->load()) return false;  // a signal stops a script (where handlers are installed)
    if (!pending()) statement_line_ = line_number;
    ok &= FeedLine(std::string(line));
  }
  if (pending() && !quit_) {  // a last statement without ';'
    const std::string rest = std::move(buffer_);
    buffer_.clear();
    if (!IsBlank(WithoutComments(rest))) ok &= RunStatement(rest);
  }
  return ok;
}

bool Shell::FeedLine(const std::string& line) {
  if (!pending()) {
    const std::string trimmed(absl::StripAsciiWhitespace(line));
    if (trimmed.empty()) return true;
    if (trimmed[0] == '.') return RunDotCommand(trimmed);
    const std::string lower = absl::AsciiStrToLower(trimmed);
    if (lower == "quit" || lower == "exit" || lower == "\\q") {
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
    if (!IsBlank(WithoutComments(statement.substr(0, statement.size() - 1)))) ok &= RunStatement(statement);
  }
  if (IsBlank(WithoutComments(buffer_))) buffer_.clear();
  return ok;
}

void Shell::PrintError(const std::string& statement, const absl::Status& status) {
  const std::string where = script_name_.empty() ? "" : absl::StrCat(script_name_, ":", statement_line_, ": ");
  std::fprintf(err_, "%serror: %s", where.c_str(), DescribeError(statement, status).c_str());
}

bool Shell::RunStatement(const std::string& text) {
  const std::string clean = WithoutComments(text);
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<internal::Statement> st = internal::ParseStatement(clean);
  if (!st.ok()) {
    PrintError(clean, st.status());
    return false;
  }
  if (st->kind == internal::Statement::Kind::kHelp) {
    std::fputs(HelpText(st->topic).c_str(), out_);
    return true;
  }
  absl::StatusOr<internal::Result> result = backend_->Execute(clean, *st);
  if (!result.ok()) {
    PrintError(clean, result.status());
    return false;
  }
  std::string output;
  if (st->kind == internal::Statement::Kind::kTimeline) {
    const std::vector<Row> rows = RowsOf(*result);
    const Instant now = SystemClock()->Now();
    if (!st->svg_path.empty()) {
      std::ofstream svg(st->svg_path, std::ios::binary);
      svg << DrawTimelineSvg(rows, now);
      if (!svg) {
        std::fprintf(err_, "error: cannot write %s\n", st->svg_path.c_str());
        return false;
      }
      output = absl::StrCat("wrote ", st->svg_path, " (", rows.size(), " segments)\n");
    } else {
      output = DrawTimelineText(rows, now);
    }
  } else {
    output = Render(*result, format_);
  }
  std::FILE* to = redirect_ != nullptr ? redirect_ : out_;
  std::fputs(output.c_str(), to);
  if (once_) EndRedirect();
  if (timer_) {
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(out_, "time: %.3f ms\n", ms);
  }
  // Out before the next statement runs: an acknowledged commit is never
  // left in a buffer that a crash would lose.
  std::fflush(out_);
  return true;
}

bool Shell::RunDotCommand(const std::string& line) {
  const std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipWhitespace());
  const std::string& cmd = words[0];
  if (cmd == ".quit" || cmd == ".exit") {
    quit_ = true;
    return true;
  }
  if ((cmd == ".output" && words.size() <= 2) || (cmd == ".once" && words.size() == 2)) {
    EndRedirect();
    if (words.size() == 1) return true;  // back to standard output
    redirect_ = std::fopen(words[1].c_str(), "w");
    if (redirect_ == nullptr) {
      std::fprintf(err_, "error: cannot write '%s': %s\n", words[1].c_str(), std::strerror(errno));
      return false;
    }
    once_ = cmd == ".once";
    return true;
  }
  if (cmd == ".read" && words.size() == 2) {
    std::ifstream in(words[1], std::ios::binary);
    if (!in) {
      std::fprintf(err_, "error: cannot open '%s': %s\n", words[1].c_str(), std::strerror(errno));
      return false;
    }
    std::stringstream text;
    text << in.rdbuf();
    const std::string outer_name = script_name_;
    const int outer_line = statement_line_;
    const bool ok = RunScript(text.str(), words[1]);
    script_name_ = outer_name;
    statement_line_ = outer_line;
    return ok;
  }
  if (cmd == ".stats" && words.size() == 1) {
    absl::StatusOr<internal::Result> stats = backend_->Stats();
    if (!stats.ok()) {
      std::fprintf(err_, "error: %s\n", std::string(stats.status().message()).c_str());
      return false;
    }
    std::fputs(Render(*stats, format_).c_str(), out_);
    return true;
  }
  if (cmd == ".names" && words.size() <= 2) {
    const std::vector<std::string> names = backend_->NamesWithPrefix(words.size() == 2 ? words[1] : "", 1000);
    for (const std::string& n : names) std::fprintf(out_, "%s\n", internal::EscapeField(n).c_str());
    std::fprintf(out_, "(%zu name%s%s)\n", names.size(), names.size() == 1 ? "" : "s",
                 names.size() == 1000 ? ", the first 1000" : "");
    return true;
  }
  if (cmd == ".help") {
    std::fputs(HelpText("commands").c_str(), out_);
    return true;
  }
  static const char* const kFormatNames[] = {"table", "tsv", "csv", "json"};
  if (cmd == ".format" && words.size() == 1) {
    std::fprintf(out_, "%s\n", kFormatNames[static_cast<int>(format_)]);
    return true;
  }
  if ((cmd == ".timer" || cmd == ".bail") && words.size() == 1) {
    std::fprintf(out_, "%s\n", (cmd == ".timer" ? timer_ : bail_) ? "on" : "off");
    return true;
  }
  if (cmd == ".bail" && words.size() == 2 && (words[1] == "on" || words[1] == "off")) {
    bail_ = words[1] == "on";
    return true;
  }
  if (cmd == ".format" && words.size() == 2) {
    static const std::pair<const char*, Format> kFormats[] = {
        {"table", Format::kTable}, {"tsv", Format::kTsv}, {"csv", Format::kCsv}, {"json", Format::kJson}};
    for (const auto& [name, f] : kFormats) {
      if (words[1] == name) {
        format_ = f;
        return true;
      }
    }
    std::fprintf(err_, "error: .format takes table, tsv, csv or json\n");
    return false;
  }
  if (cmd == ".timer" && words.size() == 2 && (words[1] == "on" || words[1] == "off")) {
    timer_ = words[1] == "on";
    return true;
  }
  if (cmd == ".tx" && words.size() <= 2) {
    uint64_t n = 10;
    if (words.size() == 2 && (!absl::SimpleAtoi(words[1], &n) || n == 0)) {
      std::fprintf(err_, "error: .tx takes a positive count\n");
      return false;
    }
    absl::StatusOr<internal::Result> recent = backend_->RecentTransactions(n);
    if (!recent.ok()) {
      std::fprintf(err_, "error: %s\n", std::string(recent.status().message()).c_str());
      return false;
    }
    std::fputs(Render(*recent, format_).c_str(), out_);
    return true;
  }
  std::fprintf(err_, "error: unknown command '%s' (try .help)\n", line.c_str());
  return false;
}

std::vector<std::string> Shell::Completions(const std::string& word, bool after_quote) const {
  std::vector<std::string> out;
  const std::string lower = absl::AsciiStrToLower(word);
  if (!after_quote) {
    for (const std::string& k : internal::Keywords()) {
      if (k.rfind(lower, 0) == 0) out.push_back(k);
    }
  }
  for (const std::string& n : backend_->NamesWithPrefix(word, 200)) {
    const bool needs_quotes = n.find_first_of(" \t;[](),=\"") != std::string::npos;
    out.push_back(needs_quotes && !after_quote ? FormatValue(Value::String(n)) : n);
  }
  return out;
}

void Shell::EndRedirect() {
  if (redirect_ != nullptr) std::fclose(redirect_);
  redirect_ = nullptr;
  once_ = false;
}

std::string Shell::Prompt() const {
  if (pending()) return InOpenQuote(buffer_) ? "    \"...> " : "     ...> ";
  return backend_->in_transaction() ? "hindsight*> " : "hindsight> ";
}

void Shell::RunInteractive() {
  InstallInterruptHandlers();
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
