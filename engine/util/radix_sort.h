// Least-significant-digit radix sort of unsigned 64-bit keys.
#ifndef HINDSIGHT_UTIL_RADIX_SORT_H_
#define HINDSIGHT_UTIL_RADIX_SORT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hindsight::internal {

// Sorts `keys` ascending. REQUIRES: every key < 2^bits. Cost: ceil(bits /
// 11) passes over the keys, each with a 2,048-entry histogram; for a few
// thousand keys of up to 44 significant bits, several times faster than a
// comparison sort. `scratch` is reused storage of any content.
inline void RadixSort(std::vector<uint64_t>* keys, int bits, std::vector<uint64_t>* scratch) {
  constexpr int kDigitBits = 11;
  constexpr size_t kRadix = size_t{1} << kDigitBits;
  scratch->resize(keys->size());
  for (int shift = 0; shift < bits; shift += kDigitBits) {
    std::array<uint32_t, kRadix> count{};
    for (const uint64_t k : *keys) ++count[(k >> shift) & (kRadix - 1)];
    uint32_t sum = 0;
    for (uint32_t& c : count) {
      const uint32_t n = c;
      c = sum;
      sum += n;
    }
    for (const uint64_t k : *keys) (*scratch)[count[(k >> shift) & (kRadix - 1)]++] = k;
    keys->swap(*scratch);
  }
}

}  // namespace hindsight::internal

#endif  // HINDSIGHT_UTIL_RADIX_SORT_H_
