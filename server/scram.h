// SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL uses it: the verifier a
// users file keeps instead of a password, and the server's side of the
// exchange. The cryptography is OpenSSL's (PBKDF2, HMAC, SHA-256, random
// salts and nonces); nothing here is hand-written cryptography. Channel
// binding is not offered. Passwords are used as their UTF-8 bytes (libpq's
// SASLprep leaves ASCII passwords unchanged).
#ifndef HINDSIGHT_SERVER_SCRAM_H_
#define HINDSIGHT_SERVER_SCRAM_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hindsight::server {

inline constexpr int kScramIterations = 4096;

// "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>" (base64), the
// form PostgreSQL stores, with a fresh random 16-byte salt.
absl::StatusOr<std::string> MakeScramVerifier(std::string_view password, int iterations = kScramIterations);

struct ScramVerifier {
  int iterations;
  std::string salt;        // raw bytes
  std::string stored_key;  // raw bytes
  std::string server_key;  // raw bytes
};
absl::StatusOr<ScramVerifier> ParseScramVerifier(std::string_view text);

// One exchange: the client's first message, our challenge, the client's
// proof, our signature.
class ScramExchange {
 public:
  // `verifier` nullptr: an unknown user; the exchange runs to its end and
  // fails then, as for a wrong password (no hint that the user is unknown).
  explicit ScramExchange(const ScramVerifier* verifier);

  // Reads client-first-message; returns server-first-message.
  // InvalidArgument for a malformed message or a channel binding request.
  absl::StatusOr<std::string> Start(std::string_view client_first);

  // Reads client-final-message; returns server-final-message when the
  // proof is right. PermissionDenied for a wrong password or unknown user,
  // InvalidArgument for a malformed message.
  absl::StatusOr<std::string> Finish(std::string_view client_final);

 private:
  ScramVerifier verifier_;
  bool known_;
  std::string client_first_bare_;
  std::string server_first_;
  std::string nonce_;
  std::string gs2_header_;
};

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_SCRAM_H_
