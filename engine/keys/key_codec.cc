#include "keys/key_codec.h"

#include <cassert>

namespace hindsight::internal {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;

template <typename T>
void AppendBigEndian(std::string* dst, T v) {
  char buf[sizeof(T)];
  for (size_t i = 0; i < sizeof(T); ++i) {
    buf[sizeof(T) - 1 - i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  dst->append(buf, sizeof(T));
}

template <typename T>
T DecodeBigEndian(const char* src) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v = (v << 8) | static_cast<unsigned char>(src[i]);
  return v;
}

void AppendKeyIds(std::string* dst, NameId a, NameId b, NameId c) {
  AppendNameId(dst, a);
  AppendNameId(dst, b);
  AppendNameId(dst, c);
}

}  // namespace

void AppendNameId(std::string* dst, NameId id) { AppendBigEndian<uint32_t>(dst, id); }
void AppendUint64(std::string* dst, uint64_t v) { AppendBigEndian<uint64_t>(dst, v); }
void AppendInstant(std::string* dst, Instant t) {
  AppendBigEndian<uint64_t>(dst, static_cast<uint64_t>(t) ^ kSignBit);
}

NameId DecodeNameId(const char* src) { return DecodeBigEndian<uint32_t>(src); }
uint64_t DecodeUint64(const char* src) { return DecodeBigEndian<uint64_t>(src); }
Instant DecodeInstant(const char* src) {
  return static_cast<Instant>(DecodeBigEndian<uint64_t>(src) ^ kSignBit);
}

std::string LiveKey(const KeyIds& k) {
  std::string key;
  key.reserve(kKeyIdsBytes);
  AppendKeyIds(&key, k.subject, k.predicate, k.object);
  return key;
}

KeyIds DecodeLiveKey(std::string_view key) {
  assert(key.size() == kKeyIdsBytes);
  return {DecodeNameId(key.data()), DecodeNameId(key.data() + 4), DecodeNameId(key.data() + 8)};
}

std::string LiveChunkKey(const KeyIds& k, Instant start) {
  std::string key = LiveKey(k);
  AppendInstant(&key, start);
  return key;
}

std::string HistoryKey(const KeyIds& k, Instant max_tx_to, Instant alive_from) {
  std::string key = LiveKey(k);
  key.reserve(kHistoryKeyBytes);
  AppendInstant(&key, max_tx_to);
  AppendInstant(&key, alive_from);
  return key;
}

std::string HistorySeekKey(const KeyIds& k, Instant t) {
  std::string key = LiveKey(k);
  AppendInstant(&key, t + 1);
  return key;
}

Instant HistoryKeyAliveFrom(std::string_view key) {
  if (key.size() < kHistoryKeyBytes) return kNegInf;
  return DecodeInstant(key.data() + kKeyIdsBytes + kInstantBytes);
}

std::string ObjectIndexKey(const KeyIds& k) {
  std::string key(1, kObjectIndexTag);
  AppendKeyIds(&key, k.object, k.subject, k.predicate);
  return key;
}

std::string PredicateIndexKey(const KeyIds& k) {
  std::string key(1, kPredicateIndexTag);
  AppendKeyIds(&key, k.predicate, k.object, k.subject);
  return key;
}

std::string SubjectIndexKey(const KeyIds& k) {
  std::string key(1, kSubjectIndexTag);
  AppendKeyIds(&key, k.subject, k.predicate, k.object);
  return key;
}

KeyIds DecodeIndexKey(std::string_view key) {
  assert(key.size() == 1 + kKeyIdsBytes);
  const NameId a = DecodeNameId(key.data() + 1);
  const NameId b = DecodeNameId(key.data() + 5);
  const NameId c = DecodeNameId(key.data() + 9);
  if (key[0] == kObjectIndexTag) return {b, c, a};
  if (key[0] == kSubjectIndexTag) return {a, b, c};
  assert(key[0] == kPredicateIndexTag);
  return {c, a, b};
}

std::string DigestIndexKey(std::string_view digest) {
  std::string key(1, kDigestIndexTag);
  key.append(digest);
  return key;
}

std::string MentionPrefix(std::string_view digest) {
  std::string key(1, kMentionTag);
  key.append(digest);
  return key;
}

std::string MentionKey(std::string_view digest, uint64_t id) {
  std::string key = MentionPrefix(digest);
  AppendUint64(&key, id);
  return key;
}

uint64_t MentionId(std::string_view key) { return DecodeUint64(key.data() + key.size() - 8); }

std::string_view MentionDigest(std::string_view key) { return key.substr(1, kMentionKeyBytes - 1 - 8); }

std::string TxKey(uint64_t id) {
  std::string key;
  AppendUint64(&key, id);
  return key;
}

std::string PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    if (static_cast<unsigned char>(s.back()) != 0xff) {
      s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
      return s;
    }
    s.pop_back();
  }
  return s;
}

}  // namespace hindsight::internal
