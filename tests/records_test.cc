// Cap'n Proto records: round trips, and damaged bytes are DataLoss.
#include <capnp/message.h>
#include <capnp/serialize.h>

#include "gtest/gtest.h"
#include "records.capnp.h"
#include "storage/key_change.h"
#include "storage/records.h"
#include "storage/timeline_merge.h"

namespace hindsight::internal {
namespace {

// What RocksDB's merge makes of `operand` over `record`.
std::string MergedByTheOperator(const std::string& record, const std::string& operand) {
  const std::shared_ptr<rocksdb::MergeOperator> merge = NewTimelineMergeOperator();
  const rocksdb::Slice existing(record);
  const std::vector<rocksdb::Slice> operands = {rocksdb::Slice(operand)};
  std::string merged;
  rocksdb::Slice existing_operand;
  rocksdb::MergeOperator::MergeOperationOutput out(merged, existing_operand);
  const rocksdb::MergeOperator::MergeOperationInput in("k", &existing, operands, nullptr);
  EXPECT_TRUE(merge->FullMergeV2(in, &out));
  return merged;
}

TEST(RecordsTest, LiveTimelineRoundTripsEveryValueType) {
  std::vector<StoredSegment> in = {
      {{{kNegInf, 0}, Value::None()}, 1},
      {{{0, 1}, Value::String(std::string("a\0b\xff", 4))}, 2},
      {{{1, 2}, Value::Int64(-9)}, 3},
      {{{2, 3}, Value::Double(-0.0)}, 4},
      {{{3, kPosInf}, Value::Bool(false)}, 5},
  };
  absl::StatusOr<std::vector<StoredSegment>> out = DecodeLiveTimeline(EncodeLiveTimeline(in));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ((*out)[i].segment, in[i].segment);
    EXPECT_EQ((*out)[i].tx_from, in[i].tx_from);
  }
}

TEST(RecordsTest, LiveTimelineKeepsWhereItsMovedRowsEnd) {
  Instant spilled = 0;
  ASSERT_TRUE(DecodeLiveTimeline(EncodeLiveTimeline({}), &spilled).ok());
  EXPECT_EQ(spilled, kNegInf);  // the schema default: nothing moved
  ASSERT_TRUE(DecodeLiveTimeline(EncodeLiveTimeline({}, 1234), &spilled).ok());
  EXPECT_EQ(spilled, 1234);
}

TEST(RecordsTest, TransactionRoundTrips) {
  TransactionRecord in{7, 12345, "kyivpost", {}};
  in.operations.push_back({Operation::Kind::kAssert, {"Syria", "rel", "Ukraine"}, Value::String("talks"), {1, 2}});
  in.operations.push_back({Operation::Kind::kRetract, {"a", "b", "c"}, Value(), {kNegInf, kPosInf}});
  in.operations.push_back({Operation::Kind::kErase, {"x", "y", "z"}, Value(), {}});
  absl::StatusOr<TransactionRecord> out = DecodeTransaction(EncodeTransaction(in));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->id, 7u);
  EXPECT_EQ(out->time, 12345);
  EXPECT_EQ(out->source, "kyivpost");
  ASSERT_EQ(out->operations.size(), 3u);
  EXPECT_EQ(out->operations[0].key, (FactKey{"Syria", "rel", "Ukraine"}));
  EXPECT_EQ(out->operations[0].value, Value::String("talks"));
  EXPECT_EQ(out->operations[1].kind, Operation::Kind::kRetract);
  EXPECT_EQ(out->operations[1].valid, (Interval{kNegInf, kPosInf}));
  EXPECT_EQ(out->operations[2].kind, Operation::Kind::kErase);
}

// Whether `a` and `b` hold the same operations, field by field.
void ExpectSameOperations(const std::vector<Operation>& a, const std::vector<Operation>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].kind, b[i].kind) << i;
    EXPECT_EQ(a[i].key, b[i].key) << i;
    EXPECT_EQ(a[i].value, b[i].value) << i;
    EXPECT_EQ(a[i].valid, b[i].valid) << i;
    EXPECT_EQ(a[i].key_digest, b[i].key_digest) << i;
  }
}

