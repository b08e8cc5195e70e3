#include "storage/name_dictionary.h"

#include <cassert>
#include <mutex>

namespace hindsight::internal {

std::optional<NameId> NameDictionary::Find(std::string_view name) const {
  std::shared_lock lock(mu_);
  auto it = ids_.find(absl::string_view(name.data(), name.size()));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

const std::string& NameDictionary::Name(NameId id) const {
  std::shared_lock lock(mu_);
  assert(id < names_.size());
  return names_[id];
}

NameId NameDictionary::Intern(std::string_view name, bool* added) {
  std::unique_lock lock(mu_);
  auto [it, inserted] = ids_.try_emplace(std::string(name), static_cast<NameId>(names_.size()));
  if (inserted) names_.emplace_back(name);
  *added = inserted;
  return it->second;
}

void NameDictionary::Load(std::string_view name, NameId id) {
  std::unique_lock lock(mu_);
  if (names_.size() <= id) names_.resize(size_t{id} + 1);
  names_[id] = std::string(name);
  ids_.emplace(std::string(name), id);
}

void NameDictionary::Remove(NameId id) {
  std::unique_lock lock(mu_);
  if (id < names_.size()) ids_.erase(names_[id]);
}

void NameDictionary::Reserve(size_t n) {
  std::unique_lock lock(mu_);
  if (names_.size() < n) names_.resize(n);
}

size_t NameDictionary::size() const {
  std::shared_lock lock(mu_);
  return names_.size();
}

void NameDictionary::Truncate(size_t n) {
  std::unique_lock lock(mu_);
  while (names_.size() > n) {
    ids_.erase(names_.back());
    names_.pop_back();
  }
}

}  // namespace hindsight::internal
