// The pure rules the commit planner (commit_planner.h) applies: how one
// transaction changes the live timeline of one key, the validation of an
// operation, the transaction time, the log record and an erase's rewrite of
// earlier records.
#ifndef HINDSIGHT_STORAGE_KEY_CHANGE_H_
#define HINDSIGHT_STORAGE_KEY_CHANGE_H_

#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "hindsight/transaction.h"
#include "storage/records.h"

namespace hindsight::internal {

struct KeyChange {
  std::vector<StoredSegment> live;     // the new live timeline, sorted by from
  std::vector<StoredSegment> removed;  // segments no longer live; their rows close at this transaction
  std::vector<Segment> added;          // segments that become live at this transaction
  bool changed() const { return !removed.empty() || !added.empty(); }
};

// Applies `ops` (asserts and retracts of one key, in order) at transaction
// time `time` to the canonical live timeline `before`. Segments present
// before and after keep their txFrom; history rows start and end only where
// the canonical timeline changed. Cost: O(segments + ops * log(ops)).
KeyChange ApplyOperations(const std::vector<StoredSegment>& before, const std::vector<const Operation*>& ops,
                          Instant time);

// Checks one operation of a transaction (names, from < to, digests);
// InvalidArgument "operation N: reason" (N = index + 1).
absl::Status ValidateOperation(const Operation& op, size_t index);

// The transaction time `txn` commits at after a transaction at `previous`:
// its own (finite, after `previous`) or max(now, previous + 1µs).
absl::StatusOr<Instant> TransactionTime(const Transaction& txn, Instant previous, Instant now);

// The log record of transaction `id`: the operations of `txn` except those
// at the indexes in `dropped` (made moot by a later erase of their key),
// with every erase naming its key by KeyDigest only.
TransactionRecord RecordToLog(uint64_t id, Instant time, const Transaction& txn, const std::vector<bool>& dropped);

// The keys a transaction erases, to test the operations of earlier log
// records against: by an operation's names, or by the key digest the log
// names an erase with. A key erased by a digest that names no stored key is
// known by its digest only: an operation's names are then tested through
// their digest (a SHA-256 of each operation tested). Refers to `named`,
// which must outlive it.
class ErasedKeys {
 public:
  // `named`: keys erased by their names, or by the digest of a stored key;
  // `digests_only`: digests of the keys erased that no stored key has.
  ErasedKeys(const std::vector<FactKey>& named, const std::vector<std::string>& digests_only);
  // Whether the operation on (subject, predicate, object), or with key
  // digest `digest` when that is not empty, is on an erased key.
  bool Names(std::string_view subject, std::string_view predicate, std::string_view object,
             std::string_view digest) const;

 private:
  absl::flat_hash_set<std::tuple<std::string_view, std::string_view, std::string_view>> keys_;
  absl::flat_hash_set<std::string> digests_;  // of every erased key
  bool digests_only_ = false;                 // some are known only by digest
};

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_KEY_CHANGE_H_