// Erased keys known by their names or, as an erase by a digest no stored key
// has leaves them, by their digests only: the same operations go.
TEST(RecordsTest, RewrittenTransactionKeepsTheOtherOperations) {
  TransactionRecord in{7, 12345, "kyivpost", {}};
  in.operations.push_back({Operation::Kind::kAssert, {"Syria", "rel", "Ukraine"}, Value::String("talks"), {1, 2}});
  in.operations.push_back({Operation::Kind::kAssert, {"a", "b", "c"}, Value::Int64(-9), {kNegInf, 5}});
  in.operations.push_back({Operation::Kind::kAssert, {"a", "b", "d"}, Value::Double(-0.0), {0, kPosInf}});
  in.operations.push_back({Operation::Kind::kRetract, {"a", "b", "c"}, Value(), {kNegInf, kPosInf}});
  in.operations.push_back({Operation::Kind::kAssert, {"x", "y", "z"}, Value::Bool(true), {3, 4}});
  Operation erase{Operation::Kind::kErase, {}, Value(), {}};
  erase.key_digest = KeyDigest({"q", "r", "s"});
  in.operations.push_back(erase);
  in.operations.push_back({Operation::Kind::kAssert, {"a", "b", "c"}, Value::String(std::string("\0\xff", 2)), {9, 10}});
  const std::string encoded = EncodeTransaction(in);
  const std::vector<std::vector<FactKey>> erasures = {
      {}, {{"a", "b", "c"}}, {{"q", "r", "s"}}, {{"a", "b", "c"}, {"x", "y", "z"}, {"q", "r", "s"}},
      {{"Syria", "rel", "Ukraine"}, {"a", "b", "c"}, {"a", "b", "d"}, {"x", "y", "z"}, {"q", "r", "s"}}};
  const std::vector<FactKey> none;
  const std::pair<size_t, bool> cases[] = {{1, false}, {1, true}, {0, false}, {2, false},
                                           {2, true},  {3, false}, {3, true}, {4, false}};
  for (const auto& [which, by_digest] : cases) {
    const std::vector<FactKey>& erased = erasures[which];  // (a lambda below captures it: no binding)
    std::vector<std::string> digests;
    for (const FactKey& k : erased) digests.push_back(KeyDigest(k));
    const ErasedKeys keys = by_digest ? ErasedKeys(none, digests) : ErasedKeys(erased, {});
    absl::StatusOr<TransactionRewrite> out = RewriteTransactionWithout(
        encoded, [&](std::string_view s, std::string_view p, std::string_view o, std::string_view digest) {
          return keys.Names(s, p, o, digest);
        });
    ASSERT_TRUE(out.ok()) << out.status();
    TransactionRecord expected = in;
    std::erase_if(expected.operations, [&](const Operation& op) {
      const FactKey key = op.key_digest.empty() ? op.key : FactKey{"q", "r", "s"};
      return std::find(erased.begin(), erased.end(), key) != erased.end();
    });
    absl::StatusOr<TransactionRecord> decoded = DecodeTransaction(out->record);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(decoded->id, 7u);
    EXPECT_EQ(decoded->time, 12345);
    EXPECT_EQ(decoded->source, "kyivpost");
    ExpectSameOperations(decoded->operations, expected.operations);
    EXPECT_EQ(out->info.id, 7u);
    EXPECT_EQ(out->info.time, 12345);
    EXPECT_EQ(out->info.source, "kyivpost");
    EXPECT_EQ(out->info.operation_count, expected.operations.size());
  }
  EXPECT_TRUE(absl::IsDataLoss(
      RewriteTransactionWithout("abc", [](auto, auto, auto, auto) { return false; }).status()));
  std::string pointer = encoded;
  for (size_t i = 8; i < 16; ++i) pointer[i] = '\xff';  // root pointer
  EXPECT_TRUE(absl::IsDataLoss(
      RewriteTransactionWithout(pointer, [](auto, auto, auto, auto) { return false; }).status()));
}

