// Random operation sequences, applied to the engine and to the reference
// model, with every query kind compared after each transaction.
#include <random>

#include "absl/strings/str_cat.h"
#include "format/query_file.h"
#include "gtest/gtest.h"
#include "hindsight/db.h"
#include "reference_model.h"
#include "test_util.h"

namespace hindsight::testing {
namespace {

constexpr Instant kDay = 86'400'000'000;

class RandomSequence {
 public:
  explicit RandomSequence(uint32_t seed) : rng_(seed) {}

  FactKey Key() {
    static const char* const kSubjects[] = {"Syria", "*", "#", "a\tb", "Côte d'Ivoire"};
    static const char* const kPredicates[] = {"p", "relations"};
    static const char* const kObjects[] = {"Ukraine", "Syria"};
    return {Pick(kSubjects), Pick(kPredicates), Pick(kObjects)};
  }

  Instant Point() {
    const int r = Uniform(0, 13);
    if (r == 0) return kNegInf;
    if (r == 1) return kPosInf;
    return (r - 6) * kDay;  // -4 .. 7 days, many shared bounds
  }

  Interval Span() {
    Instant a = Point(), b = Point();
    while (a == b) b = Point();
    return {std::min(a, b), std::max(a, b)};
  }

  Value AValue() {
    switch (Uniform(0, 8)) {
      case 0: return Value::None();
      case 1: return Value::String("severed");
      case 2: return Value::String("talks");
      case 3: return Value::Int64(4);
      case 4: return Value::Double(4.0);
      case 5: return Value::Double(-0.0);
      case 6: return Value::Double(0.0);
      case 7: return Value::Bool(true);
      default: return Value::String("talks");
    }
  }

  Pattern APattern() {
    const FactKey k = Key();
    Pattern p;
    if (Uniform(0, 1)) p.subject = k.subject;
    if (Uniform(0, 1)) p.predicate = k.predicate;
    if (Uniform(0, 1)) p.object = k.object;
    if (Uniform(0, 9) == 0) p.subject = "unknown";
    return p;
  }

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

