// Cap'n Proto records: round trips, and damaged bytes are DataLoss.
#include "gtest/gtest.h"
#include "storage/records.h"

namespace hindsight::internal {
namespace {

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

TEST(RecordsTest, ClosedRowsReadAcrossAppendedMessages) {
  // Two commits' messages, as the append merge leaves them.
  const std::string bytes = EncodeClosedRows({{{{0, 10}, Value::String("a")}, {1, 5}}}) +
                            EncodeClosedRows({{{{10, 20}, Value::Int64(7)}, {2, 8}},
                                              {{{20, kPosInf}, Value::None()}, {5, 8}}});
  absl::StatusOr<std::vector<ClosedRecord>> all = DecodeClosedRows(bytes, std::nullopt);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].segment, (Segment{{0, 10}, Value::String("a")}));
  EXPECT_EQ((*all)[0].tx, (Interval{1, 5}));
  EXPECT_EQ((*all)[2].segment, (Segment{{20, kPosInf}, Value::None()}));
  EXPECT_EQ((*all)[2].tx, (Interval{5, 8}));
  // Visible at t: tx.from <= t < tx.to.
  const auto visible = [&](Instant t) {
    const absl::StatusOr<std::vector<ClosedRecord>> rows = DecodeClosedRows(bytes, t);
    std::vector<Interval> tx;
    for (const ClosedRecord& r : *rows) tx.push_back(r.tx);
    return tx;
  };
  EXPECT_EQ(visible(0), std::vector<Interval>{});
  EXPECT_EQ(visible(4), (std::vector<Interval>{{1, 5}, {2, 8}}));
  EXPECT_EQ(visible(5), (std::vector<Interval>{{2, 8}, {5, 8}}));
  EXPECT_EQ(visible(8), std::vector<Interval>{});
  // A torn last message is DataLoss, not a shorter answer.
  EXPECT_TRUE(absl::IsDataLoss(DecodeClosedRows(bytes.substr(0, bytes.size() - 8), std::nullopt).status()));
}

TEST(RecordsTest, MetaAndInfoRoundTrip) {
  const MetaRecord meta = *DecodeMeta(EncodeMeta({1, 2, 3, 4}));
  EXPECT_EQ(meta.last_tx_id, 2u);
  EXPECT_EQ(meta.next_name_id, 4u);
  const TransactionInfo info = *DecodeTransactionInfo(EncodeTransactionInfo({9, 10, "s", 11}));
  EXPECT_EQ(info.id, 9u);
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

}  // namespace
}  // namespace hindsight::internal
