// "1 operation", "2 operations": a count and its noun, for messages.
#ifndef HINDSIGHT_UTIL_PLURAL_H_
#define HINDSIGHT_UTIL_PLURAL_H_

#include <cstddef>
#include <string>

#include "absl/strings/str_cat.h"

namespace hindsight::internal {

// `n` and `noun`, with an "s" unless n is 1 (nouns with a plain plural).
inline std::string Plural(size_t n, const char* noun) { return absl::StrCat(n, " ", noun, n == 1 ? "" : "s"); }

}  // namespace hindsight::internal

#endif  // HINDSIGHT_UTIL_PLURAL_H_
