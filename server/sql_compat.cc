#include "server/sql_compat.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "query/statement.h"

namespace hindsight::server {
namespace {

// The lower-case words of `text` up to the first that is not a bare word;
// `*end` (if given) is where the last of them ends.
std::vector<std::string> LeadingWords(std::string_view text, size_t max, size_t* end = nullptr) {
  std::vector<std::string> words;
  size_t i = 0;
  if (end != nullptr) *end = 0;
  while (words.size() < max) {
    while (i < text.size() && absl::ascii_isspace(static_cast<unsigned char>(text[i]))) ++i;
    const size_t start = i;
    while (i < text.size() && (absl::ascii_isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_')) ++i;
    if (i == start) break;
    words.push_back(absl::AsciiStrToLower(std::string(text.substr(start, i - start))));
    if (end != nullptr) *end = i;
  }
  return words;
}

Command Of(Command::Kind kind, std::string parameter = "", std::string argument = "") {
  Command c;
  c.kind = kind;
  c.parameter = std::move(parameter);
  c.argument = std::move(argument);
  return c;
}

// The text of `statement` after its first `words` words, trimmed.
std::string_view AfterWords(std::string_view statement, size_t words) {
  size_t end = 0;
  LeadingWords(statement, words, &end);
  std::string_view rest = statement.substr(end);
  while (!rest.empty() && absl::ascii_isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
  while (!rest.empty() && absl::ascii_isspace(static_cast<unsigned char>(rest.back()))) rest.remove_suffix(1);
  return rest;
}

// SELECT followed by an integer or version(): neither is a statement of the
// language (a pattern has three terms), so nothing else is taken from it.
Command ClassifySelect(std::string_view statement) {
  const std::string_view rest = AfterWords(statement, 1);
  const auto digit = [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); };
  const auto space = [](char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); };
  const std::string_view digits = !rest.empty() && rest.front() == '-' ? rest.substr(1) : rest;
  if (!digits.empty() && digits.size() <= 18 && std::all_of(digits.begin(), digits.end(), digit)) {
    return Of(Command::Kind::kSelect, "?column?", std::string(rest));
  }
  std::string call(rest);
  call.erase(std::remove_if(call.begin(), call.end(), space), call.end());
  if (absl::AsciiStrToLower(call) == "version()") return Of(Command::Kind::kSelect, "version");
  return Of(Command::Kind::kHindsight);
}

// DEALLOCATE [PREPARE] name | ALL; a name that is not one word is left to
// the language, which rejects it.
Command ClassifyDeallocate(std::string_view statement) {
  const std::vector<std::string> w = LeadingWords(statement, 3);
  const bool prepare = w.size() > 1 && w[1] == "prepare";
  const std::string_view name = AfterWords(statement, prepare ? 2 : 1);
  // A quoted name as written, an unquoted one folded to lower case.
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    return Of(Command::Kind::kDeallocate, std::string(name.substr(1, name.size() - 2)));
  }
  const std::string folded = absl::AsciiStrToLower(std::string(name));
  if (folded.empty()) return Of(Command::Kind::kHindsight);
  return Of(Command::Kind::kDeallocate, folded == "all" ? "" : folded);
}

}  // namespace

bool IsBlankStatement(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '-' && i + 1 < text.size() && text[i + 1] == '-') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (!absl::ascii_isspace(static_cast<unsigned char>(text[i]))) {
      return false;
    }
  }
  return true;
}

Command Classify(std::string_view statement) {
  if (IsBlankStatement(statement)) return Of(Command::Kind::kEmpty);
  const std::vector<std::string> w = LeadingWords(statement, 2);
  const std::string first = w.empty() ? "" : w[0];
  const std::string second = w.size() > 1 ? w[1] : "";
  using Kind = Command::Kind;
  if (first == "begin") {
    // The language's own begin takes 'at' and 'source'.
    return second == "at" || second == "source" ? Of(Kind::kHindsight) : Of(Kind::kBegin);
  }
  if (first == "start" && second == "transaction") return Of(Kind::kBegin);
  // Plain COMMIT and ROLLBACK only: savepoints and two-phase commit are
  // left to the language, which rejects them.
  const bool plain = second.empty() || second == "work" || second == "transaction" || second == "and";
  if ((first == "commit" || first == "end") && plain) return Of(Kind::kCommit);
  if ((first == "rollback" || first == "abort") && plain) return Of(Kind::kRollback);
  if (first == "savepoint" || first == "release" || ((first == "rollback" || first == "abort") && second == "to")) {
    return Of(Kind::kSavepoint);
  }
  if (first == "select") return ClassifySelect(statement);
  if (first == "discard" && (second == "all" || second == "plans" || second == "sequences" || second == "temp" ||
                             second == "temporary")) {
    return Of(Kind::kDiscard, second);
  }
  if (first == "deallocate") return ClassifyDeallocate(statement);
  if (first == "set") return Of(Kind::kSet);
  if (first == "reset") return Of(Kind::kReset);
  if (first == "show" || first == "checkpoint") {
    // The rest as written: a count, a name prefix ('Syr' or Syr), a
    // directory.
    const bool show = first == "show";
    std::string argument(AfterWords(statement, show ? 2 : 1));
    if (argument.size() >= 2 && argument.front() == '\'' && argument.back() == '\'') {
      argument = absl::StrReplaceAll(argument.substr(1, argument.size() - 2), {{"''", "'"}});
    }
    return show ? Of(Kind::kShow, second, std::move(argument)) : Of(Kind::kCheckpoint, "", std::move(argument));
  }
  return Of(Kind::kHindsight);
}

std::vector<Piece> SplitStatements(std::string_view query) {
  std::vector<Piece> out;
  size_t offset = 0;
  while (offset < query.size()) {
    const std::string_view rest = query.substr(offset);
    const size_t end = internal::StatementEnd(rest);
    const std::string_view text = rest.substr(0, end == std::string_view::npos ? rest.size() : end);
    if (!IsBlankStatement(text)) out.push_back({offset, text});
    if (end == std::string_view::npos) break;
    offset += end + 1;
  }
  return out;
}

}  // namespace hindsight::server
