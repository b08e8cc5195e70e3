// The merge operator of column family "timelines". A key's timeline record
// is its LiveTimeline message followed by ClosedRows messages (records.h).
// A commit writes one merge operand of the same shape: the new live
// timeline and the rows it closed. Merging keeps the newest live timeline
// and appends every closed message in order, so a commit never reads or
// rewrites the key's earlier closed rows, and one point read returns the
// whole bitemporal history of a key.
#ifndef HINDSIGHT_STORAGE_TIMELINE_MERGE_H_
#define HINDSIGHT_STORAGE_TIMELINE_MERGE_H_

#include <memory>
#include <string>
#include <string_view>

#include <rocksdb/merge_operator.h>

namespace hindsight::internal {

// Name() is stored in the database's options: never change it. A damaged
// record or operand fails the merge (RocksDB reports Corruption).
std::shared_ptr<rocksdb::MergeOperator> NewTimelineMergeOperator();

// What the operator makes of `operand` merged over `record`, made in
// `record` itself: the live part replaced (the closed rows move if its
// size changes) and the operand's closed rows appended, with no new
// allocation while `record` has the room. False, with `record` unchanged,
// if either is damaged.
bool MergeTimelineInPlace(std::string* record, std::string_view operand);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_TIMELINE_MERGE_H_
