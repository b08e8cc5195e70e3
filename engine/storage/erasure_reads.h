// What planning a transaction that erases reads besides the keys it
// erases (the first step of commit_planner.h): which of the erased keys'
// names other keys use, the earlier log records that hold an operation on
// an erased key, found through the key's rows and its mentions
// (keys/key_codec.h) rather than by reading the log, and the mentions the
// erase deletes; and what tells an earlier record's operations on an
// erased key from the others (docs/storage.md, "Erase").
#ifndef HINDSIGHT_STORAGE_ERASURE_READS_H_
#define HINDSIGHT_STORAGE_ERASURE_READS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "storage/commit_planner.h"
#include "storage/key_change.h"
#include "storage/store_reader.h"

namespace hindsight::internal {

// One key a transaction erases, named by its digest; `key` is the key with
// its stored state, null when the digest names no key the transaction or
// the database has.
struct Erasure {
  std::string digest;
  const StoredKey* key = nullptr;
};

// The keys the operations of `state` erase, each once.
std::vector<Erasure> ErasuresOf(const TransactionState& state);

// What an operation of an earlier record must be tested against to know if
// it is on a key of `erasures`. Refers to `*named`, which it fills.
ErasedKeys MatcherOf(const std::vector<Erasure>& erasures, std::vector<FactKey>* named);

// Fills the erasure part of `state` (its keys read already): names used
// elsewhere, the records to rewrite, the mentions to delete. Cost: per
// erased stored key, a scan of its rows in `history`, a Get of a
// transaction's info per probe of the search for each time its rows begin
// or end, a scan of its mentions, a Get of each record they name, and per
// name an index scan that stops at the first other key using it. DataLoss
// for a damaged record, or a row time no transaction has.
absl::Status ReadErasureState(StoreReader* reader, TransactionState* state);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_ERASURE_READS_H_
