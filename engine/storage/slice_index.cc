#include "storage/slice_index.h"

#include <bit>

#include "storage/records.h"

namespace hindsight::internal {
namespace {

constexpr char kOpenStart = 0x00;
constexpr char kFinite = 0x01;
constexpr char kOpenEnd = 0x02;
constexpr int kTopLevel = 63;

// The smallest level L with 2^L >= length (capped at kTopLevel, whose two
// buckets cover every int64).
int LevelOf(Instant from, Instant to) {
  const uint64_t length = static_cast<uint64_t>(to) - static_cast<uint64_t>(from);
  const int level = length <= 1 ? 0 : 64 - std::countl_zero(length - 1);
  return level > kTopLevel ? kTopLevel : level;
}

int64_t BucketOf(Instant t, int level) { return t >> level; }  // floor division by 2^level

std::string Prefix(NameId p, char kind) {
  std::string key;
  AppendNameId(&key, p);
  key.push_back(kind);
  return key;
}

std::string LevelPrefix(NameId p, int level) {
  std::string key = Prefix(p, kFinite);
  key.push_back(static_cast<char>(level));
  return key;
}

}  // namespace

std::string SliceKey(const KeyIds& ids, Interval valid) {
  std::string key;
  if (valid.from == kNegInf) {
    key = Prefix(ids.predicate, kOpenStart);
    AppendInstant(&key, valid.to);
    AppendNameId(&key, ids.subject);
    AppendNameId(&key, ids.object);
  } else if (valid.to == kPosInf) {
    key = Prefix(ids.predicate, kOpenEnd);
    AppendInstant(&key, valid.from);
    AppendNameId(&key, ids.subject);
    AppendNameId(&key, ids.object);
  } else {
    const int level = LevelOf(valid.from, valid.to);
    key = LevelPrefix(ids.predicate, level);
    AppendInstant(&key, BucketOf(valid.from, level));
    AppendNameId(&key, ids.subject);
    AppendNameId(&key, ids.object);
    AppendInstant(&key, valid.from);
    AppendInstant(&key, valid.to);
  }
  return key;
}

std::string EncodeSliceValue(Interval valid, const Value& value) {
  return EncodeSliceRecord(valid.to, value);
}

absl::StatusOr<SliceEntry> DecodeSliceKey(std::string_view key) {
  const auto damaged = [] { return absl::DataLossError("damaged key in column family slices"); };
  if (key.size() < 5) return damaged();
  SliceEntry e;
  e.ids.predicate = DecodeNameId(key.data());
  const char* p = key.data() + 5;
  switch (key[4]) {
    case kOpenStart:
    case kOpenEnd: {
      if (key.size() != 5 + kInstantBytes + 2 * kIdBytes) return damaged();
      const Instant bound = DecodeInstant(p);
      e.valid = key[4] == kOpenStart ? Interval{kNegInf, bound} : Interval{bound, kPosInf};
      e.ids.subject = DecodeNameId(p + kInstantBytes);
      e.ids.object = DecodeNameId(p + kInstantBytes + kIdBytes);
      return e;
    }
    case kFinite:
      if (key.size() != 6 + 3 * kInstantBytes + 2 * kIdBytes) return damaged();
      e.ids.subject = DecodeNameId(p + 1 + kInstantBytes);
      e.ids.object = DecodeNameId(p + 1 + kInstantBytes + kIdBytes);
      e.valid = {DecodeInstant(p + 1 + kInstantBytes + 2 * kIdBytes), DecodeInstant(p + 1 + 2 * kInstantBytes + 2 * kIdBytes)};
      return e;
    default:
      return damaged();
  }
}

absl::StatusOr<Value> DecodeSliceValue(std::string_view value) {
  absl::StatusOr<Value> v = DecodeSliceRecordValue(value);
  if (!v.ok()) return absl::DataLossError(std::string(v.status().message()) + " (column family slices)");
  return v;
}


std::vector<SliceRange> SliceRangesAt(NameId p, Instant v) {
  std::vector<SliceRange> ranges;
  if (v == kPosInf) return ranges;
  // [-inf, to) contains v iff to > v.
  {
    SliceRange r{Prefix(p, kOpenStart), Prefix(p, kOpenStart + 1), true};
    r.begin = Prefix(p, kOpenStart);
    AppendInstant(&r.begin, v + 1);  // v < +inf, so no overflow
    ranges.push_back(std::move(r));
  }
  if (v == kNegInf) return ranges;  // only segments from -inf contain -inf
  // [from, +inf) contains v iff from <= v.
  {
    SliceRange r{Prefix(p, kOpenEnd), Prefix(p, kOpenEnd), true};
    AppendInstant(&r.end, v + 1);
    ranges.push_back(std::move(r));
  }
  for (int level = 0; level <= kTopLevel; ++level) {
    const int64_t bucket = BucketOf(v, level);
    SliceRange r{LevelPrefix(p, level), LevelPrefix(p, level), false};
    AppendInstant(&r.begin, bucket == kNegInf ? bucket : bucket - 1);
    if (bucket == kPosInf) {
      r.end = LevelPrefix(p, level + 1);
    } else {
      AppendInstant(&r.end, bucket + 1);
    }
    ranges.push_back(std::move(r));
  }
  return ranges;
}

}  // namespace hindsight::internal
