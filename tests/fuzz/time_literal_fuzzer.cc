// Time literals: never crash; every accepted literal prints canonically and
// reads back to the same instant, and means the same after the reading of
// PostgreSQL's forms (time/postgres_time.h), which never crashes either.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hindsight/time.h"
#include "time/postgres_time.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<hindsight::Instant> t = hindsight::ParseInstant(text);
  const absl::StatusOr<hindsight::Instant> via_postgres =
      hindsight::ParseInstant(hindsight::internal::PostgresTimeAsLiteral(text));
  if (!t.ok()) return 0;
  if (!via_postgres.ok() || *via_postgres != *t) std::abort();
  for (const std::string& printed : {hindsight::FormatInstant(*t), hindsight::FormatInstantShort(*t)}) {
    absl::StatusOr<hindsight::Instant> again = hindsight::ParseInstant(printed);
    if (!again.ok() || *again != *t) std::abort();
  }
  return 0;
}
