// Order-preserving binary encodings of everything that appears in a RocksDB
// key. RocksDB compares keys bytewise, so integers are big-endian and signed
// integers have their sign bit flipped. docs/storage.md draws the layouts.
#ifndef HINDSIGHT_KEYS_KEY_CODEC_H_
#define HINDSIGHT_KEYS_KEY_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "hindsight/time.h"

namespace hindsight::internal {

// A name interned to a compact id (see NameDictionary).
using NameId = uint32_t;

// A fact key as interned ids.
struct KeyIds {
  NameId subject = 0;
  NameId predicate = 0;
  NameId object = 0;
  friend bool operator==(const KeyIds&, const KeyIds&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const KeyIds& k) {
    return H::combine(std::move(h), k.subject, k.predicate, k.object);
  }
};

inline constexpr size_t kIdBytes = 4;
inline constexpr size_t kInstantBytes = 8;
inline constexpr size_t kKeyIdsBytes = 3 * kIdBytes;

void AppendNameId(std::string* dst, NameId id);
void AppendUint64(std::string* dst, uint64_t v);
// Order-preserving: a < b iff encoding(a) < encoding(b), sentinels included.
void AppendInstant(std::string* dst, Instant t);

// REQUIRES: src holds at least the bytes to decode.
NameId DecodeNameId(const char* src);
uint64_t DecodeUint64(const char* src);
Instant DecodeInstant(const char* src);

// Column family "timelines": subject, predicate, object (12 bytes).
std::string LiveKey(const KeyIds& k);
KeyIds DecodeLiveKey(std::string_view key);  // REQUIRES: size kKeyIdsBytes
// Also in "timelines": a chunk of a long live timeline, under the key's ids
// and the from of its first segment (20 bytes), right after the key's record.
inline constexpr size_t kLiveChunkKeyBytes = kKeyIdsBytes + kInstantBytes;
std::string LiveChunkKey(const KeyIds& k, Instant start);

// Column family "history": key ids, the largest txTo of the chunk of
// closed rows, then `alive_from` (28 bytes): the least txFrom of the rows
// of the key alive at that txTo (txFrom <= it < txTo, so all in later
// chunks or the record), kPosInf if none, kNegInf if not known. A read as
// of t < max_tx_to needs no later chunk when alive_from > t. Keys of 20
// bytes (no alive_from: not known) come from earlier versions.
inline constexpr size_t kHistoryKeyBytes = kKeyIdsBytes + 2 * kInstantBytes;
std::string HistoryKey(const KeyIds& k, Instant max_tx_to, Instant alive_from);
// Where a read as of a time t seeks: the key's first chunk with a row
// closed after t (REQUIRES: t < kPosInf).
std::string HistorySeekKey(const KeyIds& k, Instant t);
// The alive_from of a history key (kNegInf for a 20-byte one).
Instant HistoryKeyAliveFrom(std::string_view key);

// Column family "keys": the key permutations that serve patterns. 'O'
// object subject predicate, 'P' predicate object subject, and 'S' subject
// predicate object (the timelines' own order, for a scan of live copies).
inline constexpr char kObjectIndexTag = 'O';
inline constexpr char kPredicateIndexTag = 'P';
inline constexpr char kSubjectIndexTag = 'S';
std::string ObjectIndexKey(const KeyIds& k);
std::string PredicateIndexKey(const KeyIds& k);
std::string SubjectIndexKey(const KeyIds& k);
KeyIds DecodeIndexKey(std::string_view key);  // REQUIRES: size 13, 'O', 'P' or 'S'

// Also in "keys": 'D' then a stored key's digest (KeyDigest, 32 bytes) ->
// its ids as LiveKey lays them out, so that an erase by digest finds its
// key with one read.
inline constexpr char kDigestIndexTag = 'D';
std::string DigestIndexKey(std::string_view digest);

// Also in "keys", with an empty value: 'M', a key's digest (32 bytes), then
// a transaction id (8 bytes, big-endian): the log record of that
// transaction holds an operation on the key that none of the key's rows
// shows (no row of it begins or ends at that transaction): an erase, an
// operation that changed nothing, one on a key never stored. With the rows'
// transaction times, the mentions name every record an erase rewrites.
inline constexpr char kMentionTag = 'M';
inline constexpr size_t kMentionKeyBytes = 1 + 32 + 8;
std::string MentionKey(std::string_view digest, uint64_t id);
// What every mention of the key with digest `digest` starts with.
std::string MentionPrefix(std::string_view digest);
uint64_t MentionId(std::string_view key);  // REQUIRES: size kMentionKeyBytes
std::string_view MentionDigest(std::string_view key);  // REQUIRES: size kMentionKeyBytes

// Column families "txlog" and "txinfo": the transaction id.
std::string TxKey(uint64_t id);

// The smallest key greater than every key that starts with `prefix`, or ""
// when there is none (prefix of all 0xff bytes).
std::string PrefixSuccessor(std::string_view prefix);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_KEYS_KEY_CODEC_H_
