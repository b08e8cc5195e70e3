// Key encodings: round trips and order preservation.
#include <random>

#include "gtest/gtest.h"
#include "keys/key_codec.h"

namespace hindsight::internal {
namespace {

TEST(KeyCodecTest, InstantsKeepTheirOrder) {
  std::vector<Instant> v = {kNegInf, kNegInf + 1, -86'400'000'000, -1, 0, 1, 86'400'000'000, kPosInf - 1, kPosInf};
  std::mt19937_64 rng(3);
  for (int i = 0; i < 1000; ++i) v.push_back(static_cast<Instant>(rng()));
  for (const Instant a : v) {
    std::string ea;
    AppendInstant(&ea, a);
    ASSERT_EQ(ea.size(), kInstantBytes);
    EXPECT_EQ(DecodeInstant(ea.data()), a);
    for (const Instant b : {kNegInf, Instant{-1}, Instant{0}, Instant{1}, kPosInf}) {
      std::string eb;
      AppendInstant(&eb, b);
      EXPECT_EQ(a < b, ea < eb) << a << " vs " << b;
    }
  }
}

TEST(KeyCodecTest, IdsAndKeysRoundTrip) {
  const KeyIds k{1, 0x01020304, 0xffffffff};
  EXPECT_EQ(DecodeLiveKey(LiveKey(k)), k);
  EXPECT_EQ(DecodeIndexKey(ObjectIndexKey(k)), k);
  EXPECT_EQ(DecodeIndexKey(PredicateIndexKey(k)), k);
  EXPECT_EQ(DecodeIndexKey(SubjectIndexKey(k)), k);
  EXPECT_EQ(DecodeUint64(TxKey(0x0102030405060708).data()), 0x0102030405060708u);
}

TEST(KeyCodecTest, MentionsRoundTripAndFollowTheirDigest) {
  const std::string digest(32, '\x7f');
  const std::string mention = MentionKey(digest, 0x0102030405060708);
  ASSERT_EQ(mention.size(), kMentionKeyBytes);
  EXPECT_EQ(mention[0], kMentionTag);
  EXPECT_EQ(MentionDigest(mention), digest);
  EXPECT_EQ(MentionId(mention), 0x0102030405060708u);
  EXPECT_EQ(mention.substr(0, MentionPrefix(digest).size()), MentionPrefix(digest));
  EXPECT_LT(MentionKey(digest, 255), MentionKey(digest, 256));  // a key's mentions in transaction order
}

TEST(KeyCodecTest, IdsKeepTheirOrder) {
  EXPECT_LT(LiveKey({1, 2, 3}), LiveKey({1, 2, 4}));
  EXPECT_LT(LiveKey({1, 0xffffffff, 0xffffffff}), LiveKey({2, 0, 0}));
  EXPECT_LT(TxKey(255), TxKey(256));
  // A key's history chunks follow its live key's prefix, by largest txTo.
  EXPECT_EQ(HistoryKey({1, 2, 3}, 5, 0).substr(0, kKeyIdsBytes), LiveKey({1, 2, 3}));
  EXPECT_LT(HistoryKey({1, 2, 3}, -5, kPosInf), HistoryKey({1, 2, 3}, 5, kNegInf));
  EXPECT_LT(HistoryKey({1, 2, 3}, kPosInf, kPosInf), HistoryKey({1, 2, 4}, kNegInf, kNegInf));
  // A read as of t seeks to the first chunk with a row closed after t.
  EXPECT_GT(HistoryKey({1, 2, 3}, 6, kNegInf), HistorySeekKey({1, 2, 3}, 5));
  EXPECT_LT(HistoryKey({1, 2, 3}, 5, kPosInf), HistorySeekKey({1, 2, 3}, 5));
}

TEST(KeyCodecTest, HistoryKeysCarryTheLeastTxFromAliveAtTheirEnd) {
  EXPECT_EQ(HistoryKey({1, 2, 3}, 5, 4).size(), kHistoryKeyBytes);
  for (const Instant alive_from : {kNegInf, Instant{-7}, Instant{4}, kPosInf}) {
    EXPECT_EQ(HistoryKeyAliveFrom(HistoryKey({1, 2, 3}, 5, alive_from)), alive_from);
  }
  // A key without it (20 bytes) knows no bound.
  EXPECT_EQ(HistoryKeyAliveFrom(HistoryKey({1, 2, 3}, 5, 4).substr(0, kKeyIdsBytes + kInstantBytes)), kNegInf);
}

TEST(KeyCodecTest, PrefixSuccessor) {
  EXPECT_EQ(PrefixSuccessor("ab"), "ac");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xff\xff", 2)), "");
  EXPECT_EQ(PrefixSuccessor(""), "");
}

}  // namespace
}  // namespace hindsight::internal
