#include "server/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <charconv>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "util/sha256.h"

namespace hindsight::server {
namespace {

using internal::Sha256;

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::string Base64(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

absl::StatusOr<std::string> Unbase64(std::string_view text) {
  if (text.size() % 4 != 0) return absl::InvalidArgumentError("bad base64");
  std::string out(3 * text.size() / 4 + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return absl::InvalidArgumentError("bad base64");
  size_t len = static_cast<size_t>(n);
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --len;  // EVP_DecodeBlock keeps the padding's zeros
  out.resize(len);
  return out;
}

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

absl::StatusOr<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return absl::InternalError("no random bytes from OpenSSL");
  }
  return out;
}

// The attribute `name` ("r", "s", ...) of a comma-separated SCRAM message.
std::optional<std::string> Attribute(const std::vector<std::string_view>& parts, char name) {
  for (std::string_view p : parts) {
    if (p.size() >= 2 && p[0] == name && p[1] == '=') return std::string(p.substr(2));
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<std::string> MakeScramVerifier(std::string_view password, int iterations) {
  absl::StatusOr<std::string> salt = RandomBytes(16);
  if (!salt.ok()) return salt.status();
  std::string salted(SHA256_DIGEST_LENGTH, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt->data()), static_cast<int>(salt->size()),
                        iterations, EVP_sha256(), static_cast<int>(salted.size()),
                        reinterpret_cast<unsigned char*>(salted.data())) != 1) {
    return absl::InternalError("PBKDF2 failed");
  }
  const std::string stored_key = Sha256(Hmac(salted, "Client Key"));
  const std::string server_key = Hmac(salted, "Server Key");
  return absl::StrCat("SCRAM-SHA-256$", iterations, ":", Base64(*salt), "$", Base64(stored_key), ":",
                      Base64(server_key));  // the form PostgreSQL's pg_authid keeps
}

absl::StatusOr<ScramVerifier> ParseScramVerifier(std::string_view text) {
  const auto bad = [] { return absl::InvalidArgumentError("not a SCRAM-SHA-256 verifier"); };
  if (text.substr(0, 14) != "SCRAM-SHA-256$") return bad();
  const std::vector<std::string_view> halves = Split(text.substr(14), '$');
  if (halves.size() != 2) return bad();
  const std::vector<std::string_view> head = Split(halves[0], ':');
  const std::vector<std::string_view> keys = Split(halves[1], ':');
  ScramVerifier v{};
  if (head.size() != 2 || keys.size() != 2 ||
      std::from_chars(head[0].data(), head[0].data() + head[0].size(), v.iterations).ec != std::errc() ||
      v.iterations < 1) {
    return bad();
  }
  absl::StatusOr<std::string> salt = Unbase64(head[1]), stored = Unbase64(keys[0]), server = Unbase64(keys[1]);
  if (!salt.ok() || !stored.ok() || !server.ok() || stored->size() != 32 || server->size() != 32) return bad();
  v.salt = *salt;
  v.stored_key = *stored;
  v.server_key = *server;
  return v;
}

ScramExchange::ScramExchange(const ScramVerifier* verifier) : known_(verifier != nullptr) {
  if (verifier != nullptr) {
    verifier_ = *verifier;
  } else {  // a stand-in, so that an unknown user takes the same path
    verifier_ = {kScramIterations, RandomBytes(16).value_or(std::string(16, 'x')), std::string(32, '\0'),
                 std::string(32, '\0')};
  }
}

absl::StatusOr<std::string> ScramExchange::Start(std::string_view client_first) {
  // gs2-header "n,," (or "y,," : the client could bind but thinks we cannot), then the bare message.
  if (client_first.substr(0, 1) == "p") return absl::InvalidArgumentError("channel binding is not supported");
  if (client_first.size() < 3 || (client_first.substr(0, 2) != "n," && client_first.substr(0, 2) != "y,")) {
    return absl::InvalidArgumentError("malformed SCRAM client-first-message");
  }
  const size_t bare = client_first.find(',', 2);
  if (bare == std::string_view::npos) return absl::InvalidArgumentError("malformed SCRAM client-first-message");
  gs2_header_ = std::string(client_first.substr(0, bare + 1));
  client_first_bare_ = std::string(client_first.substr(bare + 1));
  const std::vector<std::string_view> parts = Split(client_first_bare_, ',');
  const std::optional<std::string> client_nonce = Attribute(parts, 'r');
  if (!client_nonce || client_nonce->empty()) return absl::InvalidArgumentError("SCRAM client nonce missing");
  absl::StatusOr<std::string> ours = RandomBytes(18);
  if (!ours.ok()) return ours.status();
  nonce_ = *client_nonce + Base64(*ours);
  server_first_ = absl::StrCat("r=", nonce_, ",s=", Base64(verifier_.salt), ",i=", verifier_.iterations);
  return server_first_;
}

absl::StatusOr<std::string> ScramExchange::Finish(std::string_view client_final) {
  const std::vector<std::string_view> parts = Split(client_final, ',');
  const std::optional<std::string> binding = Attribute(parts, 'c');
  const std::optional<std::string> nonce = Attribute(parts, 'r');
  const std::optional<std::string> proof_b64 = Attribute(parts, 'p');
  if (!binding || !nonce || !proof_b64 || parts.empty() || parts.back().substr(0, 2) != "p=") {
    return absl::InvalidArgumentError("malformed SCRAM client-final-message");
  }
  if (*binding != Base64(gs2_header_)) return absl::InvalidArgumentError("SCRAM channel binding does not match");
  if (*nonce != nonce_) return absl::InvalidArgumentError("SCRAM nonce does not match");
  absl::StatusOr<std::string> proof = Unbase64(*proof_b64);
  if (!proof.ok() || proof->size() != 32) return absl::InvalidArgumentError("malformed SCRAM proof");
  const std::string without_proof(client_final.substr(0, client_final.rfind(",p=")));
  const std::string auth_message = absl::StrCat(client_first_bare_, ",", server_first_, ",", without_proof);
  const std::string client_signature = Hmac(verifier_.stored_key, auth_message);
  std::string client_key(32, '\0');
  for (size_t i = 0; i < 32; ++i) client_key[i] = static_cast<char>((*proof)[i] ^ client_signature[i]);
  const std::string stored = Sha256(client_key);
  if (!known_ || CRYPTO_memcmp(stored.data(), verifier_.stored_key.data(), 32) != 0) {
    return absl::PermissionDeniedError("password authentication failed");
  }
  return absl::StrCat("v=", Base64(Hmac(verifier_.server_key, auth_message)));
}

}  // namespace hindsight::server
