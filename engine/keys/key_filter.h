// A Bloom filter of the keys a transaction log record's operations name,
// stored with the record's info (column family "txinfo"), so that an erase
// finds the earlier records naming its key without decoding every record
// of the log: it reads the small info values, and only the records whose
// filter may hold the key.
//
// Layout (part of the stored format): a bit array of 8 * N bits, N >= 8;
// a key sets kKeyFilterProbes bits chosen by double hashing of its hash
// (KeyFilterHash, or KeyDigestFilterHash for a key the record names by
// digest). A reader takes the size from the filter: builders give a key
// kKeyFilterBitsPerKey bits (earlier versions gave 10).
// False positives cost a record read and partly decoded for nothing (about
// 0.07% of the records that do not name the key at 16 bits a key, 0.8% at
// 10); there are no false negatives.
#ifndef HINDSIGHT_KEYS_KEY_FILTER_H_
#define HINDSIGHT_KEYS_KEY_FILTER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "hindsight/fact.h"

namespace hindsight::internal {

inline constexpr int kKeyFilterProbes = 7;
inline constexpr size_t kKeyFilterBitsPerKey = 16;

// A hash of subject, predicate and object that every version of Hindsight
// computes the same way (FNV-1a, then a 64-bit finalizer): it is stored.
// An operation named by its key's names adds this one.
uint64_t KeyFilterHash(const FactKey& key);
uint64_t KeyFilterHash(std::string_view subject, std::string_view predicate, std::string_view object);
// The hash of an operation the log names by KeyDigest (an erase): the
// finalizer of the digest's first 8 bytes, little-endian. So a record's
// filter never needs the names of a key it names by digest.
uint64_t KeyDigestFilterHash(std::string_view digest);

// Builds a filter for `key_count` keys (an estimate; more still work, with
// more false positives).
class KeyFilterBuilder {
 public:
  explicit KeyFilterBuilder(size_t key_count);
  void Add(uint64_t key_hash);
  // The filter's bytes.
  const std::string& bits() const { return bits_; }

 private:
  std::string bits_;
};

// False only when no key hashed to `key_hash` was added to `filter`. The
// empty filter (an info written before filters) may hold any key.
bool KeyFilterMayHold(std::string_view filter, uint64_t key_hash);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_KEYS_KEY_FILTER_H_
