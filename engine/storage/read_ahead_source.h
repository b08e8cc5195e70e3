// A transaction source read ahead of planning. A thread of its own takes
// the source's transactions (copying each) up to a bounded number of
// operations before the planner, and reads from the database the timeline
// record of each key they touch, the first time in a group that one does:
// after that the group's pending writes hold the key. The planner takes
// the transactions in order (Next) and reads the database through this
// object (Get), which hands it a record read ahead, once, or else reads it
// itself. Planning's reads of the stored state then run on the core it
// leaves free (a load into a database with data reads a record for most
// keys of each group).
//
// The database must not change between two calls of Invalidate (the
// writer holds the write lock and writes only its own groups): after each
// write of a group, Invalidate drops what was read before it.
#ifndef HINDSIGHT_STORAGE_READ_AHEAD_SOURCE_H_
#define HINDSIGHT_STORAGE_READ_AHEAD_SOURCE_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "hindsight/db.h"
#include "keys/key_codec.h"
#include "storage/name_dictionary.h"
#include "storage/store_reader.h"

namespace hindsight::internal {

// Start, Next, Get, Scan and Invalidate are for the planner's thread; Get and Scan
// may also run on other threads at once (a group's table writes).
class ReadAheadSource final : public StoreReader {
 public:
  // Reads from `next` ahead once started, holding at most about
  // `max_operations` operations read and not yet handed out. `base` (whose
  // Get and Scan may run concurrently) and `names` (the ids its records'
  // keys are made of) outlive this object, and so does `next`.
  ReadAheadSource(const Database::TransactionSource& next, StoreReader* base, const NameDictionary* names,
                  size_t max_operations = 16384);
  // Stops the thread, after the call of `next` it may be in.
  ~ReadAheadSource() override;

  // Starts calling `next` on a thread of its own (until then Next calls it
  // itself: an empty database has nothing to read ahead, and copying the
  // transactions would only take the other core's time). Call it between
  // two calls of Next; starting again, or after Next has met the source's
  // end or error, does nothing.
  void Start();
  ReadAheadSource(const ReadAheadSource&) = delete;
  ReadAheadSource& operator=(const ReadAheadSource&) = delete;

  // The source's next transaction (valid until the following call),
  // nullptr at the end, or its error; after the end or an error, the same
  // answer again.
  absl::StatusOr<const Transaction*> Next();

  // The base's answer: a timeline record read ahead is handed out once.
  absl::StatusOr<bool> Get(int family, std::string_view key, std::string* value) override;
  absl::Status Scan(int family, std::string_view prefix, EntryVisitor visit) override;

  // Forgets every record read so far: the database has changed.
  void Invalidate();

 private:
  struct Item {
    absl::StatusOr<std::optional<Transaction>> txn;  // nullopt: the end
    size_t operations = 0;
    std::vector<KeyIds> keys;  // that may be stored: their names have ids
  };
  void Run();
  std::vector<KeyIds> StoredKeysOf(const Transaction& txn) const;
  // Reads the records of `keys` not yet asked for in this epoch; in a new
  // epoch, first those of the transactions waiting in `ahead_`.
  void ReadRecords(const std::vector<KeyIds>& keys);

  const Database::TransactionSource& next_;
  StoreReader* const base_;
  const NameDictionary* const names_;
  const size_t max_operations_;

  absl::Mutex mu_;
  absl::CondVar changed_;
  std::deque<Item> ahead_ ABSL_GUARDED_BY(mu_);
  size_t ahead_operations_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Bumped by Invalidate; records read in an earlier epoch are dropped.
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;
  // Timeline records read ahead by key (nullopt: the key has none).
  absl::flat_hash_map<KeyIds, std::optional<std::string>> records_ ABSL_GUARDED_BY(mu_);

  // The thread's own: the keys asked for in `asked_epoch_`.
  absl::flat_hash_set<KeyIds> asked_;
  uint64_t asked_epoch_ = 0;

  std::optional<Item> current_;  // the planner's: handed out last
  bool source_done_ = false;     // Next, before Start, met the end or an error
  std::thread thread_;           // once started
};

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_READ_AHEAD_SOURCE_H_