 private:
  template <size_t N>
  std::string Pick(const char* const (&a)[N]) {
    return a[Uniform(0, N - 1)];
  }
  std::mt19937 rng_;
};

std::string Dump(const std::vector<Row>& rows) {
  std::string out;
  for (const Row& r : rows) internal::AppendRow(r, &out);
  return out;
}

std::string Dump(const std::vector<HistoryRow>& rows) {
  std::string out;
  for (const HistoryRow& r : rows) internal::AppendHistoryRow(r, &out);
  return out;
}

// Compares a spread of queries of every kind between engine and model.
void CompareAll(const Database& db, const ReferenceModel& model, RandomSequence& rnd, const std::string& where) {
  std::vector<TxTimeClause> as_ofs = {TxTimeClause::Latest(), TxTimeClause::AsOf(kNegInf),
                                      TxTimeClause::AsOf(kPosInf)};
  const Instant last = model.last_time();
  if (model.transaction_count() > 0) {
    as_ofs.push_back(TxTimeClause::AsOf(last));
    as_ofs.push_back(TxTimeClause::AsOf(last - 1));
    const uint64_t n = static_cast<uint64_t>(rnd.Uniform(1, static_cast<int>(model.transaction_count())));
    as_ofs.push_back(TxTimeClause::AsOfTx(n));
  }
  for (const TxTimeClause& as_of : as_ofs) {
    for (int i = 0; i < 4; ++i) {
      Query q;
      q.pattern = rnd.APattern();
      q.as_of = as_of;
      switch (i) {
        case 0: q.valid = ValidTimeClause::All(); break;
        case 1: q.valid = ValidTimeClause::At(rnd.Point()); break;
        case 2: {  // just before or after a bound
          const Instant v = rnd.Point();
          q.valid = ValidTimeClause::At(v == kNegInf || v == kPosInf ? v : v + rnd.Uniform(-1, 1));
          break;
        }
        default: q.valid = ValidTimeClause::During(rnd.Span()); break;
      }
      absl::StatusOr<std::vector<Row>> got = db.Query(q);
      ASSERT_TRUE(got.ok()) << got.status();
      ASSERT_EQ(Dump(*got), Dump(model.Query(q))) << where << " query " << i;
    }
  }
  const Pattern p = rnd.APattern();
  absl::StatusOr<std::vector<HistoryRow>> got = db.History(p);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(Dump(*got), Dump(model.History(p))) << where << " history";
  // The history of the keys a window of transactions changed. (Transaction
  // times are whole half days.)
  const Instant after = rnd.Uniform(0, 16) * kDay / 2, through = after + rnd.Uniform(-1, 8) * kDay / 2;
  const std::vector<HistoryRow> expected = model.HistoryChanged(p, after, through);
  std::vector<HistoryRow> changed_rows;
  const absl::Status scanned = db.ScanHistoryChanged(p, after, through, [&](HistoryRow& r) {
    changed_rows.push_back(r);
    return true;
  });
  ASSERT_TRUE(scanned.ok()) << scanned;
  ASSERT_EQ(Dump(changed_rows), Dump(expected)) << where << " changed in (" << after << ", " << through << "]";
}

void RunSequence(uint32_t seed) {
  RandomSequence rnd(seed);
  ScratchDir dir;
  ManualClock clock(100 * kDay);
  Options options;
  options.clock = &clock;
  options.sync = false;
  // Half of the sequences keep almost no closed rows in a key's record, so
  // that moving them to column family `history` is checked as well.
  if (seed % 2 == 0) options.closed_bytes_in_record = 64;
  // Two thirds keep a live timeline of over two or four segments in
  // chunks (live_chunks.h), so that chunks are laid out again and again.
  if (seed % 3 != 0) options.live_chunk_segments = seed % 3;
  auto db = Database::Open(dir.path(), options);
  ASSERT_TRUE(db.ok()) << db.status();
  ReferenceModel model;
  Instant next_time = kDay;
  const int transactions = rnd.Uniform(1, 12);
  for (int t = 0; t < transactions; ++t) {
    Transaction txn;
    bool bad = false;
    const int ops = rnd.Uniform(0, 5);
    for (int o = 0; o < ops; ++o) {
      const int kind = rnd.Uniform(0, 19);
      if (kind < 11) {
        txn.Assert(rnd.Key(), rnd.AValue(), rnd.Span());
      } else if (kind < 17) {
        txn.Retract(rnd.Key(), rnd.Span());
      } else if (kind < 19) {
        txn.Erase(rnd.Key());
      } else {
        bad = true;
        const Interval empty{kDay, kDay};
        if (rnd.Uniform(0, 1)) txn.Assert(rnd.Key(), Value::Int64(1), empty);
        else txn.Assert({"", "p", "o"}, Value::Int64(1), {0, kDay});
      }
    }
    switch (rnd.Uniform(0, 5)) {
      case 0:  // the clock, sometimes behind the last transaction time
        clock.Set((model.transaction_count() > 0 ? model.last_time() : 0) + rnd.Uniform(-2, 2) * kDay);
        break;
      case 1:  // a supplied time that is not after the previous one
        if (model.transaction_count() > 0) {
          txn.SetTime(model.last_time() - rnd.Uniform(0, 1));
          bad = true;
          break;
        }
        [[fallthrough]];
      default:
        next_time = std::max(next_time, model.last_time() + 1) + rnd.Uniform(1, 3) * kDay / 2;
        txn.SetTime(next_time);
    }
    txn.SetSource(absl::StrCat("source ", t));
    absl::StatusOr<TransactionInfo> info = (*db)->Commit(txn);
    if (bad) {
      ASSERT_FALSE(info.ok()) << "seed " << seed;
      ASSERT_TRUE(absl::IsInvalidArgument(info.status())) << info.status();
    } else {
      ASSERT_TRUE(info.ok()) << info.status() << " seed " << seed;
      ASSERT_EQ(info->id, model.transaction_count() + 1);
      ASSERT_GT(info->time, model.last_time());
      model.Commit(txn, info->time);
    }
    if (rnd.Uniform(0, 7) == 0) {  // reopen in the middle
      db->reset();
      db = Database::Open(dir.path(), options);
      ASSERT_TRUE(db.ok()) << db.status();
    } else if (rnd.Uniform(0, 11) == 0) {  // merge every record's operands (timeline_merge.h) into one value
      ASSERT_TRUE((*db)->Compact().ok());
    }
    CompareAll(**db, model, rnd, absl::StrCat("seed ", seed, " after transaction ", t));
    if (::testing::Test::HasFatalFailure()) return;
  }
  // Whatever the sequence did, the database's parts agree (Database::Check).
  const absl::StatusOr<CheckReport> checked = (*db)->Check(nullptr);
  ASSERT_TRUE(checked.ok()) << checked.status() << " seed " << seed;
  EXPECT_EQ(checked->transactions, model.transaction_count()) << "seed " << seed;
}

// 2,000 sequences in four shards, so that ctest can run them in parallel.
class DifferentialTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(DifferentialTest, RandomSequencesMatchTheReferenceModel) {
  const uint32_t first = GetParam() * 500 + 1;
  const uint32_t count = RandomSequences(500);
  for (uint32_t n = first; n < first + count; ++n) {
    RunSequence(RandomSeed(n));
    if (::testing::Test::HasFatalFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Shards, DifferentialTest, ::testing::Values(0u, 1u, 2u, 3u));

}  // namespace
}  // namespace hindsight::testing
