// Google Benchmark micro benches: literals, key encodings, records, the
// timeline algebra, and one query of each class through the public API on a
// warm database built in-process.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"
#include "hindsight/db.h"
#include "keys/key_codec.h"
#include "query/statement.h"
#include "storage/records.h"
#include "timeline/timeline.h"

namespace hindsight {
namespace {

constexpr Instant kDay = 86'400'000'000;

void BM_ParseInstant(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ParseInstant("2025-09-25T10:30:00.5+03:00"));
}
BENCHMARK(BM_ParseInstant);

void BM_FormatInstant(benchmark::State& state) {
  const Instant t = *ParseInstant("2025-09-25T10:30:00.5Z");
  for (auto _ : state) benchmark::DoNotOptimize(FormatInstant(t));
}
BENCHMARK(BM_FormatInstant);

// A prepared statement's Execute with parameters (a server's hot path):
// its text lexed and parsed with the values, against its tokens kept from
// the first time and parsed with the values.
constexpr char kParameterized[] = "'Nyquador Ministry' 'stance' 'Dormitam Ministry' at $1 as of $2";

internal::StatementParams ParameterValues() {
  internal::StatementParams params;
  params.values = {"1971-01-04", "2020-06-01 12:00:00+00"};
  params.text_typed = {false, false};
  return params;
}

void BM_ParseParameterizedText(benchmark::State& state) {
  const internal::StatementParams params = ParameterValues();
  for (auto _ : state) benchmark::DoNotOptimize(internal::ParseStatement(kParameterized, &params));
}
BENCHMARK(BM_ParseParameterizedText);

void BM_ParseParameterizedLexed(benchmark::State& state) {
  const internal::StatementParams params = ParameterValues();
  const internal::LexedStatement lexed = *internal::LexedStatement::Of(kParameterized);
  for (auto _ : state) benchmark::DoNotOptimize(internal::ParseStatement(lexed, &params));
}
BENCHMARK(BM_ParseParameterizedLexed);

// One bucket of the slice index, 1,000 entries of which about half contain
// the instant asked: the inner loop of a `* P *` at v query.
void BM_SliceBucketDecodeAt(benchmark::State& state) {
  std::vector<internal::SliceRecordEntry> entries;
  for (uint32_t i = 0; i < 1000; ++i) {
    const Instant from = static_cast<Instant>(i) * kDay;
    entries.push_back({i, i + 1, internal::Segment{{from, from + 1000 * kDay}, Value::String(i % 2 ? "severed" : "normal")}});
  }
  const std::string bytes = internal::EncodeSliceBucket(entries);
  internal::SliceHits hits;
  for (auto _ : state) {
    hits.hits.clear();
    hits.texts.clear();
    benchmark::DoNotOptimize(internal::DecodeSliceBucketAt(bytes, 500 * kDay, &hits));
  }
  state.counters["hits"] = static_cast<double>(hits.hits.size());
}
BENCHMARK(BM_SliceBucketDecodeAt);

std::vector<internal::StoredSegment> TenSegments() {
  std::vector<internal::StoredSegment> segs;
  for (int i = 0; i < 10; ++i) {
    segs.push_back({{{i * 100 * kDay, (i + 1) * 100 * kDay}, Value::String(i % 2 ? "severed" : "normal")}, i});
  }
  return segs;
}

void BM_LiveTimelineEncode(benchmark::State& state) {
  const auto segs = TenSegments();
  for (auto _ : state) benchmark::DoNotOptimize(internal::EncodeLiveTimeline(segs));
}
BENCHMARK(BM_LiveTimelineEncode);

void BM_LiveTimelineDecode(benchmark::State& state) {
  const std::string bytes = internal::EncodeLiveTimeline(TenSegments());
  for (auto _ : state) benchmark::DoNotOptimize(internal::DecodeLiveTimeline(bytes));
}
BENCHMARK(BM_LiveTimelineDecode);

// A key's closed rows as ten commits leave them: ten appended messages.
void BM_ClosedRowsDecode(benchmark::State& state) {
  std::string bytes;
  Instant tx = 0;
  for (const auto& s : TenSegments()) {
    bytes += internal::EncodeClosedRows({{s.segment, {tx, tx + 1}}});
    ++tx;
  }
  for (auto _ : state) benchmark::DoNotOptimize(internal::DecodeClosedRows(bytes, {}));
}
BENCHMARK(BM_ClosedRowsDecode);

void BM_TimelineAssertAndCoalesce(benchmark::State& state) {
  internal::Timeline base;
  for (const auto& s : TenSegments()) base.push_back(s.segment);
  const Value talks = Value::String("talks"), severed = Value::String("severed");
  for (auto _ : state) {
    internal::Timeline tl = internal::ApplyEdits(base, {{{450 * kDay, kPosInf}, &talks}});
    tl = internal::ApplyEdits(std::move(tl), {{{300 * kDay, 310 * kDay}, &severed}});
    benchmark::DoNotOptimize(tl);
  }
}
BENCHMARK(BM_TimelineAssertAndCoalesce);

// A warm database: 20,000 keys (1,000 subjects x 20 objects... spread over 10
// predicates), 10 segments each, committed in 100 transactions.
class WarmDatabase {
 public:
  static WarmDatabase& Get() {
    static WarmDatabase* db = new WarmDatabase;
    return *db;
  }
  Database& db() { return *db_; }
  Instant mid_tx() const { return mid_tx_; }

