// Column family "slices": a time index of the live segments of each
// predicate, so that "every segment of predicate P that contains instant v"
// (the pattern `* P *` at v) reads only segments near v.
//
// A segment [from, to) is filed under its predicate in one of three ways:
//   from = -inf            p, 0x00, to, s, o            value: Value
//   from, to finite        p, 0x01, level, bucket, s, o, from, to    value: Value
//   to = +inf, from finite p, 0x02, from, s, o          value: Value
// where level = ceil(log2(to - from)) and bucket = floor(from / 2^level).
// A finite segment lies inside its bucket and the next one, so at each level
// only the buckets of v and of v - 2^level can hold segments containing v.
// Open-ended segments are ordered by their finite bound, so every entry of
// the two open ranges scanned is a hit.
#ifndef HINDSIGHT_STORAGE_SLICE_INDEX_H_
#define HINDSIGHT_STORAGE_SLICE_INDEX_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hindsight/time.h"
#include "hindsight/value.h"
#include "keys/key_codec.h"

namespace hindsight::internal {

// The index key of live segment `valid` of key `ids`.
std::string SliceKey(const KeyIds& ids, Interval valid);
std::string EncodeSliceValue(Interval valid, const Value& value);

struct SliceEntry {
  KeyIds ids;
  Interval valid;
  Value value;
};
// The key ids and interval of an index key, without decoding the value
// (every bound is in the key). DataLoss when it is not a key of this index.
absl::StatusOr<SliceEntry> DecodeSliceKey(std::string_view key);
// The value of an entry. DataLoss when the bytes are not a value of this index.
absl::StatusOr<Value> DecodeSliceValue(std::string_view value);

// A key range [begin, end) of the index to scan for segments containing v.
struct SliceRange {
  std::string begin;
  std::string end;
  bool all_match;  // every entry in the range contains v (no filtering needed)
};
// The ranges, for predicate `p` at instant `v`: the two open ranges and one
// range per level (66 in all). Empty when v is +inf.
std::vector<SliceRange> SliceRangesAt(NameId p, Instant v);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_SLICE_INDEX_H_
