// The keys of a generated workload: entities with made-up names (a few hubs
// with many relations, a long tail), predicates with typed values, and the
// (subject, predicate, object) keys, all a pure function of the seed.
#ifndef HINDSIGHT_BENCH_WORKLOAD_KEYSPACE_H_
#define HINDSIGHT_BENCH_WORKLOAD_KEYSPACE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "rng.h"

namespace hindsight::workload {

enum class ValueKind { kNone, kString, kInt, kDouble, kBool };

struct Predicate {
  std::string name;
  ValueKind kind;
  std::vector<std::string> words;  // kString: the vocabulary, as canonical JSON
};

struct Key {
  uint32_t subject;
  uint32_t object;
  uint16_t predicate;
};

class Keyspace {
 public:
  // `keys` keys over max(20, keys / 5) entities. Memory: about 40 bytes a key
  // while building, 12 after.
  Keyspace(uint64_t keys, uint64_t seed);

  uint64_t key_count() const { return keys_.size(); }
  uint32_t entity_count() const { return entity_count_; }
  const Key& key(uint64_t k) const { return keys_[k]; }
  const Predicate& predicate(uint16_t p) const { return predicates_[p]; }
  size_t predicate_count() const { return predicates_.size(); }

  // The escaped (ops-file) name of entity `e`; about one in 500 has spaces
  // and punctuation of real names, non-ASCII letters, an emoji, or a byte
  // that needs escaping.
  std::string EntityName(uint32_t e) const;
  // The escaped name of an entity that does not exist (for queries that miss).
  std::string MissingEntityName(uint64_t n) const;
  // A value of predicate `p` (canonical text; empty for none).
  std::string Value(uint16_t p, Rng* rng) const;

 private:
  uint32_t entity_count_;
  std::vector<Predicate> predicates_;
  std::vector<Key> keys_;
};

}  // namespace hindsight::workload

#endif  // HINDSIGHT_BENCH_WORKLOAD_KEYSPACE_H_
