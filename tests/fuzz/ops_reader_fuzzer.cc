// The ops-file reader over arbitrary bytes: never crash; every error names a
// line of the file; every value read prints canonically and reads back.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "format/ops_reader.h"
#include "hindsight/value.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  hindsight::internal::OpsReader reader(&in, "f");
  while (true) {
    auto block = reader.Next();
    if (!block.ok()) {
      if (block.status().message().substr(0, 2) != "f:") std::abort();
      return 0;
    }
    if (!block->has_value()) return 0;
    for (const hindsight::Operation& op : (*block)->txn.operations()) {
      const std::string text = hindsight::FormatValue(op.value);
      absl::StatusOr<hindsight::Value> again = hindsight::ParseValue(text);
      if (!again.ok() || !(*again == op.value)) std::abort();
      if (op.kind != hindsight::Operation::Kind::kErase && !(op.valid.from < op.valid.to)) std::abort();
    }
  }
}