 private:
  WarmDatabase() {
    dir_ = (std::filesystem::temp_directory_path() / "hindsight-micro-bench").string();
    std::filesystem::remove_all(dir_);
    Options options;
    options.sync = false;
    db_ = std::move(Database::Open(dir_, options).value());
    std::mt19937 rng(1);
    for (int round = 0; round < 10; ++round) {
      for (int part = 0; part < 10; ++part) {
        Transaction txn;
        txn.SetTime((round * 10 + part + 1) * kDay);
        for (int k = part * 2000; k < (part + 1) * 2000; ++k) {
          const FactKey key{absl::StrCat("s", k % 1000), absl::StrCat("p", k % 10), absl::StrCat("o", k / 1000)};
          txn.Assert(key, Value::Int64(rng() % 5), {round * 365 * kDay, kPosInf});
        }
        if (!db_->Commit(txn).ok()) std::abort();
      }
    }
    // Compacted, as after a bulk import or once RocksDB has caught up: each
    // key's merge operands folded into one record.
    if (!db_->Compact().ok()) std::abort();
    mid_tx_ = 50 * kDay;
  }
  std::string dir_;
  std::unique_ptr<Database> db_;
  Instant mid_tx_ = 0;
};

void RunQuery(benchmark::State& state, Query q) {
  Database& db = WarmDatabase::Get().db();
  size_t rows = 0;
  for (auto _ : state) {
    auto r = db.Query(q);
    rows = r->size();
    benchmark::DoNotOptimize(r);
  }
  state.counters["rows"] = static_cast<double>(rows);
}

const Instant kV = 5 * 365 * kDay + 17 * kDay;

void BM_QueryPoint(benchmark::State& s) { RunQuery(s, {{"s7", "p7", "o7"}, ValidTimeClause::At(kV), {}}); }
void BM_QueryBitemporal(benchmark::State& s) {
  RunQuery(s, {{"s7", "p7", "o7"}, ValidTimeClause::At(kV), TxTimeClause::AsOf(WarmDatabase::Get().mid_tx())});
}
void BM_QuerySubject(benchmark::State& s) { RunQuery(s, {{"s7", std::nullopt, std::nullopt}, ValidTimeClause::At(kV), {}}); }
void BM_QueryObject(benchmark::State& s) { RunQuery(s, {{std::nullopt, std::nullopt, "o7"}, ValidTimeClause::At(kV), {}}); }
void BM_QueryPair(benchmark::State& s) { RunQuery(s, {{"s7", std::nullopt, "o7"}, ValidTimeClause::At(kV), {}}); }
void BM_QueryInterval(benchmark::State& s) {
  RunQuery(s, {{"s7", "p7", "o7"}, ValidTimeClause::During({kV, kV + 3 * 365 * kDay}), {}});
}
void BM_QuerySlice(benchmark::State& s) { RunQuery(s, {{std::nullopt, "p3", std::nullopt}, ValidTimeClause::At(kV), {}}); }
void BM_QueryHistory(benchmark::State& state) {
  Database& db = WarmDatabase::Get().db();
  for (auto _ : state) benchmark::DoNotOptimize(db.History({"s7", "p7", "o7"}));
}
BENCHMARK(BM_QueryPoint);
BENCHMARK(BM_QueryBitemporal);
BENCHMARK(BM_QuerySubject);
BENCHMARK(BM_QueryObject);
BENCHMARK(BM_QueryPair);
BENCHMARK(BM_QueryInterval);
BENCHMARK(BM_QuerySlice);
BENCHMARK(BM_QueryHistory);

}  // namespace
}  // namespace hindsight

BENCHMARK_MAIN();
