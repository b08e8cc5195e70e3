// The writes of transactions planned but not yet written, in memory over
// the database they will go to: CommitAll and BulkLoad plan each
// transaction against it (it reads as the database will once they are
// written), write its plan into it, and write many transactions at once,
// as one write batch or as sorted table files to ingest.
#ifndef HINDSIGHT_STORAGE_PENDING_WRITES_H_
#define HINDSIGHT_STORAGE_PENDING_WRITES_H_

#include <array>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/merge_operator.h>

#include "absl/container/btree_map.h"
#include "absl/container/node_hash_map.h"
#include "keys/key_codec.h"
#include "storage/column_families.h"
#include "storage/pending_slice_changes.h"
#include "storage/store_reader.h"
#include "storage/write_sink.h"

namespace hindsight::internal {

// Thread-compatible.
class PendingWrites final : public StoreReader, public WriteSink {
 public:
  // Reads what it does not hold from `base`; merges with the column
  // families' operators (`merge[family]`, null where none). Both outlive it.
  PendingWrites(StoreReader* base, std::array<const rocksdb::MergeOperator*, kColumnFamilyCount> merge);

  absl::StatusOr<bool> Get(int family, std::string_view key, std::string* value) override;
  // Fetches the hash table slots where Get looks for `key`.
  void Prefetch(int family, std::string_view key) override;
  absl::Status Scan(int family, std::string_view prefix, EntryVisitor visit) override;

  // Changes, as writing them to the database would make them.
  void Put(int family, std::string_view key, std::string_view value) override;
  void Merge(int family, std::string_view key, std::string_view operand) override;
  void Delete(int family, std::string_view key) override;
  void DeleteRange(int family, std::string_view begin, std::string_view end) override;
  // Slice index changes are kept apart, combined per bucket (on a thread
  // of their own once they are many: pending_slice_changes.h), and not
  // read back: Get and Scan of column family "slices" see the base only
  // (planning never reads the slice index).
  void ChangeSliceBuckets(SliceIndexEdits edits);
  // Notes that the index entries of key `ids`, which the key had before
  // this transaction, are due, and writes them once, from
  // its timeline record as it then is, with the other changes (WriteTo,
  // VisitTable): a key that many transactions of a group change gets its
  // copies written once, and they are never copied into the pending
  // writes. Get and Scan of column family "keys" see those entries with
  // their earlier values (planning reads only which keys the indexes hold,
  // and the digest index). The key's timeline record is written first
  // (WritePlan does); after a failed merge, which fails the whole group
  // (status()), it may not be, and nothing is noted.
  void RefreshIndexCopies(const KeyIds& ids, std::string_view live);
  // Settles the due index entries: their keys in order, each with the live
  // timeline it copies (a view of the key's record, which visiting the
  // other families leaves as it is). Once settled, no more transactions
  // may be written in before Clear. VisitTable of "keys" while another
  // family is visited at once needs it done first; WriteTo and VisitTable
  // do it otherwise.
  void SettleIndexCopies();
  // The first error of a merge (a damaged record), if any.
  const absl::Status& status() const { return status_; }

  // Roughly the memory held, in bytes, the due index entries included.
  size_t bytes() const { return bytes_ + due_bytes_ + slice_changes_.bytes(); }

  // The changes into `sink` (a write batch): range deletions first. Values
  // merged over a value it never read stay merge operands, and so do slice
  // bucket changes unless `whole_buckets`: then each changed bucket is read
  // from the base and written whole, so that reads after a large group find
  // one value rather than a chain of operands (a bucket can hold thousands
  // of segments: not for small groups).
  absl::Status WriteTo(WriteSink* sink, bool whole_buckets);

  // What to write into a sorted table file of one column family.
  enum class EntryKind { kPut, kDelete, kDeleteRange };
  using TableVisitor = absl::FunctionRef<absl::Status(EntryKind, std::string_view key, std::string_view value)>;
  // Visits the changes to `family` in key order as whole values, reading
  // from the base what a merge or a slice bucket change needs (range
  // deletions first; for them `value` is the end key). Calls for different
  // families may run at once, if the base allows concurrent reads; bytes()
  // is stale until Clear.
  absl::Status VisitTable(int family, TableVisitor visit);

