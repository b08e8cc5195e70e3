// The PostgreSQL message decoder: never crash, never read past the input;
// a start-up packet or a typed message either decodes or is refused.
// The first byte picks what the rest is read as. Typed messages are
// decoded into one message kept across inputs, as a connection does.
#include <cstdint>
#include <string_view>

#include "server/pg_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const char kind = static_cast<char>(data[0]);
  if (kind == 0) {
    (void)hindsight::server::DecodeStartup(body);
  } else if (kind == 1) {
    (void)hindsight::server::DecodeSaslInitial(body);
  } else if (kind == 2 && body.size() >= 5) {
    (void)hindsight::server::BodyLength(body.data());
  } else {
    static hindsight::server::FrontendMessage message{};
    (void)hindsight::server::DecodeMessage(kind, body, &message);
  }
  return 0;
}
