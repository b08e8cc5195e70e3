// How the server reads the SQL a client sends (server/sql_compat.h): never
// crash; a misspelled cursor or COPY statement's error points into the
// statement; the statement a DECLARE or COPY holds lies inside it.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "query/statement.h"
#include "server/sql_compat.h"

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
  }
  return 0;
}
