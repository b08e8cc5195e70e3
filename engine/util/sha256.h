// SHA-256 (OpenSSL's), for naming an erased key in the transaction log
// without keeping its names.
#ifndef HINDSIGHT_UTIL_SHA256_H_
#define HINDSIGHT_UTIL_SHA256_H_

#include <string>
#include <string_view>

namespace hindsight::internal {

// The 32-byte digest of `data`.
std::string Sha256(std::string_view data);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_UTIL_SHA256_H_
