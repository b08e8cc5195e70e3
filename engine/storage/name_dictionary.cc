#include "storage/name_dictionary.h"

#include <cassert>
#include <mutex>

namespace hindsight::internal {

std::optional<NameId> NameDictionary::Find(std::string_view name) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = ids_.find(absl::string_view(name.data(), name.size()));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::optional<KeyIds> NameDictionary::FindKey(const FactKey& key) const {
  absl::ReaderMutexLock lock(&mu_);
  const auto find = [this](const std::string& name) ABSL_SHARED_LOCKS_REQUIRED(mu_) { return ids_.find(name); };
  const auto s = find(key.subject), p = find(key.predicate), o = find(key.object);
  if (s == ids_.end() || p == ids_.end() || o == ids_.end()) return std::nullopt;
  return KeyIds{s->second, p->second, o->second};
}

const std::string& NameDictionary::Name(NameId id) const {
  absl::ReaderMutexLock lock(&mu_);
  assert(id < names_.size());
  return names_[id];
}

FactKey NameDictionary::KeyOf(const KeyIds& ids) const {
  absl::ReaderMutexLock lock(&mu_);
  assert(ids.subject < names_.size() && ids.predicate < names_.size() && ids.object < names_.size());
  return {names_[ids.subject], names_[ids.predicate], names_[ids.object]};
}

NameId NameDictionary::Intern(std::string_view name, bool* added) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = ids_.try_emplace(std::string(name), static_cast<NameId>(names_.size()));
  if (inserted) {
    names_.emplace_back(name);
    if (ordered_ids_ + 1 == names_.size() && (greatest_ordered_ == nullptr || *greatest_ordered_ < names_.back())) {
      ordered_ids_ = names_.size();
      greatest_ordered_ = &names_.back();
    }
  }
  *added = inserted;
  return it->second;
}

void NameDictionary::Load(std::string_view name, NameId id) {
  absl::MutexLock lock(&mu_);
  if (names_.size() <= id) names_.resize(size_t{id} + 1);
  names_[id] = std::string(name);
  ids_.emplace(std::string(name), id);
}

void NameDictionary::Remove(NameId id) {
  absl::MutexLock lock(&mu_);
  if (id < names_.size()) ids_.erase(names_[id]);
}

void NameDictionary::FinishLoading(size_t n) {
  absl::MutexLock lock(&mu_);
  if (names_.size() < n) names_.resize(n);
  FindOrderedIds();
}

void NameDictionary::FindOrderedIds() {
  ordered_ids_ = 0;
  greatest_ordered_ = nullptr;
  for (const std::string& name : names_) {
    if (!name.empty()) {
      if (greatest_ordered_ != nullptr && !(*greatest_ordered_ < name)) return;
      greatest_ordered_ = &name;
    }
    ++ordered_ids_;
  }
}

size_t NameDictionary::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return names_.size();
}

void NameDictionary::Truncate(size_t n) {
  absl::MutexLock lock(&mu_);
  if (names_.size() <= n) return;
  while (names_.size() > n) {
    ids_.erase(names_.back());
    names_.pop_back();
  }
  if (ordered_ids_ > n) {  // ids below n stay in order; find the greatest of their names
    ordered_ids_ = n;
    greatest_ordered_ = nullptr;
    for (size_t id = n; id > 0 && greatest_ordered_ == nullptr; --id) {
      if (!names_[id - 1].empty()) greatest_ordered_ = &names_[id - 1];
    }
  }
}

}  // namespace hindsight::internal
