// The slice index finds exactly the segments that contain an instant, for
// segments and instants anywhere in the int64 range; its merge operator
// keeps a bucket equal to the set of segments a sequence of changes leaves.
#include <deque>
#include <map>
#include <random>

#include <rocksdb/db.h>
#include <rocksdb/merge_operator.h>

#include "gtest/gtest.h"
#include "storage/pending_slice_changes.h"
#include "storage/slice_index.h"
#include "storage/slice_merge.h"
#include "test_util.h"

namespace hindsight::internal {
namespace {

Instant RandomInstant(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: return kNegInf;
    case 1: return kPosInf;
    case 2: return static_cast<Instant>(rng());                    // anywhere
    case 3: return static_cast<Instant>(rng() % 2000) - 1000;      // near zero
    case 4: return kPosInf - 1 - static_cast<Instant>(rng() % 100);
    default: return kNegInf + 1 + static_cast<Instant>(rng() % 100);
  }
}

TEST(SliceIndexTest, LookupsFindExactlyTheSegmentsContainingV) {
  std::mt19937_64 rng(5);
  for (int round = 0; round < 200; ++round) {
    std::map<std::string, std::vector<SliceRecordEntry>> buckets;  // stands in for the column family
    std::vector<std::pair<KeyIds, Interval>> segments;
    SliceCatalog catalog;  // noted as the buckets are filed, as a commit does
    for (NameId i = 0; i < 60; ++i) {
      Instant a = RandomInstant(rng), b = RandomInstant(rng);
      if (a == b) continue;
      const Interval valid{std::min(a, b), std::max(a, b)};
      // Ids from 0 to 2.4 million, in chunks 0 to 36 (some keys' larger id
      // is the object's).
      const NameId s = i * 40000, o = i % 3 == 0 ? s + 70000 : i;
      const uint32_t chunk = SliceChunkOf(s, o);
      buckets[SliceBucketKey(7, chunk, valid)].push_back({s, o, Segment{valid, Value::Int64(s)}});
      segments.push_back({{s, 7, o}, valid});
      buckets[SliceBucketKey(8, chunk, valid)].push_back({s, s, Segment{valid, Value::None()}});  // another predicate
      catalog.Note(7, chunk, valid);
      catalog.Note(8, chunk, valid);
    }
    std::vector<std::string> keys;  // reused, as a query does
    for (int q = 0; q < 50; ++q) {
      const Instant v = RandomInstant(rng);
      std::multiset<NameId> found, expected;
      for (const auto& [ids, valid] : segments) {
        if (valid.Contains(v)) expected.insert(ids.subject);
      }
      const auto read = [&](const std::vector<SliceRecordEntry>& bucket) {
        SliceHits hits;
        ASSERT_TRUE(DecodeSliceBucketAt(EncodeSliceBucket(bucket), v, &hits).ok());
        for (const SliceHit& e : hits.hits) {
          ASSERT_TRUE(e.valid.Contains(v));
          ASSERT_EQ(hits.ValueOf(e), Value::Int64(e.subject));  // predicate 7's entry
          found.insert(e.subject);
        }
      };
      SliceLookupAt(7, v, catalog, &keys);
      // In strict order, as one sorted MultiGet needs them.
      ASSERT_TRUE(std::adjacent_find(keys.begin(), keys.end(), std::greater_equal<>()) == keys.end());
      for (const std::string& key : keys) {
        if (const auto it = buckets.find(key); it != buckets.end()) read(it->second);
      }
      ASSERT_EQ(found, expected) << "v = " << v;
    }
  }
}

// Load finds the open-ended buckets and the finite levels a column family
// holds, whichever buckets surround them, as the writes noted them.
TEST(SliceIndexTest, LoadFindsTheBucketsOfEachPredicate) {
  testing::ScratchDir dir;
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, dir.path(), &raw).ok());
  const std::unique_ptr<rocksdb::DB> db(raw);
  constexpr Instant kYear = 365LL * 24 * 3600 * 1000000;
  struct Filed {
    NameId p;
    uint32_t chunk;
    Interval valid;
  };
  const std::vector<Filed> filed = {
      {1, 0, {kNegInf, 5 * kYear}},  {1, 0, {kNegInf, -40 * kYear}}, {1, 0, {3, 4}},  {1, 0, {-kYear, 2 * kYear}},
      {1, 0, {20 * kYear, kPosInf}}, {1, 0, {-9 * kYear, kPosInf}},  {1, 0, {-kYear, 3 * kYear}},
      {1, 0, {kNegInf + 1, kPosInf - 1}},  {2, 0, {3, 4}},  {2, 0, {0, 3}},  {3, 0, {kNegInf, kPosInf}},
      {4, 0, {7 * kYear, kPosInf}},  {1000000, 0, {kNegInf, 1}},     {1000000, 0, {kNegInf + 1, kPosInf}},
      // Chunks other than 0: alone, or beside chunk 0's buckets of the
      // same kind, level or bucket number.
      {1, 3, {3, 4}},  {1, 3, {kNegInf, 5 * kYear}},  {1, 3, {-kYear, kPosInf}},  {1, 300, {kNegInf, kPosInf}},
      {1, 300, {-kYear, 2 * kYear}},  {5, 1, {20 * kYear, kPosInf}},  {1000000, 65535, {kNegInf + 1, kPosInf}},
      {1000000, 65535, {kNegInf + 1, kPosInf - 1}},
  };
  SliceCatalog noted;
  for (const auto& [p, chunk, valid] : filed) {
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), SliceBucketKey(p, chunk, valid), "bucket").ok());
    noted.Note(p, chunk, valid);
  }
  SliceCatalog loaded;
  ASSERT_TRUE(loaded.Load(db.get(), db->DefaultColumnFamily()).ok());
  std::vector<std::string> from_noted, from_loaded;
  for (const NameId p : {1u, 2u, 3u, 4u, 5u, 1000000u}) {
    for (const Instant v : {kNegInf, -50 * kYear, -kYear, Instant{0}, Instant{3}, 10 * kYear, 30 * kYear}) {
      SliceLookupAt(p, v, noted, &from_noted);
      SliceLookupAt(p, v, loaded, &from_loaded);
      EXPECT_EQ(from_loaded, from_noted) << "predicate " << p << ", v = " << v;
      // In strict order, as one sorted MultiGet needs them.
      EXPECT_TRUE(std::adjacent_find(from_loaded.begin(), from_loaded.end(), std::greater_equal<>()) ==
                  from_loaded.end());
      for (const auto& [q, chunk, valid] : filed) {  // every bucket that can hold a segment containing v is asked for
        if (q == p && valid.Contains(v)) {
          EXPECT_NE(std::find(from_loaded.begin(), from_loaded.end(), SliceBucketKey(p, chunk, valid)),
                    from_loaded.end())
              << "predicate " << p << ", v = " << v;
        }
      }
    }
  }
}

