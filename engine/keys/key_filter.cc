#include "keys/key_filter.h"

#include <algorithm>

namespace hindsight::internal {
namespace {

uint64_t Fnv1a(uint64_t h, std::string_view bytes) {
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// splitmix64's finalizer: every input bit reaches every output bit.
uint64_t Mix(uint64_t h) {
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

// Calls `probe(bit)` for each of the key's bit positions in a filter of
// `bit_count` bits (Kirsch and Mitzenmacher's double hashing).
template <typename Probe>
bool ForEachProbe(uint64_t key_hash, uint64_t bit_count, Probe probe) {
  const uint64_t step = Mix(key_hash ^ 0x9e3779b97f4a7c15ULL) | 1;
  uint64_t h = key_hash;
  for (int i = 0; i < kKeyFilterProbes; ++i) {
    if (!probe(h % bit_count)) return false;
    h += step;
  }
  return true;
}

}  // namespace

uint64_t KeyFilterHash(const FactKey& key) { return KeyFilterHash(key.subject, key.predicate, key.object); }

uint64_t KeyFilterHash(std::string_view subject, std::string_view predicate, std::string_view object) {
  uint64_t h = 0xcbf29ce484222325ULL;
  h = Fnv1a(h, subject);
  h = Fnv1a(h, std::string_view("\0", 1));
  h = Fnv1a(h, predicate);
  h = Fnv1a(h, std::string_view("\0", 1));
  h = Fnv1a(h, object);
  return Mix(h);
}

uint64_t KeyDigestFilterHash(std::string_view digest) {
  uint64_t h = 0;
  for (size_t i = 0; i < 8 && i < digest.size(); ++i) h |= uint64_t{static_cast<unsigned char>(digest[i])} << (8 * i);
  return Mix(h);
}

KeyFilterBuilder::KeyFilterBuilder(size_t key_count) : bits_(std::max<size_t>(8, (key_count * kKeyFilterBitsPerKey + 7) / 8), '\0') {}

void KeyFilterBuilder::Add(uint64_t key_hash) {
  ForEachProbe(key_hash, uint64_t{bits_.size()} * 8, [&](uint64_t bit) {
    bits_[bit / 8] = static_cast<char>(bits_[bit / 8] | (1 << (bit % 8)));
    return true;
  });
}

bool KeyFilterMayHold(std::string_view filter, uint64_t key_hash) {
  if (filter.empty()) return true;
  return ForEachProbe(key_hash, uint64_t{filter.size()} * 8,
                      [&](uint64_t bit) { return (filter[bit / 8] >> (bit % 8)) & 1; });
}

}  // namespace hindsight::internal
