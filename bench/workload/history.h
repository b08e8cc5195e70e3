// How each key of a generated workload changes over time, and when the
// database learns of it: a pure function of (seed, key), so the ops writer
// and the query writer agree without keeping the whole history in memory.
//
// Valid time: each key has `versions` segments on average (between half and
// one and a half times as many) at day granularity in 1950..2035, 15% of the
// bounds at a time of day; a gap after 10% of them (after every one for
// predicates without values), the first from -inf for 3% of keys, the last
// to +inf for half.
//
// Transaction time: phase 1 is a feed in rounds. Round r carries segment r
// of every key, in blocks of kBlockKeys keys a transaction. A segment is
// asserted exactly, or "until further notice" [from, +inf): always when the
// next segment follows directly (whose assert then cuts it) 60% of the time,
// and 40% of the time otherwise, its end then arriving as a retract
// [to, +inf) in the next round. Phase 2 corrects the past: 5% of keys get a
// different value over part of one segment (a fifth of these reach into the
// next), 1% a retract of part of one, in transactions of kCorrectionsPerTx
// operations. Phase 3 erases 0.2% of keys, half of them asserted afresh in
// the same transaction.
#ifndef HINDSIGHT_BENCH_WORKLOAD_HISTORY_H_
#define HINDSIGHT_BENCH_WORKLOAD_HISTORY_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "keyspace.h"

namespace hindsight::workload {

// Instants in minutes since 1970-01-01T00:00Z; the sentinels are the contract's.
inline constexpr int64_t kNegInf = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kPosInf = std::numeric_limits<int64_t>::max();
inline constexpr int64_t kMinutesPerDay = 1440;

inline constexpr uint64_t kBlockKeys = 1000;
inline constexpr uint64_t kCorrectionsPerTx = 100;
inline constexpr uint64_t kErasuresPerTx = 50;

struct Segment {
  int64_t from;
  int64_t to;
  std::string value;  // canonical text; empty for none
};

struct KeyHistory {
  enum class Fix { kNone, kAssert, kRetract };
  enum class Erasure { kNone, kErase, kEraseAndAssert };

  std::vector<Segment> segments;   // the phase-1 timeline, sorted, disjoint
  std::vector<bool> open_ended;    // per segment: first asserted [from, +inf)
  std::vector<bool> end_retracted; // per segment: its end arrives as a retract a round later
  int rounds = 0;                  // phase-1 rounds with operations on this key

  Fix fix = Fix::kNone;            // phase 2
  size_t fixed_segment = 0;
  Segment fix_span;                // value empty for a retract

  Erasure erasure = Erasure::kNone;  // phase 3
  Segment fresh;                     // kEraseAndAssert: asserted after the erase
};

KeyHistory HistoryOf(const Keyspace& keyspace, uint64_t key, uint64_t seed, int versions);

// Transaction numbering and times (one hour apart from 2010-01-01).
class Schedule {
 public:
  Schedule(uint64_t keys, int versions);

  int rounds() const { return rounds_; }
  uint64_t blocks() const { return blocks_; }
  // 0-based transaction index of round r's block of `key`.
  uint64_t RoundTx(int round, uint64_t key) const { return static_cast<uint64_t>(round) * blocks_ + key / kBlockKeys; }
  uint64_t FirstCorrectionTx() const { return static_cast<uint64_t>(rounds_) * blocks_; }
  static int64_t TxMinute(uint64_t tx_index);

 private:
  int rounds_;
  uint64_t blocks_;
};

// A time literal for minute `m`: a date at midnight, otherwise a time of day
// written as UTC without suffix, with Z, or with an offset (chosen by `rng`).
std::string Literal(int64_t m, Rng* rng);

}  // namespace hindsight::workload

#endif  // HINDSIGHT_BENCH_WORKLOAD_HISTORY_H_
