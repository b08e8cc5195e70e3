// The query-file reader over arbitrary bytes: never crash; every line is a
// query or an error.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "format/replay.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  for (const hindsight::internal::ParsedQuery& q : hindsight::internal::ReadQueryFile(&in)) {
    if (q.query.ok() && q.query->query.valid.kind == hindsight::ValidTimeClause::Kind::kDuring &&
        !(q.query->query.valid.during.from < q.query->query.valid.during.to)) {
      std::abort();
    }
  }
  return 0;
}
