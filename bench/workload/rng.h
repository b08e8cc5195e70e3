// A small deterministic random source for the workload generator: the same
// seed gives the same numbers on every machine and compiler (unlike the
// standard library's distributions, whose algorithms are unspecified).
#ifndef HINDSIGHT_BENCH_WORKLOAD_RNG_H_
#define HINDSIGHT_BENCH_WORKLOAD_RNG_H_

#include <cstdint>

namespace hindsight::workload {

// SplitMix64 (Steele, Lea, Flood 2014).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0.
  uint64_t Below(uint64_t n) { return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64); }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1))); }
  // True with probability `percent` / 100.
  bool Percent(double percent) { return Below(1'000'000) < static_cast<uint64_t>(percent * 10'000); }

 private:
  uint64_t state_;
};

// An independent stream for item `index` of kind `salt`.
inline Rng StreamFor(uint64_t seed, uint64_t salt, uint64_t index) {
  Rng mix(seed * 0x2545f4914f6cdd1dULL ^ salt * 0x9e3779b97f4a7c15ULL ^ index);
  mix.Next();
  return Rng(mix.Next());
}

}  // namespace hindsight::workload

#endif  // HINDSIGHT_BENCH_WORKLOAD_RNG_H_
