// SHA-256 (OpenSSL's), for naming an erased key in the transaction log
// without keeping its names, and for SCRAM's keys.
#ifndef HINDSIGHT_UTIL_SHA256_H_
#define HINDSIGHT_UTIL_SHA256_H_

#include <initializer_list>
#include <string>
#include <string_view>

namespace hindsight::internal {

// The 32-byte digest of `pieces` one after the other. Cost: ~0.2 µs for a
// key's names (each thread keeps one OpenSSL digest context; OpenSSL's
// one-shot SHA256() looks the algorithm up on every call, ~0.8 µs).
std::string Sha256(std::initializer_list<std::string_view> pieces);
inline std::string Sha256(std::string_view data) { return Sha256({data}); }

}  // namespace hindsight::internal

#endif  // HINDSIGHT_UTIL_SHA256_H_
