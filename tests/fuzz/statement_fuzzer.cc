// The read statement parser: never crash; every error has a position.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "query/statement.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<hindsight::internal::Statement> st = hindsight::internal::ParseStatement(text);
  if (!st.ok() && st.status().message().substr(0, 7) != "column ") std::abort();
  return 0;
}
