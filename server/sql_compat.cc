#include "server/sql_compat.h"

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
  if (first == "set") return Of(Kind::kSet);
  if (first == "reset") return Of(Kind::kReset);
  if (first == "show" || first == "checkpoint") {
    // The rest as written: a count, a name prefix ('Syr' or Syr), a
    // directory.
    const bool show = first == "show";
    size_t end = 0;
    LeadingWords(statement, show ? 2 : 1, &end);
    std::string_view rest = statement.substr(end);
    while (!rest.empty() && absl::ascii_isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
    while (!rest.empty() && absl::ascii_isspace(static_cast<unsigned char>(rest.back()))) rest.remove_suffix(1);
    std::string argument(rest);
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