TEST(RecordsTest, ClosedRowsReadAcrossAppendedMessages) {
  // Two commits' messages, as the append merge leaves them.
  const std::string bytes = EncodeClosedRows({{{{0, 10}, Value::String("a")}, {1, 5}}}) +
                            EncodeClosedRows({{{{10, 20}, Value::Int64(7)}, {2, 8}},
                                              {{{20, kPosInf}, Value::None()}, {5, 8}}});
  absl::StatusOr<std::vector<ClosedRecord>> all = DecodeClosedRows(bytes, {});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].segment, (Segment{{0, 10}, Value::String("a")}));
  EXPECT_EQ((*all)[0].tx, (Interval{1, 5}));
  EXPECT_EQ((*all)[2].segment, (Segment{{20, kPosInf}, Value::None()}));
  EXPECT_EQ((*all)[2].tx, (Interval{5, 8}));
  // Visible at t: tx.from <= t < tx.to.
  const auto visible = [&](Instant t) {
    const absl::StatusOr<std::vector<ClosedRecord>> rows = DecodeClosedRows(bytes, {.visible_at = t});
    std::vector<Interval> tx;
    for (const ClosedRecord& r : *rows) tx.push_back(r.tx);
    return tx;
  };
  EXPECT_EQ(visible(0), std::vector<Interval>{});
  EXPECT_EQ(visible(4), (std::vector<Interval>{{1, 5}, {2, 8}}));
  EXPECT_EQ(visible(5), (std::vector<Interval>{{2, 8}, {5, 8}}));
  EXPECT_EQ(visible(8), std::vector<Interval>{});
  // Visible at 5 and containing valid time v: [from, to) holds v.
  const auto at = [&](Instant v) {
    const absl::StatusOr<std::vector<ClosedRecord>> rows = DecodeClosedRows(bytes, {.visible_at = 5, .containing = v});
    std::vector<Interval> valid;
    for (const ClosedRecord& r : *rows) valid.push_back(r.segment.valid);
    return valid;
  };
  EXPECT_EQ(at(9), std::vector<Interval>{});
  EXPECT_EQ(at(10), (std::vector<Interval>{{10, 20}}));
  EXPECT_EQ(at(19), (std::vector<Interval>{{10, 20}}));
  EXPECT_EQ(at(20), (std::vector<Interval>{{20, kPosInf}}));
  // A torn last message is DataLoss, not a shorter answer.
  EXPECT_TRUE(absl::IsDataLoss(DecodeClosedRows(bytes.substr(0, bytes.size() - 8), {}).status()));
}

TEST(RecordsTest, MetaAndInfoRoundTrip) {
  const MetaRecord meta = *DecodeMeta(EncodeMeta({1, 2, 3, 4}));
  EXPECT_EQ(meta.last_tx_id, 2u);
  EXPECT_EQ(meta.next_name_id, 4u);
  const TransactionInfo info = *DecodeTransactionInfo(EncodeTransactionInfo({9, 10, "s", 11}));
  EXPECT_EQ(info.id, 9u);
  EXPECT_EQ(info.time, 10);
  EXPECT_EQ(info.source, "s");
  EXPECT_EQ(info.operation_count, 11u);
}

TEST(RecordsTest, DamagedBytesAreDataLoss) {
  const std::string good = EncodeLiveTimeline({{{{0, 1}, Value::String("x")}, 1}});
  EXPECT_TRUE(absl::IsDataLoss(DecodeLiveTimeline("").status()));
  EXPECT_TRUE(absl::IsDataLoss(DecodeLiveTimeline("abc").status()));
  EXPECT_TRUE(absl::IsDataLoss(DecodeLiveTimeline(good.substr(0, good.size() - 8)).status()));
  std::string bad = good;
  bad[0] = '\x7f';  // segment count
  EXPECT_TRUE(absl::IsDataLoss(DecodeLiveTimeline(bad).status()));
  std::string pointer = good;
  for (size_t i = 8; i < 16; ++i) pointer[i] = '\xff';  // root pointer
  EXPECT_TRUE(absl::IsDataLoss(DecodeLiveTimeline(pointer).status()));
}

