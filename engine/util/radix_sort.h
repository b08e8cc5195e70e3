// Least-significant-digit radix sort of unsigned 64-bit keys.
#ifndef HINDSIGHT_UTIL_RADIX_SORT_H_
#define HINDSIGHT_UTIL_RADIX_SORT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hindsight::internal {

// Sorts `keys` by their low `bits` bits, ascending and stably: keys equal
// in those bits keep their order, whatever their other bits (which may carry
// a payload). Cost: ceil(bits / 11) passes over the keys, each with a
// 2,048-entry histogram; for a few thousand keys sorted on up to 44 bits,
// several times faster than a comparison sort. `scratch` is reused storage
// of any content.
inline void RadixSort(std::vector<uint64_t>* keys, int bits, std::vector<uint64_t>* scratch) {
  constexpr int kDigitBits = 11;
  constexpr size_t kRadix = size_t{1} << kDigitBits;
  scratch->resize(keys->size());
  for (int shift = 0; shift < bits; shift += kDigitBits) {
    const uint64_t mask = bits - shift >= kDigitBits ? kRadix - 1 : (uint64_t{1} << (bits - shift)) - 1;
    std::array<uint32_t, kRadix> count{};
    for (const uint64_t k : *keys) ++count[(k >> shift) & mask];
    uint32_t sum = 0;
    for (uint32_t& c : count) {
      const uint32_t n = c;
      c = sum;
      sum += n;
    }
    for (const uint64_t k : *keys) (*scratch)[count[(k >> shift) & mask]++] = k;
    keys->swap(*scratch);
  }
}

}  // namespace hindsight::internal

#endif  // HINDSIGHT_UTIL_RADIX_SORT_H_
