// The merge operator of column family "slices". A bucket's value lists its
// live segments (a SliceBucket message); a commit writes one merge operand
// per bucket it changes (a SliceBucketChange: entries removed, then entries
// added), so a commit never reads a bucket. Merging applies the operands in
// order: the result holds the earlier entries without the removed ones,
// plus the added ones (an added entry replaces one of the same subject,
// object and start). Consecutive operands also combine into one (partial
// merge), so flushes and compactions keep a bucket's pending operands few.
#ifndef HINDSIGHT_STORAGE_SLICE_MERGE_H_
#define HINDSIGHT_STORAGE_SLICE_MERGE_H_

#include <memory>

#include <rocksdb/merge_operator.h>

namespace hindsight::internal {

// Name() is stored in the database's options: never change it. A damaged
// bucket or operand fails the merge (RocksDB reports Corruption). Removing
// an entry the bucket does not hold changes nothing. Cost: one decode of
// the bucket and of each operand, one encode of the result.
std::shared_ptr<rocksdb::MergeOperator> NewSliceMergeOperator();

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_SLICE_MERGE_H_
