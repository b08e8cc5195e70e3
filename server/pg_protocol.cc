#include "server/pg_protocol.h"

#include "absl/strings/str_cat.h"

namespace hindsight::server {
namespace {

// Reads big-endian integers and NUL-terminated strings off a body, noting
// the first thing that does not fit.
class Reader {
 public:
  Reader(std::string_view body, const char* what) : s_(body), what_(what) {}

  bool Int32(int32_t* v) {
    if (!Need(4)) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(s_.data() + pos_);
    *v = static_cast<int32_t>(uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]});
    pos_ += 4;
    return true;
  }
  bool Int16(int16_t* v) {
    if (!Need(2)) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(s_.data() + pos_);
    *v = static_cast<int16_t>(p[0] << 8 | p[1]);
    pos_ += 2;
    return true;
  }
  bool Byte(char* c) {
    if (!Need(1)) return false;
    *c = s_[pos_++];
    return true;
  }
  bool String(std::string* out) {
    const size_t end = s_.find('\0', pos_);
    if (end == std::string_view::npos) return Fail("a string without its terminating NUL");
    out->assign(s_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return true;
  }
  bool Bytes(size_t n, std::string* out) {
    if (!Need(n)) return false;
    out->assign(s_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  // A count (int16) that must be non-negative and fit `each` bytes an item.
  bool Count(int16_t* n, size_t each) {
    if (!Int16(n)) return false;
    if (*n < 0) return Fail("a negative count");
    if (static_cast<size_t>(*n) * each > s_.size() - pos_) return Fail("a count larger than the message");
    return true;
  }
  size_t remaining() const { return s_.size() - pos_; }

  absl::Status Finish() {
    if (error_.empty() && pos_ != s_.size()) error_ = "bytes after the last field";
    if (error_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat("malformed ", what_, " message: ", error_));
  }
  bool Fail(const char* why) {
    if (error_.empty()) error_ = why;
    return false;
  }

 private:
  bool Need(size_t n) { return n <= s_.size() - pos_ || Fail("it ends too early"); }

  std::string_view s_;
  const char* what_;
  size_t pos_ = 0;
  std::string error_;
};

void PutInt32(int32_t v, std::string* out) {
  const auto u = static_cast<uint32_t>(v);
  out->push_back(static_cast<char>(u >> 24));
  out->push_back(static_cast<char>(u >> 16));
  out->push_back(static_cast<char>(u >> 8));
  out->push_back(static_cast<char>(u));
}

void PutInt16(int16_t v, std::string* out) {
  const auto u = static_cast<uint16_t>(v);
  out->push_back(static_cast<char>(u >> 8));
  out->push_back(static_cast<char>(u));
}

void PutString(std::string_view s, std::string* out) {
  out->append(s);
  out->push_back('\0');
}

// Appends a message: `type`, its length, then what `fill` writes.
// Writes `v` over the 4 bytes of `out` at `at`.
void PatchInt32(size_t at, int32_t v, std::string* out) {
  const auto u = static_cast<uint32_t>(v);
  (*out)[at] = static_cast<char>(u >> 24);
  (*out)[at + 1] = static_cast<char>(u >> 16);
  (*out)[at + 2] = static_cast<char>(u >> 8);
  (*out)[at + 3] = static_cast<char>(u);
}

template <typename Fill>
void Message(char type, std::string* out, Fill fill) {
  out->push_back(type);
  const size_t at = out->size();
  out->append(4, '\0');
  fill();
  PatchInt32(at, static_cast<int32_t>(out->size() - at), out);
}

void AppendDiagnostic(char type, const Diagnostic& d, std::string* out) {
  Message(type, out, [&] {
    out->push_back('S');
    PutString(d.severity, out);
    out->push_back('V');
    PutString(d.severity, out);
    out->push_back('C');
    PutString(d.sqlstate, out);
    out->push_back('M');
    PutString(d.message, out);
    if (d.position) {
      out->push_back('P');
      PutString(absl::StrCat(*d.position), out);
    }
    if (!d.hint.empty()) {
      out->push_back('H');
      PutString(d.hint, out);
    }
    out->push_back('\0');
  });
}

}  // namespace

absl::StatusOr<StartupPacket> DecodeStartup(std::string_view body) {
  Reader r(body, "startup");
  StartupPacket p;
  int32_t code = 0;
  if (!r.Int32(&code)) return r.Finish();
  const auto ucode = static_cast<uint32_t>(code);
  if (ucode == kSslRequestCode || ucode == kGssEncRequestCode) {
    p.kind = ucode == kSslRequestCode ? StartupPacket::Kind::kSslRequest : StartupPacket::Kind::kGssEncRequest;
  } else if (ucode == kCancelRequestCode) {
    p.kind = StartupPacket::Kind::kCancel;
    r.Int32(&p.cancel_pid) && r.Int32(&p.cancel_secret);
  } else {
    p.protocol = ucode;
    if (ucode >> 16 != 3) return p;  // the caller refuses other versions
    while (r.remaining() > 1) {
      std::string name, value;
      if (!r.String(&name) || !r.String(&value)) break;
      if (name.empty()) {
        r.Fail("an empty parameter name");
        break;
      }
      p.params[name] = value;
    }
    char terminator = 1;
    if (r.Byte(&terminator) && terminator != '\0') r.Fail("parameters not ended by a NUL");
  }
  if (absl::Status s = r.Finish(); !s.ok()) return s;
  return p;
}

absl::StatusOr<uint32_t> BodyLength(const char header[5]) {
  const auto* p = reinterpret_cast<const unsigned char*>(header + 1);
  const uint32_t length = uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
  if (length < 4 || length - 4 > kMaxMessageBytes) {
    return absl::InvalidArgumentError(absl::StrCat("invalid message length ", length, " for message type '",
                                                   std::string(1, header[0]), "' (at most ", kMaxMessageBytes,
                                                   " bytes)"));
  }
  return length - 4;
}

namespace {

// The fields of a Parse message; a failure stays in `r`.
void ReadParse(Reader* r, Parse* p) {
  int16_t n = 0;
  if (!r->String(&p->statement) || !r->String(&p->query) || !r->Count(&n, 4)) return;
  for (int16_t i = 0; i < n; ++i) {
    int32_t oid = 0;
    r->Int32(&oid);
    p->param_types.push_back(static_cast<uint32_t>(oid));
  }
}

// The fields of a Bind message; a failure stays in `r`.
void ReadBind(Reader* r, Bind* b) {
  int16_t n = 0;
  bool ok = r->String(&b->portal) && r->String(&b->statement) && r->Count(&n, 2);
  for (int16_t i = 0; ok && i < n; ++i) ok = r->Int16(&b->param_formats.emplace_back());
  ok = ok && r->Count(&n, 4);
  for (int16_t i = 0; ok && i < n; ++i) {
    int32_t len = 0;
    ok = r->Int32(&len);
    if (!ok) break;
    if (len == -1) {
      b->params.emplace_back();
    } else if (len < 0) {
      ok = r->Fail("a negative parameter length");
    } else {
      ok = r->Bytes(static_cast<size_t>(len), &b->params.emplace_back().emplace());
    }
  }
  ok = ok && r->Count(&n, 2);
  for (int16_t i = 0; ok && i < n; ++i) ok = r->Int16(&b->result_formats.emplace_back());
}

}  // namespace

absl::Status DecodeMessage(char type, std::string_view body, FrontendMessage* m) {
  m->type = type;
  switch (type) {
    case 'Q': {
      Reader r(body, "Query");
      r.String(&m->query);
      return r.Finish();
    }
    case 'P': {
      Reader r(body, "Parse");
      m->parse.param_types.clear();
      ReadParse(&r, &m->parse);
      return r.Finish();
    }
    case 'B': {
      Reader r(body, "Bind");
      m->bind.param_formats.clear();
      m->bind.params.clear();
      m->bind.result_formats.clear();
      ReadBind(&r, &m->bind);
      return r.Finish();
    }
    case 'D':
    case 'C': {
      Reader r(body, type == 'D' ? "Describe" : "Close");
      char& what = type == 'D' ? m->describe.what : m->close.what;
      std::string& name = type == 'D' ? m->describe.name : m->close.name;
      what = 0;
      if (r.Byte(&what) && r.String(&name) && what != 'S' && what != 'P') r.Fail("neither 'S' nor 'P'");
      return r.Finish();
    }
    case 'E': {
      Reader r(body, "Execute");
      r.String(&m->execute.portal) && r.Int32(&m->execute.max_rows);
      return r.Finish();
    }
    case 'S':
    case 'H':
    case 'X':
    case 'c': {
      Reader r(body, type == 'S' ? "Sync" : type == 'H' ? "Flush" : type == 'X' ? "Terminate" : "CopyDone");
      return r.Finish();
    }
    case 'p':
      m->password.assign(body);
      return absl::OkStatus();
    case 'd':
      m->data.assign(body);
      return absl::OkStatus();
    case 'f': {
      Reader r(body, "CopyFail");
      r.String(&m->data);
      return r.Finish();
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unsupported message type '", std::string(1, type), "' (", static_cast<int>(type), ")"));
  }
}

absl::StatusOr<SaslInitial> DecodeSaslInitial(std::string_view body) {
  Reader r(body, "SASLInitialResponse");
  SaslInitial out;
  int32_t len = 0;
  if (r.String(&out.mechanism) && r.Int32(&len)) {
    if (len < -1) r.Fail("a negative length");
    if (len > 0) r.Bytes(static_cast<size_t>(len), &out.data);
  }
  if (absl::Status s = r.Finish(); !s.ok()) return s;
  return out;
}

void AppendAuthenticationOk(std::string* out) {
  Message('R', out, [&] { PutInt32(0, out); });
}
void AppendAuthenticationSasl(std::string* out) {
  Message('R', out, [&] {
    PutInt32(10, out);
    PutString("SCRAM-SHA-256", out);
    out->push_back('\0');
  });
}
void AppendAuthenticationSaslContinue(std::string_view data, std::string* out) {
  Message('R', out, [&] {
    PutInt32(11, out);
    out->append(data);
  });
}
void AppendAuthenticationSaslFinal(std::string_view data, std::string* out) {
  Message('R', out, [&] {
    PutInt32(12, out);
    out->append(data);
  });
}
void AppendParameterStatus(std::string_view name, std::string_view value, std::string* out) {
  Message('S', out, [&] {
    PutString(name, out);
    PutString(value, out);
  });
}
void AppendNotificationResponse(int32_t pid, std::string_view channel, std::string_view payload, std::string* out) {
  Message('A', out, [&] {
    PutInt32(pid, out);
    PutString(channel, out);
    PutString(payload, out);
  });
}
void AppendBackendKeyData(int32_t pid, int32_t secret, std::string* out) {
  Message('K', out, [&] {
    PutInt32(pid, out);
    PutInt32(secret, out);
  });
}
void AppendReadyForQuery(char status, std::string* out) {
  Message('Z', out, [&] { out->push_back(status); });
}
void AppendRowDescription(const std::vector<ColumnDescription>& columns, std::string* out) {
  Message('T', out, [&] {
    PutInt16(static_cast<int16_t>(columns.size()), out);
    for (const ColumnDescription& c : columns) {
      PutString(c.name, out);
      PutInt32(0, out);  // not a table's column
      PutInt16(0, out);
      PutInt32(static_cast<int32_t>(c.type_oid), out);
      PutInt16(c.type_size, out);
      PutInt32(-1, out);  // no type modifier
      PutInt16(c.format, out);
    }
  });
}
void AppendDataRow(size_t count, absl::FunctionRef<bool(size_t, std::string*)> field, std::string* out) {
  Message('D', out, [&] {
    PutInt16(static_cast<int16_t>(count), out);
    for (size_t i = 0; i < count; ++i) {
      const size_t at = out->size();
      out->append(4, '\0');
      const bool present = field(i, out);
      PatchInt32(at, present ? static_cast<int32_t>(out->size() - at - 4) : -1, out);
    }
  });
}
void AppendCommandComplete(std::string_view tag, std::string* out) {
  Message('C', out, [&] { PutString(tag, out); });
}
void AppendEmptyQueryResponse(std::string* out) {
  Message('I', out, [] {});
}
void AppendParseComplete(std::string* out) {
  Message('1', out, [] {});
}
void AppendBindComplete(std::string* out) {
  Message('2', out, [] {});
}
void AppendCloseComplete(std::string* out) {
  Message('3', out, [] {});
}
void AppendNoData(std::string* out) {
  Message('n', out, [] {});
}
void AppendPortalSuspended(std::string* out) {
  Message('s', out, [] {});
}
void AppendParameterDescription(const std::vector<uint32_t>& types, std::string* out) {
  Message('t', out, [&] {
    PutInt16(static_cast<int16_t>(types.size()), out);
    for (const uint32_t t : types) PutInt32(static_cast<int32_t>(t), out);
  });
}
void AppendCopyInResponse(std::string* out) {
  Message('G', out, [&] {
    out->push_back('\0');  // text
    PutInt16(0, out);
  });
}
void AppendCopyOutResponse(size_t columns, std::string* out) {
  Message('H', out, [&] {
    out->push_back('\0');  // text
    PutInt16(static_cast<int16_t>(columns), out);
    for (size_t i = 0; i < columns; ++i) PutInt16(0, out);
  });
}
void AppendCopyData(std::string_view bytes, std::string* out) {
  Message('d', out, [&] { out->append(bytes); });
}
void AppendCopyDone(std::string* out) {
  Message('c', out, [] {});
}
void AppendErrorResponse(const Diagnostic& d, std::string* out) { AppendDiagnostic('E', d, out); }
void AppendNoticeResponse(const Diagnostic& d, std::string* out) { AppendDiagnostic('N', d, out); }

}  // namespace hindsight::server
