#include "util/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace hindsight::internal {
namespace {

// The calling thread's digest context, freed as the thread exits.
EVP_MD_CTX* ThreadContext() {
  struct Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Context context;
  return context.ctx;
}

}  // namespace

std::string Sha256(std::initializer_list<std::string_view> pieces) {
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = ThreadContext();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  bool ok = kSha256 != nullptr && ctx != nullptr && EVP_DigestInit_ex(ctx, kSha256, nullptr) == 1;
  for (const std::string_view piece : pieces) ok = ok && EVP_DigestUpdate(ctx, piece.data(), piece.size()) == 1;
  ok = ok && EVP_DigestFinal_ex(ctx, digest, &length) == 1;
  if (!ok) std::abort();  // only out of memory, or an OpenSSL without SHA-256
  return std::string(reinterpret_cast<const char*>(digest), length);
}

}  // namespace hindsight::internal
