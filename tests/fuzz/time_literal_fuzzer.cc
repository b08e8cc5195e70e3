// Time literals: never crash; every accepted literal prints canonically and
// reads back to the same instant.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hindsight/time.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<hindsight::Instant> t = hindsight::ParseInstant(text);
  if (!t.ok()) return 0;
  for (const std::string& printed : {hindsight::FormatInstant(*t), hindsight::FormatInstantShort(*t)}) {
    absl::StatusOr<hindsight::Instant> again = hindsight::ParseInstant(printed);
    if (!again.ok() || *again != *t) std::abort();
  }
  return 0;
}
