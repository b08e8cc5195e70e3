#include "command_line.h"

#include <cstdio>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace hindsight::tools {

std::optional<int> CommandLine::Parse(const Args& args, size_t min, size_t max) {
  if (WantsHelp(args)) {
    std::fputs(help_, stdout);
    return kExitOk;
  }
  bool options_end = false;  // after "--" every argument is positional
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--" && !options_end) {
      options_end = true;
      continue;
    }
    if (options_end || a.size() < 2 || a[0] != '-') {
      positional_.push_back(a);
      continue;
    }
    const Option* option = nullptr;
    for (const Option& o : options_) {
      if (a == o.name) option = &o;
    }
    const bool needs_value = option != nullptr && option->flag == nullptr;
    if (option == nullptr || (needs_value && i + 1 == args.size())) {
      std::fprintf(stderr, "hindsight %s: %s '%s'\n\n%s", command_,
                   option == nullptr ? "unknown option" : "missing the value of", a.c_str(), help_);
      return kExitUsage;
    }
    if (option->flag != nullptr) *option->flag = true;
    if (option->value != nullptr) *option->value = args[++i];
    if (option->values != nullptr) option->values->push_back(args[++i]);
  }
  if (positional_.size() < min || positional_.size() > max) {
    PrintCountError(min, max);
    return kExitUsage;
  }
  return std::nullopt;
}

void CommandLine::PrintCountError(size_t min, size_t max) const {
  const std::string_view help = help_;
  const std::string wanted = min == max                                    ? absl::StrCat(min)
                             : max == std::numeric_limits<size_t>::max() ? absl::StrCat("at least ", min)
                                                                           : absl::StrCat(min, " to ", max);
  const bool one = wanted == "1" || absl::EndsWith(wanted, " 1");
  std::fprintf(stderr, "hindsight %s: takes %s argument%s, not %zu%s\n%s\n(hindsight %s --help says more)\n", command_,
               wanted.c_str(), one ? "" : "s", positional_.size(),
               positional_.size() > max ? too_many_hint_.c_str() : "",
               std::string(help.substr(0, help.find("\n\n"))).c_str(), command_);
}

void CommandLine::Note(const std::string& message) const {
  std::fprintf(stderr, "hindsight %s: %s\n", command_, message.c_str());
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::optional<size_t> ParseSize(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  size_t value = 0;
  if (digits == 0 || digits > 12 || !absl::SimpleAtoi(text.substr(0, digits), &value) || value == 0)
    return std::nullopt;
  const std::string unit = text.substr(digits);
  if (unit.empty()) return value;
  if (unit == "K") return value << 10;
  if (unit == "M") return value << 20;
  if (unit == "G") return value << 30;
  return std::nullopt;
}

void NoteUpgrades(const CommandLine& cl, Options* options) {
  options->upgrade_notes = [&cl](std::string_view note) { cl.Note(std::string(note)); };
}

std::unique_ptr<Database> OpenExisting(const CommandLine& cl, const std::string& dir) {
  Options options;
  NoteUpgrades(cl, &options);
  options.create_if_missing = false;
  options.read_only_if_in_use = true;
  auto db = Database::Open(dir, options);
  if (!db.ok()) {
    cl.Error(std::string(db.status().message()));
    return nullptr;
  }
  return std::move(*db);
}

absl::StatusOr<std::unique_ptr<Database>> OpenOrCreate(const CommandLine& cl, const std::string& dir,
                                                       Options options) {
  NoteUpgrades(cl, &options);
  options.create_if_missing = false;
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(dir, options);
  if (!absl::IsNotFound(db.status())) return db;
  options.create_if_missing = true;
  db = Database::Open(dir, options);
  if (db.ok()) cl.Note(absl::StrCat("no database at ", dir, ": created a new, empty one"));
  return db;
}

}  // namespace hindsight::tools