// Runs the merge operator as RocksDB would: `base` (nullptr: none) then
// `operands` in order.
std::string Merge(const std::string* base, const std::vector<std::string>& operands) {
  const std::shared_ptr<rocksdb::MergeOperator> op = NewSliceMergeOperator();
  const rocksdb::Slice base_slice = base ? rocksdb::Slice(*base) : rocksdb::Slice();
  std::vector<rocksdb::Slice> slices(operands.begin(), operands.end());
  const rocksdb::MergeOperator::MergeOperationInput in("bucket", base ? &base_slice : nullptr, slices, nullptr);
  std::string merged;
  rocksdb::Slice existing_operand;
  rocksdb::MergeOperator::MergeOperationOutput out(merged, existing_operand);
  EXPECT_TRUE(op->FullMergeV2(in, &out));
  return merged;
}

// Combines `operands` into one, as a flush or compaction would.
std::string PartialMerge(const std::vector<std::string>& operands) {
  const std::shared_ptr<rocksdb::MergeOperator> op = NewSliceMergeOperator();
  const std::deque<rocksdb::Slice> slices(operands.begin(), operands.end());
  std::string merged;
  EXPECT_TRUE(op->PartialMergeMulti("bucket", slices, &merged, nullptr));
  return merged;
}

TEST(SliceMergeTest, ABucketHoldsWhatItsChangesLeave) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 300; ++round) {
    std::map<std::tuple<NameId, NameId, Instant>, SliceRecordEntry> model;
    std::optional<std::string> base;
    std::vector<std::string> operands;
    const int changes = 1 + static_cast<int>(rng() % 12);
    for (int c = 0; c < changes; ++c) {
      std::vector<SliceEntryId> removed;
      std::vector<SliceRecordEntry> added;
      // Remove some entries the bucket holds (and, now and then, one it does not).
      for (const auto& [id, e] : model) {
        if (rng() % 3 == 0) removed.push_back({e.subject, e.object, e.segment.valid.from});
      }
      if (rng() % 4 == 0) removed.push_back({99, 99, 5});
      for (const SliceEntryId& id : removed) model.erase({id.subject, id.object, id.from});
      for (int a = static_cast<int>(rng() % 4); a > 0; --a) {
        const NameId s = static_cast<NameId>(rng() % 5), o = static_cast<NameId>(rng() % 3);
        const Instant from = static_cast<Instant>(rng() % 4);
        const SliceRecordEntry e{s, o, Segment{{from, from + 10}, Value::String(std::to_string(rng() % 100))}};
        added.push_back(e);
        model[{s, o, from}] = e;  // replaces one of the same id
      }
      operands.push_back(EncodeSliceBucketChange(removed, added));
      // Now and then a flush combines the operands pending since the base.
      if (operands.size() >= 2 && rng() % 3 == 0) {
        const size_t from = rng() % (operands.size() - 1);
        const std::string combined = PartialMerge({operands.begin() + from, operands.end()});
        operands.resize(from);
        operands.push_back(combined);
      }
      // Now and then a compaction merges what has accumulated into the base.
      if (rng() % 3 == 0) {
        base = Merge(base ? &*base : nullptr, operands);
        operands.clear();
      }
    }
    const std::string merged = operands.empty() ? base.value() : Merge(base ? &*base : nullptr, operands);
    std::vector<SliceRecordEntry> entries;
    ASSERT_TRUE(DecodeSliceBucket(merged, &entries).ok());
    std::map<std::tuple<NameId, NameId, Instant>, SliceRecordEntry> got;
    for (const SliceRecordEntry& e : entries) {
      ASSERT_TRUE(got.insert({{e.subject, e.object, e.segment.valid.from}, e}).second) << "duplicate entry";
    }
    ASSERT_EQ(got.size(), model.size());
    for (const auto& [id, e] : model) {
      ASSERT_TRUE(got.contains(id));
      EXPECT_EQ(got[id].segment.value, e.segment.value);
      EXPECT_EQ(got[id].segment.valid.to, e.segment.valid.to);
    }
  }
}