std::vector<SliceRecordEntry> EveryKindOfSliceEntry() {
  return {
      {1, 2, Segment{{kNegInf, 0}, Value::None()}},
      {3, 4, Segment{{-5, 10}, Value::String(std::string("a\0b\xff", 4))}},
      {5, 6, Segment{{-5, 11}, Value::String("")}},
      {7, 8, Segment{{-4, kPosInf}, Value::String(std::string(300, 'x'))}},
      {9, 1, Segment{{-3, 2}, Value::Int64(INT64_MIN)}},
      {2, 3, Segment{{-2, 3}, Value::Double(-0.0)}},
      {4, 5, Segment{{-1, 4}, Value::Bool(true)}},
      {6, 7, Segment{{0, 5}, Value::Bool(false)}},
      {8, 9, Segment{{1, 6}, Value::String("last")}},
  };
}

TEST(RecordsTest, SliceBucketRoundTripsEveryValueTypeInOrder) {
  std::vector<SliceRecordEntry> in = EveryKindOfSliceEntry();
  std::reverse(in.begin(), in.end());
  std::vector<SliceRecordEntry> out;
  ASSERT_TRUE(DecodeSliceBucket(EncodeSliceBucket(in), &out).ok());
  const std::vector<SliceRecordEntry> sorted = EveryKindOfSliceEntry();  // listed in (from, to) order
  ASSERT_EQ(out.size(), sorted.size());
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].subject, sorted[i].subject);
    EXPECT_EQ(out[i].object, sorted[i].object);
    EXPECT_EQ(out[i].segment, sorted[i].segment);
  }
}

TEST(RecordsTest, SliceBucketAtFindsTheSegmentsContainingAnInstantWithTheirValues) {
  const std::vector<SliceRecordEntry> entries = EveryKindOfSliceEntry();
  const std::string bytes = EncodeSliceBucket(entries);
  // Read at every alignment: a value inside a RocksDB block may sit anywhere.
  std::string shifted(8 + bytes.size(), ' ');
  // One SliceHits for every read, as a query keeps it: its copy buffer
  // first holds a larger bucket, whose bytes past this one must not matter.
  SliceHits hits;
  std::vector<SliceRecordEntry> larger = entries;
  for (SliceRecordEntry e : entries) {
    e.subject += 100;
    larger.push_back(std::move(e));
  }
  const std::string larger_bytes = " " + EncodeSliceBucket(larger);
  ASSERT_TRUE(DecodeSliceBucketAt(std::string_view(larger_bytes).substr(1), 0, &hits).ok());
  ASSERT_GE(hits.aligned_copy.capacity * 8, larger_bytes.size() - 1);
  for (size_t shift = 0; shift < 8; ++shift) {
    std::copy(bytes.begin(), bytes.end(), shifted.begin() + shift);
    for (Instant v = -7; v <= 12; ++v) {
      hits.hits.clear();
      hits.texts = "before";  // appended to, never replaced
      ASSERT_TRUE(DecodeSliceBucketAt(std::string_view(shifted).substr(shift, bytes.size()), v, &hits).ok());
      std::vector<Row> got, expected;
      for (const SliceHit& h : hits.hits) got.push_back({{std::to_string(h.subject), "", std::to_string(h.object)}, hits.ValueOf(h), h.valid});
      for (const SliceRecordEntry& e : entries) {
        if (e.segment.valid.Contains(v)) {
          expected.push_back({{std::to_string(e.subject), "", std::to_string(e.object)}, e.segment.value, e.segment.valid});
        }
      }
      EXPECT_EQ(got, expected) << "v = " << v << ", shift " << shift;
      EXPECT_EQ(hits.texts.substr(0, 6), "before");
    }
  }
}

