// Which pieces of a chunked live timeline a transaction reads, and how it
// lays them out again (storage/live_chunks.h); the records that hold them.
#include "storage/live_chunks.h"

#include "gtest/gtest.h"
#include "storage/records.h"

namespace hindsight::internal {
namespace {

}  // namespace

std::ostream& operator<<(std::ostream& os, const LiveWindow& w) {
  return os << "[" << w.first << ", " << w.end << ")" << (w.with_record ? " + record" : "");
}

namespace {

// Segments of a day each, starting at the given days (in µs: days here).
std::vector<StoredSegment> Days(std::initializer_list<Instant> froms) {
  std::vector<StoredSegment> out;
  for (const Instant f : froms) out.push_back({{{f, f + 1}, Value::Int64(f)}, 1});
  return out;
}

std::vector<Instant> FromsOf(const std::vector<StoredSegment>& segments) {
  std::vector<Instant> out;
  for (const StoredSegment& s : segments) out.push_back(s.segment.valid.from);
  return out;
}

TEST(LiveChunksTest, WithoutChunksTheRecordIsTheWindow) {
  EXPECT_EQ(ChooseLiveWindow({}, 5, kNegInf, kPosInf), (LiveWindow{0, 0, true}));
  EXPECT_EQ(ChooseLiveWindow({}, std::nullopt, 3, 4), (LiveWindow{0, 0, true}));
}

TEST(LiveChunksTest, TheWindowHoldsThePiecesOfBothEnds) {
  const std::vector<Instant> starts = {10, 20, 30};  // the record's segments from 40 on
  EXPECT_EQ(ChooseLiveWindow(starts, 40, 24, 26), (LiveWindow{1, 2, false}));
  EXPECT_EQ(ChooseLiveWindow(starts, 40, 20, 20), (LiveWindow{1, 2, false}));
  EXPECT_EQ(ChooseLiveWindow(starts, 40, 19, 30), (LiveWindow{0, 3, false}));
  EXPECT_EQ(ChooseLiveWindow(starts, 40, 35, 40), (LiveWindow{2, 3, true}));
  EXPECT_EQ(ChooseLiveWindow(starts, 40, 45, kPosInf), (LiveWindow{3, 3, true}));
  EXPECT_EQ(ChooseLiveWindow(starts, 40, kNegInf, 5), (LiveWindow{0, 1, false}));
  EXPECT_EQ(ChooseLiveWindow(starts, 40, kNegInf, kPosInf), (LiveWindow{0, 3, true}));
  EXPECT_EQ(WholeLiveWindow(starts), (LiveWindow{0, 3, true}));
  // A record without segments takes what comes after the last chunk.
  EXPECT_EQ(ChooseLiveWindow(starts, std::nullopt, 33, 50), (LiveWindow{2, 3, true}));
  EXPECT_EQ(ChooseLiveWindow(starts, std::nullopt, 23, 25), (LiveWindow{1, 2, false}));
}

TEST(LiveChunksTest, AWindowWithTheRecordMovesItsFirstSegmentsToChunks) {
  // No chunks yet: up to twice the chunk size stays in the record.
  LiveLayout kept = LayOutLiveWindow({}, {}, Days({1, 2, 3, 4}), {}, 2);
  EXPECT_EQ(FromsOf(kept.record_segments), (std::vector<Instant>{1, 2, 3, 4}));
  EXPECT_TRUE(kept.chunk_starts.empty() && kept.chunks_written.empty() && kept.chunks_removed.empty());
  // One more, and the first two become a chunk.
  LiveLayout split = LayOutLiveWindow({}, {}, Days({1, 2, 3, 4, 5}), {}, 2);
  EXPECT_EQ(FromsOf(split.record_segments), (std::vector<Instant>{3, 4, 5}));
  EXPECT_EQ(split.chunk_starts, (std::vector<Instant>{1}));
  ASSERT_EQ(split.chunks_written.size(), 1u);
  EXPECT_EQ(split.chunks_written[0].first, 1);
  EXPECT_EQ(FromsOf(split.chunks_written[0].second), (std::vector<Instant>{1, 2}));
  // Chunks before the window stay; the window's chunk, emptied into the
  // record, is removed.
  LiveLayout merged = LayOutLiveWindow({1, 3, 5}, {2, 3, true}, Days({5, 6, 7}), {}, 2);
  EXPECT_EQ(merged.chunk_starts, (std::vector<Instant>{1, 3}));
  EXPECT_EQ(FromsOf(merged.record_segments), (std::vector<Instant>{5, 6, 7}));
  EXPECT_TRUE(merged.chunks_written.empty());
  EXPECT_EQ(merged.chunks_removed, (std::vector<Instant>{5}));
}

TEST(LiveChunksTest, AWindowWithoutTheRecordKeepsItAndTheChunksAround) {
  const std::vector<StoredSegment> record = Days({50, 51});
  // A chunk rewritten in place keeps its key; one emptied is removed.
  LiveLayout edited = LayOutLiveWindow({10, 20, 30}, {1, 2, false}, Days({20, 22}), record, 2);
  EXPECT_EQ(edited.chunk_starts, (std::vector<Instant>{10, 20, 30}));
  ASSERT_EQ(edited.chunks_written.size(), 1u);
  EXPECT_EQ(FromsOf(edited.chunks_written[0].second), (std::vector<Instant>{20, 22}));
  EXPECT_TRUE(edited.chunks_removed.empty());
  EXPECT_EQ(FromsOf(edited.record_segments), (std::vector<Instant>{50, 51}));
  LiveLayout emptied = LayOutLiveWindow({10, 20, 30}, {0, 2, false}, {}, record, 2);
  EXPECT_EQ(emptied.chunk_starts, (std::vector<Instant>{30}));
  EXPECT_EQ(emptied.chunks_removed, (std::vector<Instant>{10, 20}));
  // A chunk that moved its start is written under the new one; a window
  // grown past twice the chunk size is split.
  LiveLayout grown = LayOutLiveWindow({10, 20, 30}, {1, 2, false}, Days({19, 20, 21, 22, 23}), record, 2);
  EXPECT_EQ(grown.chunk_starts, (std::vector<Instant>{10, 19, 21, 30}));
  ASSERT_EQ(grown.chunks_written.size(), 2u);
  EXPECT_EQ(FromsOf(grown.chunks_written[1].second), (std::vector<Instant>{21, 22, 23}));
  EXPECT_EQ(grown.chunks_removed, (std::vector<Instant>{20}));
}

TEST(LiveChunksTest, ARecordNamesTheChunkThatHoldsAnInstant) {
  const std::string record = EncodeLiveTimeline(Days({40, 41}), kNegInf, {10, 20, 30});
  std::vector<Instant> starts;
  ASSERT_EQ(FromsOf(DecodeLiveTimeline(record, nullptr, &starts).value()), (std::vector<Instant>{40, 41}));
  EXPECT_EQ(starts, (std::vector<Instant>{10, 20, 30}));
  const auto chunk_of = [&](Instant v) {
    std::optional<Instant> in_chunk;
    const std::optional<StoredSegment> hit = DecodeLiveSegmentAt(record, v, nullptr, &in_chunk).value();
    EXPECT_FALSE(hit.has_value() && in_chunk.has_value());
    return in_chunk;
  };
  EXPECT_EQ(chunk_of(5), std::nullopt);
  EXPECT_EQ(chunk_of(10), 10);
  EXPECT_EQ(chunk_of(29), 20);
  EXPECT_EQ(chunk_of(39), 30);
  EXPECT_EQ(chunk_of(40), std::nullopt);  // the record's own
  EXPECT_EQ(DecodeLiveSegmentAt(record, 41).value()->segment.value, Value::Int64(41));
}

}  // namespace
}  // namespace hindsight::internal
