// The command line of one subcommand: --help, options, positional
// arguments, and the usage errors every command reports the same way.
#ifndef HINDSIGHT_TOOLS_COMMAND_LINE_H_
#define HINDSIGHT_TOOLS_COMMAND_LINE_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "hindsight/db.h"

namespace hindsight::tools {

class CommandLine {
 public:
  // `command` names the subcommand in messages; `help` is its usage text.
  CommandLine(const char* command, const char* help) : command_(command), help_(help) {}

  // An option without a value: sets `*on`.
  void Flag(const char* name, bool* on) { options_.push_back({name, on, nullptr, nullptr}); }
  // An option with a value (the next argument).
  void Value(const char* name, std::string* value) { options_.push_back({name, nullptr, value, nullptr}); }
  // An option with a value that may repeat.
  void Values(const char* name, std::vector<std::string>* values) {
    options_.push_back({name, nullptr, nullptr, values});
  }

  // Parses `args`: options and positional arguments in any order, every
  // argument after a lone "--" positional (a statement that starts with a
  // comment, a file named "-x"). Returns an exit status when the command
  // must stop now (--help printed: 0; an unknown option, with the usage on
  // standard error, or a wrong number of positional arguments, said so with
  // the usage line: 2), nullopt otherwise.
  std::optional<int> Parse(const Args& args, size_t positional_count) {
    return Parse(args, positional_count, positional_count);
  }
  // The same, for a command that takes from `min` to `max` positional arguments.
  std::optional<int> Parse(const Args& args, size_t min, size_t max);

  // What the error for too many positional arguments adds, after "not N"
  // (": the statement is one argument, ...").
  void set_too_many_hint(std::string hint) { too_many_hint_ = std::move(hint); }

  const std::vector<std::string>& positional() const { return positional_; }

  // Prints "hindsight COMMAND: message" on standard error.
  void Error(const std::string& message) const { Note(message); }
  // The same, for what a user should know that is no error.
  void Note(const std::string& message) const;

 private:
  // "takes N arguments, not M", the usage lines and where to read more.
  void PrintCountError(size_t min, size_t max) const;

  struct Option {
    const char* name;
    bool* flag;
    std::string* value;
    std::vector<std::string>* values;
  };
  const char* command_;
  const char* help_;
  std::vector<Option> options_;
  std::vector<std::string> positional_;
  std::string too_many_hint_;
};

// Seconds from `start` to now on the steady clock: how long a command, or
// a step of it, has run.
double SecondsSince(std::chrono::steady_clock::time_point start);

// "512", "64K", "32M", "1G" in bytes; nullopt if malformed or zero.
std::optional<size_t> ParseSize(const std::string& text);

// Sets `options` to say on standard error, as `cl`'s notes, that the
// database opening is being upgraded from an earlier format (`cl` must
// outlive the open).
void NoteUpgrades(const CommandLine& cl, Options* options);

// Opens the existing database in `dir`, or prints why not and returns null;
// an upgrade is noted.
std::unique_ptr<Database> OpenExisting(const CommandLine& cl, const std::string& dir);

// Opens the database in `dir` with `options`; where there is none (no
// directory, or an empty one) creates it, saying so on standard error, so
// that a mistyped path does not pass unnoticed; an upgrade is noted.
// Open's errors.
absl::StatusOr<std::unique_ptr<Database>> OpenOrCreate(const CommandLine& cl, const std::string& dir,
                                                       Options options);

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_COMMAND_LINE_H_