// The entries of each bucket `changes` leave in the buckets of `base`, by id.
std::map<std::string, std::map<std::tuple<NameId, NameId, Instant>, Value>> Leave(
    const std::map<std::string, std::vector<SliceRecordEntry>>& base, SliceIndexChanges& changes) {
  std::map<std::string, std::map<std::tuple<NameId, NameId, Instant>, Value>> out;
  for (auto [key, entries] : base) {
    if (const auto it = changes.find(key); it != changes.end()) it->second.ApplyTo(&entries);
    for (const SliceRecordEntry& e : entries) out[key][{e.subject, e.object, e.segment.valid.from}] = e.segment.value;
  }
  return out;
}

TEST(PendingSliceChangesTest, CombinesOnItsThreadAsOnTheCallersOne) {
  std::mt19937_64 rng(5);
  const std::vector<std::string> keys = {"a", "b", "c"};
  std::map<std::string, std::vector<SliceRecordEntry>> base;
  for (const std::string& k : keys) base[k] = {{1, 1, Segment{{0, 10}, Value::Int64(0)}}};
  for (const size_t background_from : {size_t{0}, size_t{1} << 10, size_t{1} << 30}) {
    PendingSliceChanges pending(background_from);
    for (int round = 0; round < 3; ++round) {  // Clear between rounds
      SliceIndexChanges inline_changes;
      for (int t = 0; t < 2000; ++t) {  // transactions
        SliceIndexEdits edits;
        for (int c = static_cast<int>(rng() % 4); c >= 0; --c) {
          const std::string& key = keys[rng() % keys.size()];
          const NameId s = static_cast<NameId>(rng() % 20), o = static_cast<NameId>(rng() % 3);
          const Instant from = static_cast<Instant>(rng() % 5);
          if (rng() % 3 == 0) {
            edits.push_back({key, false, {s, o, Segment{{from, from + 1}, Value()}}});
            inline_changes[key].Remove({s, o, from});  // the same, combined here
          } else {
            const Segment segment{{from, from + 10}, Value::Int64(static_cast<int64_t>(rng() % 100))};
            edits.push_back({key, true, {s, o, segment}});
            inline_changes[key].Add({s, o, segment});
          }
        }
        pending.Add(std::move(edits));
        if (t % 500 == 0) EXPECT_GT(pending.bytes(), 0u);
      }
      EXPECT_EQ(Leave(base, pending.Combined()), Leave(base, inline_changes)) << background_from;
      pending.Clear();
      EXPECT_EQ(pending.bytes(), 0u);
      EXPECT_TRUE(pending.Combined().empty());
    }
  }
}

TEST(SliceMergeTest, DamagedOperandFailsTheMerge) {
  const std::shared_ptr<rocksdb::MergeOperator> op = NewSliceMergeOperator();
  const std::vector<rocksdb::Slice> operands = {rocksdb::Slice("not a record")};
  const rocksdb::MergeOperator::MergeOperationInput in("bucket", nullptr, operands, nullptr);
  std::string merged;
  rocksdb::Slice existing_operand;
  rocksdb::MergeOperator::MergeOperationOutput out(merged, existing_operand);
  EXPECT_FALSE(op->FullMergeV2(in, &out));
}

}  // namespace
}  // namespace hindsight::internal