  // Forgets everything, once it is written.
  void Clear();

 private:
  struct Entry {
    enum State : uint8_t {
      kCachedValue,   // the base's value, read
      kCachedAbsent,  // the base has none, read
      kValue,         // written
      kDeleted,       // deleted
      kOperands,      // merge operands over the base's value, not read
    };
    State state = kCachedAbsent;
    bool index_copies_due = false;  // of a timeline record: see RefreshIndexCopies
    std::string value;
    std::vector<std::string> operands;
    bool present() const { return state == kCachedValue || state == kValue; }
  };
  // A view of an entry's key, with its first 16 bytes as two big-endian
  // integers (zero-padded), so that sorting mostly compares integers held
  // in place rather than following each key to its bytes.
  struct KeyToOrder {
    uint64_t head[2];
    std::string_view key;
    Entry* entry;
    KeyToOrder(std::string_view key, Entry* entry);
    bool operator<(const KeyToOrder& other) const;
  };
  // One column family's entries: found by hash, visited in key order.
  struct Family {
    absl::node_hash_map<std::string, Entry> entries;
    // Views of the keys of `entries`, and their entries, in key order, but
    // for those added since the family was last read in order: they wait
    // in `unordered` until it is (Ordered), so that a group pays for its
    // order once, sorted, rather than by a tree insertion at every new key.
    absl::btree_map<std::string_view, Entry*> order;
    std::vector<KeyToOrder> unordered;
    std::vector<std::pair<std::string, std::string>> deleted_ranges;
  };

  // The family's entries in key order, those added since last asked
  // sorted in. Families may be ordered on different threads at once.
  absl::btree_map<std::string_view, Entry*>& Ordered(int family);

  Entry* Find(int family, std::string_view key);
  // The entry of `key`, added (as kCachedAbsent) if it has none; `*added`
  // says which, when asked.
  Entry& Slot(int family, std::string_view key, bool* added = nullptr);
  // Makes `entry` hold a whole value or nothing, reading the base if it
  // must; `base_value` when the caller has read it (nullptr: absent).
  absl::Status Resolve(int family, std::string_view key, Entry* entry);
  absl::Status ResolveWith(int family, std::string_view key, const std::string* base_value, Entry* entry) const;
  // Sets `*merged` to `operands` merged over `base_value` (nullptr: none).
  absl::Status FullMerge(int family, std::string_view key, const std::string* base_value,
                         const std::vector<rocksdb::Slice>& operands, std::string* merged) const;
  // Merges the entry's operands over the base's value of `key` (reading
  // it), without accounting.
  absl::Status MergeOverBase(int family, std::string_view key, Entry* entry) const;
  absl::Status CombineOperands(int family, std::string_view key, Entry* entry);
  absl::Status VisitSliceBuckets(TableVisitor visit);
  bool InDeletedRange(int family, std::string_view key) const;
  void Account(const Entry& entry, int sign);

  StoreReader* base_;
  std::array<const rocksdb::MergeOperator*, kColumnFamilyCount> merge_;
  std::array<Family, kColumnFamilyCount> families_;
  PendingSliceChanges slice_changes_;
  std::vector<KeyIds> due_index_copies_;  // keys whose index entries are due
  // Once settled: the due index entries in key order, and the live
  // timelines of records still held as merge operands (rare; visiting the
  // timelines merges those, so their entries point here).
  struct IndexCopy {
    std::string key;
    std::string_view live;
  };
  std::vector<IndexCopy> settled_copies_;
  std::deque<std::string> settled_lives_;
  size_t bytes_ = 0;
  size_t due_bytes_ = 0;  // what putting them will add, roughly
  absl::Status status_;
};

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_PENDING_WRITES_H_
