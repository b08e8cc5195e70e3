// How the server reads the SQL a client sends (server/sql_compat.h): never
// crash; a misspelled cursor or COPY statement's error points into the
// statement; the statement a DECLARE or COPY holds lies inside it; a
// signalled pid is digits; a SET's value reads as a time setting or fails
// with 22023 (server/statement_timeout.h); a select list's items each have
// a name and a type, and evaluate to values or to an error whose column,
// if any, points into the statement (server/select_list.h).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "query/statement.h"
#include "server/select_list.h"
#include "server/sql_compat.h"
#include "server/sql_error.h"
#include "server/statement_timeout.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using hindsight::server::Command;
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  for (const hindsight::server::Piece& piece : hindsight::server::SplitStatements(query)) {
    const Command c = hindsight::server::Classify(piece.text);
    if (c.kind == Command::Kind::kMalformed) {
      const std::optional<size_t> column = hindsight::internal::ErrorColumn(c.error);
      if (!column || *column < 1 || *column > piece.text.size() + 1) std::abort();
    }
    if (c.kind == Command::Kind::kDeclare || c.kind == Command::Kind::kCopyTo) {
      if (c.body_offset == 0 || c.body_offset > c.body_end || c.body_end > piece.text.size()) std::abort();
      if (hindsight::server::InnerStatement(piece.text, c).size() != c.body_end) std::abort();
    }
    if (c.kind == Command::Kind::kSignal &&
        (c.argument.empty() || c.argument.find_first_not_of("0123456789") != std::string::npos)) {
      std::abort();
    }
    if (c.kind == Command::Kind::kSelect) {
      hindsight::server::SelectContext context;
      context.setting = [](const std::string& name) -> std::optional<std::string> {
        if (name == "server_version_num") return "150000";
        return std::nullopt;
      };
      for (const hindsight::server::SelectItem& item : c.items) {
        if (item.name.empty() || item.type() == 0) std::abort();
      }
      const auto values = hindsight::server::EvaluateSelectList(c.items, context);
      if (values.ok() && values->size() != c.items.size()) std::abort();
      const std::optional<size_t> column = hindsight::internal::ErrorColumn(values.status());
      if (!values.ok() && (hindsight::server::SqlStateOf(values.status()).size() != 5 ||
                           (column && (*column < 1 || *column > piece.text.size())))) {
        std::abort();
      }
    }
    if (c.kind == Command::Kind::kSet) {
      const absl::StatusOr<absl::Duration> d = hindsight::server::ParseTimeSetting(c.argument, c.parameter);
      if (!d.ok() && hindsight::server::SqlStateOf(d.status()) != "22023") std::abort();
      if (d.ok() && (*d < absl::ZeroDuration() || *d > absl::Milliseconds(2147483647))) std::abort();
    }
  }
  return 0;
}
