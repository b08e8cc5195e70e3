// The PostgreSQL frontend/backend protocol, version 3: decoding what clients
// send and encoding what the server answers. Pure functions over bytes; the
// connection (connection.h) does the I/O. Reference: the PostgreSQL
// documentation, "Frontend/Backend Protocol", "Message Formats".
#ifndef HINDSIGHT_SERVER_PG_PROTOCOL_H_
#define HINDSIGHT_SERVER_PG_PROTOCOL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"

namespace hindsight::server {

// Limits on what a client may send. A length outside them is a protocol
// violation: the connection is closed after an error.
inline constexpr uint32_t kMaxStartupBytes = 10'000;
inline constexpr uint32_t kMaxMessageBytes = 16u << 20;

// The codes of the untyped first messages.
inline constexpr uint32_t kProtocolVersion3 = 196608;  // 3.0
inline constexpr uint32_t kSslRequestCode = 80877103;
inline constexpr uint32_t kGssEncRequestCode = 80877104;
inline constexpr uint32_t kCancelRequestCode = 80877102;

// The first message of a connection (after its 4-byte length).
struct StartupPacket {
  enum class Kind { kStartup, kSslRequest, kGssEncRequest, kCancel } kind = Kind::kStartup;
  uint32_t protocol = 0;                       // kStartup
  std::map<std::string, std::string> params;   // kStartup: user, database, ...
  int32_t cancel_pid = 0;                      // kCancel
  int32_t cancel_secret = 0;                   // kCancel
};

// `body` is the packet without its length. InvalidArgument on a malformed
// packet; an unknown protocol version is decoded (the caller refuses it).
absl::StatusOr<StartupPacket> DecodeStartup(std::string_view body);

// A typed message's header: its type byte and the length of its body. Only
// its length is checked here (4 <= length <= kMaxMessageBytes + 4).
absl::StatusOr<uint32_t> BodyLength(const char header[5]);

struct Parse {
  std::string statement;
  std::string query;
  std::vector<uint32_t> param_types;  // 0: unspecified
};
struct Bind {
  std::string portal;
  std::string statement;
  std::vector<int16_t> param_formats;            // 0 text, 1 binary; empty: all text; one: all
  std::vector<std::optional<std::string>> params;  // nullopt: NULL
  std::vector<int16_t> result_formats;
};
struct Describe {
  char what;  // 'S' statement, 'P' portal
  std::string name;
};
struct Execute {
  std::string portal;
  int32_t max_rows;  // 0: all
};
struct Close {
  char what;  // 'S' or 'P'
  std::string name;
};
struct SaslInitial {
  std::string mechanism;
  std::string data;
};

// A typed message from the client, decoded.
struct FrontendMessage {
  char type;  // 'Q' 'P' 'B' 'D' 'E' 'S' 'H' 'C' 'X' 'p' 'd' 'c' 'f'
  std::string query;         // 'Q'
  Parse parse;               // 'P'
  Bind bind;                 // 'B'
  Describe describe{};       // 'D'
  Execute execute{};         // 'E'
  Close close{};             // 'C'
  std::string password;      // 'p' as a password or SASL response: the raw body
  std::string data;          // 'd' CopyData: the bytes; 'f' CopyFail: the client's reason
};

// Decodes a message of `type` from its body into `*m`, whose strings and
// vectors keep their capacity from one message to the next (a connection
// decodes every message into one, without allocating once its buffers have
// grown). Afterwards m->type and the fields of that type hold the message;
// the other fields are left as they were. InvalidArgument naming the
// message and what is wrong (strings without their NUL, counts that
// overrun, trailing bytes, an unknown type).
absl::Status DecodeMessage(char type, std::string_view body, FrontendMessage* m);

// A SASLInitialResponse, from a 'p' message's body.
absl::StatusOr<SaslInitial> DecodeSaslInitial(std::string_view body);

// Server messages, appended to `out` whole (type, length, body).
void AppendAuthenticationOk(std::string* out);
void AppendAuthenticationSasl(std::string* out);  // offers SCRAM-SHA-256
void AppendAuthenticationSaslContinue(std::string_view data, std::string* out);
void AppendAuthenticationSaslFinal(std::string_view data, std::string* out);
void AppendParameterStatus(std::string_view name, std::string_view value, std::string* out);
void AppendBackendKeyData(int32_t pid, int32_t secret, std::string* out);
void AppendReadyForQuery(char status, std::string* out);  // 'I' idle, 'T' in a transaction, 'E' failed
// NotificationResponse: `payload` on `channel`, from the backend `pid`.
void AppendNotificationResponse(int32_t pid, std::string_view channel, std::string_view payload, std::string* out);

struct ColumnDescription {
  std::string name;
  uint32_t type_oid;
  int16_t type_size;  // -1 variable
  int16_t format;     // 0 text, 1 binary
};
void AppendRowDescription(const std::vector<ColumnDescription>& columns, std::string* out);
// A DataRow of `count` fields: field(i, out) appends field i's bytes and
// returns true, or appends nothing and returns false for NULL.
void AppendDataRow(size_t count, absl::FunctionRef<bool(size_t, std::string*)> field, std::string* out);
void AppendCommandComplete(std::string_view tag, std::string* out);
void AppendEmptyQueryResponse(std::string* out);
void AppendParseComplete(std::string* out);
void AppendBindComplete(std::string* out);
void AppendCloseComplete(std::string* out);
void AppendNoData(std::string* out);
void AppendPortalSuspended(std::string* out);
void AppendParameterDescription(const std::vector<uint32_t>& types, std::string* out);

// COPY: CopyInResponse (text, no columns: the client sends lines of a
// file), CopyOutResponse (text, `columns` columns), CopyData, CopyDone.
void AppendCopyInResponse(std::string* out);
void AppendCopyOutResponse(size_t columns, std::string* out);
void AppendCopyData(std::string_view bytes, std::string* out);
void AppendCopyDone(std::string* out);

// An ErrorResponse or NoticeResponse.
struct Diagnostic {
  std::string severity;  // ERROR, FATAL, NOTICE, WARNING
  std::string sqlstate;  // five characters
  std::string message;
  std::optional<size_t> position;  // 1-based character position in the query
  std::string hint;
};
void AppendErrorResponse(const Diagnostic& d, std::string* out);
void AppendNoticeResponse(const Diagnostic& d, std::string* out);

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_PG_PROTOCOL_H_
