// The merge operator of column family "closed": a merge operand is appended
// to the value. A key's closed rows are a concatenation of ClosedRows
// messages (records.h), so a commit adds the rows it closes with one
// WriteBatch::Merge and never reads the earlier ones.
#ifndef HINDSIGHT_STORAGE_APPEND_MERGE_H_
#define HINDSIGHT_STORAGE_APPEND_MERGE_H_

#include <memory>

#include <rocksdb/merge_operator.h>

namespace hindsight::internal {

// Name() is stored in the database's options: never change it.
std::shared_ptr<rocksdb::MergeOperator> NewAppendMergeOperator();

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_APPEND_MERGE_H_
