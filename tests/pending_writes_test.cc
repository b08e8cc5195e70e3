// PendingWrites over a stored base: on random sequences of puts, deletes
// and range deletions, its reads (Get, Scan) equal a model of the base with
// the writes applied, and a table visit gives its entries in strictly
// increasing key order with the model's values. The keys come from a small
// alphabet, with zero and 0xff bytes, keys that are prefixes of others and
// keys alike in their first 16 bytes (those the pending writes sort by
// first).
#include "storage/pending_writes.h"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <random>
#include <string>
#include <utility>

#include "storage/column_families.h"

namespace hindsight::internal {
namespace {

// Stored values in memory, by column family and key.
class MapReader final : public StoreReader {
 public:
  std::map<std::string, std::string>& family(int f) { return values_[f]; }
  absl::StatusOr<bool> Get(int f, std::string_view key, std::string* value) override {
    const auto it = values_[f].find(std::string(key));
    if (it == values_[f].end()) return false;
    *value = it->second;
    return true;
  }
  absl::Status Scan(int f, std::string_view prefix, EntryVisitor visit) override {
    for (auto it = values_[f].lower_bound(std::string(prefix)); it != values_[f].end(); ++it) {
      if (!std::string_view(it->first).starts_with(prefix) || !visit(it->first, it->second)) break;
    }
    return absl::OkStatus();
  }

 private:
  std::map<int, std::map<std::string, std::string>> values_;
};

constexpr int kFamily = kNamesCf;  // no merge operator, no index copies

// One random sequence, from `seed`.
class RandomSequence {
 public:
  explicit RandomSequence(uint64_t seed) : rng_(seed) {}
  // With `ordered_reads` false, no scans or range deletions: nothing is
  // read in key order before the table visit.
  void Run(bool ordered_reads);

 private:
  // 1-24 bytes; half the keys share a 16-byte head and differ after it.
  std::string RandomKey() {
    static constexpr char kAlphabet[] = {'\0', 'a', 'b', '\xff'};
    std::string key;
    if (coin_(rng_) == 0) key = std::string(15, 'a') + '\0';
    const int length = 1 + static_cast<int>(rng_() % 8);
    for (int i = 0; i < length; ++i) key += kAlphabet[rng_() % 4];
    return key;
  }
  std::string RandomPrefix() { return RandomKey().substr(0, rng_() % 18); }

  std::map<std::string, std::string> ModelScan(const std::string& prefix) const {
    std::map<std::string, std::string> out;
    for (auto it = model_.lower_bound(prefix); it != model_.end() && it->first.starts_with(prefix); ++it) {
      out.insert(*it);
    }
    return out;
  }

  std::mt19937_64 rng_;
  std::uniform_int_distribution<int> coin_{0, 1};
  MapReader base_;
  std::map<std::string, std::string> model_;  // the base with the writes applied
};

void RandomSequence::Run(bool ordered_reads) {
  for (int i = 0; i < 200; ++i) {
    const std::string key = RandomKey();
    base_.family(kFamily)[key] = "base " + key;
  }
  model_ = base_.family(kFamily);
  std::array<const rocksdb::MergeOperator*, kColumnFamilyCount> no_merge{};
  PendingWrites pending(&base_, no_merge);
  for (int step = 0; step < 3000; ++step) {
    const int what = static_cast<int>(rng_() % (ordered_reads ? 100 : 85));
    if (!ordered_reads && what >= 60 && what < 62) continue;
    if (what < 45) {
      const std::string key = RandomKey(), value = "v" + std::to_string(step);
      pending.Put(kFamily, key, value);
      model_[key] = value;
    } else if (what < 60) {
      const std::string key = RandomKey();
      pending.Delete(kFamily, key);
      model_.erase(key);
    } else if (what < 62) {
      std::string begin = RandomKey(), end = RandomKey();
      if (end < begin) std::swap(begin, end);
      pending.DeleteRange(kFamily, begin, end);
      model_.erase(model_.lower_bound(begin), model_.lower_bound(end));
    } else if (what < 85) {
      const std::string key = RandomKey();
      std::string value;
      const absl::StatusOr<bool> found = pending.Get(kFamily, key, &value);
      ASSERT_TRUE(found.ok()) << found.status();
      const auto it = model_.find(key);
      ASSERT_EQ(*found, it != model_.end()) << "step " << step;
      if (*found) ASSERT_EQ(value, it->second) << "step " << step;
    } else {
      const std::string prefix = RandomPrefix();
      std::map<std::string, std::string> seen;
      std::string last;
      bool first = true;
      ASSERT_TRUE(pending
                      .Scan(kFamily, prefix,
                            [&](std::string_view key, std::string_view value) {
                              EXPECT_TRUE(first || last < key) << "scan out of order at step " << step;
                              first = false;
                              last = std::string(key);
                              seen.emplace(key, value);
                              return true;
                            })
                      .ok());
      ASSERT_EQ(seen, ModelScan(prefix)) << "step " << step;
    }
  }
  // The table: range deletions first, then the written entries in strictly
  // increasing order, each as the model has it (a put) or without it (a
  // delete).
  bool in_entries = false;
  std::string last;
  size_t entries = 0;
  ASSERT_TRUE(pending
                  .VisitTable(kFamily,
                              [&](PendingWrites::EntryKind kind, std::string_view key, std::string_view value) {
                                if (kind == PendingWrites::EntryKind::kDeleteRange) {
                                  EXPECT_FALSE(in_entries) << "a range deletion after the entries";
                                  return absl::OkStatus();
                                }
                                EXPECT_TRUE(!in_entries || last < key) << "table out of order";
                                in_entries = true;
                                last = std::string(key);
                                ++entries;
                                const auto it = model_.find(last);
                                if (kind == PendingWrites::EntryKind::kPut) {
                                  EXPECT_TRUE(it != model_.end() && it->second == value) << "put of " << last;
                                } else {
                                  EXPECT_TRUE(it == model_.end()) << "delete of " << last;
                                }
                                return absl::OkStatus();
                              })
                  .ok());
  EXPECT_GT(entries, 0u);
}

TEST(PendingWritesTest, ReadsAndVisitsEqualTheModelOnRandomSequences) {
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE(seed);
    RandomSequence(seed).Run(/*ordered_reads=*/true);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(PendingWritesTest, AGroupNeverReadInOrderIsVisitedInOrder) {
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE(seed);
    RandomSequence(seed).Run(/*ordered_reads=*/false);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace hindsight::internal
