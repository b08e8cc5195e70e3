// The in-memory mirror of column family "names": every subject, predicate and
// object name interned to a NameId, both ways. Loaded once at open.
//
// Thread-safety: Find and Name may run concurrently with each other and with
// one writer calling Intern/Truncate.
#ifndef HINDSIGHT_STORAGE_NAME_DICTIONARY_H_
#define HINDSIGHT_STORAGE_NAME_DICTIONARY_H_

#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "hindsight/fact.h"
#include "keys/key_codec.h"

namespace hindsight::internal {

class NameDictionary {
 public:
  // The id of `name`, if interned.
  std::optional<NameId> Find(std::string_view name) const;
  // The ids of the key's three names, if all are interned (one lock, not
  // three).
  std::optional<KeyIds> FindKey(const FactKey& key) const;

  // The name of `id` ("" for an id whose name was removed before this
  // process opened the database). REQUIRES: id < size(). The reference stays
  // valid until Truncate removes the id.
  const std::string& Name(NameId id) const;
  // The names of key `ids`, as Name gives each. REQUIRES: each id < size().
  FactKey KeyOf(const KeyIds& ids) const;

  // The names by id, for resolving many ids under one lock.
  struct Table {
    const std::deque<std::string>& names;  // names[id] is Name(id)
    // Ids below this compare as their names do: names first met in name
    // order get ids in name order, and a name interned after them that
    // sorts after them all extends the run.
    size_t ordered_ids;
  };
  // Runs fn(table) under one read lock. `fn` must not call this dictionary.
  template <typename Fn>
  auto WithTable(Fn fn) const {
    absl::ReaderMutexLock lock(&mu_);
    return fn(Table{names_, ordered_ids_});
  }

  // The id of `name`, interning it as the next id if new (`*added` says).
  NameId Intern(std::string_view name, bool* added);

  // Adds a (name, id) pair read from disk, in any order. Ids of names that
  // were removed stay unused.
  void Load(std::string_view name, NameId id);

  // Makes `id` unknown to Find (its name was erased); Name(id) keeps working
  // for readers of older snapshots until the database is reopened.
  void Remove(NameId id);

  // Ends loading: makes size() at least n (the next id to assign) and finds
  // the ids in name order. Cost: one pass over the names.
  void FinishLoading(size_t n);

  size_t size() const;

  // Forgets ids >= n (the rollback of a failed commit's interning).
  void Truncate(size_t n);

 private:
  mutable absl::Mutex mu_;
  // Recomputes ordered_ids_ from id 0.
  void FindOrderedIds() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::flat_hash_map<std::string, NameId> ids_ ABSL_GUARDED_BY(mu_);
  // "" for ids whose names were removed (names are never empty)
  std::deque<std::string> names_ ABSL_GUARDED_BY(mu_);
  size_t ordered_ids_ ABSL_GUARDED_BY(mu_) = 0;
  // The greatest name below ordered_ids_.
  const std::string* greatest_ordered_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_NAME_DICTIONARY_H_