TEST(RecordsTest, DamagedSliceBucketsAreDataLoss) {
  const auto bucket = [](uint8_t kind, uint64_t word, std::string_view texts, unsigned kinds = 1) {
    capnp::MallocMessageBuilder message;
    auto b = message.initRoot<schema::SliceBucket>();
    b.initSubjects(1);
    b.initObjects(1);
    b.initFroms(1).set(0, 0);
    b.initTos(1).set(0, 10);
    auto k = b.initKinds(kinds);
    for (unsigned i = 0; i < kinds; ++i) k.set(i, kind);
    b.initWords(1).set(0, word);
    b.setTexts(kj::arrayPtr(reinterpret_cast<const kj::byte*>(texts.data()), texts.size()));
    const kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
    return std::string(words.asChars().begin(), words.asChars().size());
  };
  const auto at = [](const std::string& bytes) {
    SliceHits hits;
    const absl::Status s = DecodeSliceBucketAt(bytes, 5, &hits);
    if (!s.ok()) EXPECT_TRUE(hits.hits.empty() && hits.texts.empty()) << "a failed read leaves the hits as they were";
    return s;
  };
  const auto all = [](const std::string& bytes) {
    std::vector<SliceRecordEntry> out;
    return DecodeSliceBucket(bytes, &out);
  };
  ASSERT_TRUE(at(bucket(1, uint64_t{1} << 32 | 2, "abc")).ok());  // "bc"
  for (const std::string& bad : {bucket(1, uint64_t{2} << 32 | 2, "abc"),  // past the text
                                 bucket(1, uint64_t{0xffffffff} << 32 | 0xffffffff, "abc"),
                                 bucket(5, 0, ""),                           // no such kind
                                 bucket(0, 0, "", 2)}) {                     // columns differ
    EXPECT_TRUE(absl::IsDataLoss(at(bad))) << at(bad);
    EXPECT_TRUE(absl::IsDataLoss(all(bad))) << all(bad);
  }
}

TEST(TimelineMergeTest, InPlaceMergeLeavesTheOperatorsBytes) {
  const std::string closed = EncodeClosedRows({{{{0, 10}, Value::String("a")}, {1, 5}}});
  const std::string short_live = EncodeLiveTimeline({{{{10, kPosInf}, Value::Int64(1)}, 5}});
  const std::string long_live =
      EncodeLiveTimeline({{{{10, 20}, Value::String(std::string(300, 'x'))}, 5}, {{{20, kPosInf}, Value::None()}, 6}});
  const std::string closed_now = EncodeClosedRows({{{{10, kPosInf}, Value::Int64(1)}, {5, 6}}});
  // The live part grows, shrinks, keeps its size; the operand closes rows or none.
  for (const auto& [old_live, new_live] : {std::pair{short_live, long_live}, std::pair{long_live, short_live},
                                           std::pair{short_live, short_live}}) {
    for (const std::string& now : {closed_now, std::string()}) {
      const std::string record = old_live + closed, operand = new_live + now;
      std::string in_place = record;
      ASSERT_TRUE(MergeTimelineInPlace(&in_place, operand));
      EXPECT_EQ(in_place, MergedByTheOperator(record, operand));
    }
  }
}

TEST(TimelineMergeTest, InPlaceMergeOfDamagedBytesFailsAndChangesNothing) {
  const std::string record = EncodeLiveTimeline({{{{0, kPosInf}, Value::Int64(1)}, 1}});
  std::string target = record;
  EXPECT_FALSE(MergeTimelineInPlace(&target, "\x01\x02"));
  EXPECT_EQ(target, record);
  std::string damaged = "\x05";
  EXPECT_FALSE(MergeTimelineInPlace(&damaged, record));
  EXPECT_EQ(damaged, "\x05");
}

}  // namespace
}  // namespace hindsight::internal
