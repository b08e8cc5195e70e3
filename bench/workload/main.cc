// hindsight-workload: writes a benchmark and test workload (an operations
// file and one query file per query class) that depends only on its
// arguments. The shape of the data is described in keyspace.h and
// history.h; the query classes in kHelp.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "history.h"
#include "keyspace.h"

namespace hindsight::workload {
namespace {

constexpr char kHelp[] =
    "usage: hindsight-workload --out DIR [--keys N] [--versions N] [--queries N] [--seed N]\n"
    "\n"
    "Writes DIR/ops.tsv (the operations format of docs/formats.md), one query\n"
    "file per class and DIR/manifest.json. The output depends only on the\n"
    "arguments. Defaults: --keys 100000 --versions 10 --queries 10000 --seed 1\n"
    "(the slice class gets a hundredth of --queries, at least 10).\n"
    "\n"
    "  q_point       at S P O v              latest; ~10% miss (unknown name, gap)\n"
    "  q_bitemporal  at S P O v ASOF         half on corrected keys, before or after\n"
    "  q_subject     at S * * v\n"
    "  q_object      at * * O v\n"
    "  q_pair        at S * O v\n"
    "  q_interval    during S P O v1 v2      1 to 5 years, coarse or exact literals\n"
    "  q_slice       at * P * v              large answers\n"
    "  q_history     history S P O           30% corrected keys\n";

struct Params {
  std::string out;
  uint64_t keys = 100000;
  int versions = 10;
  uint64_t queries = 10000;
  uint64_t seed = 1;
};

class File {
 public:
  explicit File(const std::string& path) : f_(std::fopen(path.c_str(), "w")), path_(path) {
    if (f_ == nullptr) Fail("cannot create");
    std::setvbuf(f_, nullptr, _IOFBF, 1 << 20);
  }
  ~File() {
    if (std::fclose(f_) != 0) Fail("cannot write");
  }
  void Line(const std::string& s) {
    if (std::fwrite(s.data(), 1, s.size(), f_) != s.size() || std::fputc('\n', f_) == EOF) Fail("cannot write");
  }

 private:
  [[noreturn]] void Fail(const char* what) {
    std::fprintf(stderr, "hindsight-workload: %s '%s': %s\n", what, path_.c_str(), std::strerror(errno));
    std::exit(1);
  }
  std::FILE* f_;
  std::string path_;
};

class Writer {
 public:
  Writer(const Params& params) : p_(params), ks_(params.keys, params.seed), schedule_(params.keys, params.versions) {}

  void WriteOps() {
    File ops(p_.out + "/ops.tsv");
    ops.Line("# Hindsight generated workload: " + Describe());
    for (int round = 0; round < schedule_.rounds(); ++round) {
      for (uint64_t block = 0; block < schedule_.blocks(); ++block) WriteRound(round, block, &ops);
    }
    WriteFixes(&ops);
    WriteErasures(&ops);
  }

  void WriteQueries() {
    const uint64_t n = p_.queries, slices = std::max<uint64_t>(10, p_.queries / 100);
    WriteClass("q_point", n, [&](Rng* r) { return Point(r); });
    WriteClass("q_bitemporal", n, [&](Rng* r) { return Bitemporal(r); });
    WriteClass("q_subject", n, [&](Rng* r) { return Around(r, true, false); });
    WriteClass("q_object", n, [&](Rng* r) { return Around(r, false, true); });
    WriteClass("q_pair", n, [&](Rng* r) { return Around(r, true, true); });
    WriteClass("q_interval", n, [&](Rng* r) { return Interval(r); });
    WriteClass("q_slice", slices, [&](Rng* r) { return Slice(r); });
    WriteClass("q_history", n, [&](Rng* r) { return History(r); });
  }

  void WriteManifest() {
    File m(p_.out + "/manifest.json");
    m.Line("{\"generator\": \"hindsight-workload\", \"keys\": " + std::to_string(p_.keys) +
           ", \"versions\": " + std::to_string(p_.versions) + ", \"queries\": " + std::to_string(p_.queries) +
           ", \"seed\": " + std::to_string(p_.seed) + ", \"entities\": " + std::to_string(ks_.entity_count()) +
           ", \"predicates\": " + std::to_string(ks_.predicate_count()) + ", \"transactions\": " +
           std::to_string(tx_) + ", \"operations\": " + std::to_string(operations_) + "}");
  }

 private:
  std::string Describe() const {
    return "--keys " + std::to_string(p_.keys) + " --versions " + std::to_string(p_.versions) + " --seed " +
           std::to_string(p_.seed);
  }

  std::string KeyText(uint64_t k) const {
    const Key& key = ks_.key(k);
    return ks_.EntityName(key.subject) + "\t" + ks_.predicate(key.predicate).name + "\t" + ks_.EntityName(key.object);
  }

  void Tx(const std::string& source, File* f) {
    Rng rng = StreamFor(p_.seed, 5, tx_);
    f->Line("tx\t" + Literal(Schedule::TxMinute(tx_++), &rng) + "\t" + source);
  }

  void Assert(uint64_t k, const Segment& s, int64_t to, Rng* rng, File* f) {
    f->Line("assert\t" + KeyText(k) + "\t" + s.value + "\t" + Literal(s.from, rng) + "\t" + Literal(to, rng));
    ++operations_;
  }
  void Retract(uint64_t k, int64_t from, int64_t to, Rng* rng, File* f) {
    f->Line("retract\t" + KeyText(k) + "\t\t" + Literal(from, rng) + "\t" + Literal(to, rng));
    ++operations_;
  }

  void WriteRound(int round, uint64_t block, File* f) {
    Tx("wire-" + std::to_string(block % 7), f);
    const uint64_t end = std::min(p_.keys, (block + 1) * kBlockKeys);
    for (uint64_t k = block * kBlockKeys; k < end; ++k) {
      const KeyHistory h = HistoryOf(ks_, k, p_.seed, p_.versions);
      if (round >= h.rounds) continue;
      Rng rng = StreamFor(p_.seed, 6, k * 64 + round);
      const size_t r = static_cast<size_t>(round);
      if (r > 0 && h.end_retracted[r - 1]) Retract(k, h.segments[r - 1].to, kPosInf, &rng, f);
      if (r < h.segments.size()) Assert(k, h.segments[r], h.open_ended[r] ? kPosInf : h.segments[r].to, &rng, f);
    }
  }

  void WriteFixes(File* f) {
    uint64_t in_tx = kCorrectionsPerTx;
    for (uint64_t k = 0; k < p_.keys; ++k) {
      const KeyHistory h = HistoryOf(ks_, k, p_.seed, p_.versions);
      if (h.fix == KeyHistory::Fix::kNone) continue;
      if (in_tx++ == kCorrectionsPerTx) {
        Tx("fact_check", f);
        in_tx = 1;
      }
      Rng rng = StreamFor(p_.seed, 7, k);
      if (h.fix == KeyHistory::Fix::kAssert) {
        Assert(k, h.fix_span, h.fix_span.to, &rng, f);
      } else {
        Retract(k, h.fix_span.from, h.fix_span.to, &rng, f);
      }
    }
  }

  void WriteErasures(File* f) {
    uint64_t in_tx = kErasuresPerTx;
    for (uint64_t k = 0; k < p_.keys; ++k) {
      const KeyHistory h = HistoryOf(ks_, k, p_.seed, p_.versions);
      if (h.erasure == KeyHistory::Erasure::kNone) continue;
      if (in_tx++ == kErasuresPerTx) {
        Tx("erasure_request", f);
        in_tx = 1;
      }
      f->Line("erase\t" + KeyText(k));
      ++operations_;
      Rng rng = StreamFor(p_.seed, 8, k);
      if (h.erasure == KeyHistory::Erasure::kEraseAndAssert) Assert(k, h.fresh, h.fresh.to, &rng, f);
    }
  }

  template <typename Make>
  void WriteClass(const char* name, uint64_t count, Make make) {
    File f(p_.out + "/" + name + ".tsv");
    Rng rng = StreamFor(p_.seed, 20, name[2] * 256 + name[3]);
    for (uint64_t i = 0; i < count; ++i) f.Line(make(&rng));
  }

  // A point inside segment `s` (infinite ends clamped to 1940 and 2040).
  static int64_t Inside(const Segment& s, Rng* rng) {
    const int64_t lo = s.from == kNegInf ? -30 * 365 * kMinutesPerDay : s.from;
    const int64_t hi = s.to == kPosInf ? 70 * 365 * kMinutesPerDay : s.to;
    return hi > lo ? lo + static_cast<int64_t>(rng->Below(static_cast<uint64_t>(hi - lo))) : lo;
  }

  struct Pick {
    uint64_t key;
    KeyHistory history;
  };
  // A key; with probability `fixed_percent` one that phase 2 corrected.
  Pick PickKey(Rng* rng, double fixed_percent) {
    const bool want_fixed = rng->Percent(fixed_percent);
    for (int tries = 0;; ++tries) {
      const uint64_t k = rng->Below(p_.keys);
      KeyHistory h = HistoryOf(ks_, k, p_.seed, p_.versions);
      if (!want_fixed || h.fix != KeyHistory::Fix::kNone || tries == 200) return {k, std::move(h)};
    }
  }

  std::string Point(Rng* rng) {
    Pick pick = PickKey(rng, 0);
    const std::vector<Segment>& segs = pick.history.segments;
    std::string key = KeyText(pick.key);
    int64_t v;
    if (rng->Percent(5)) {  // an unknown subject
      key = ks_.MissingEntityName(rng->Below(1000)) + key.substr(key.find('\t'));
      v = Inside(segs.front(), rng);
    } else if (rng->Percent(5) && segs.front().from != kNegInf) {  // before the first segment
      v = segs.front().from - rng->Between(1, 3650) * kMinutesPerDay;
    } else {
      const Segment& s = segs[rng->Below(segs.size())];
      const int roll = static_cast<int>(rng->Below(100));
      v = roll < 10 && s.from != kNegInf ? s.from : roll < 15 && s.to != kPosInf ? s.to : Inside(s, rng);
    }
    return "at\t" + key + "\t" + Literal(v, rng) + "\t";
  }

  std::string AsOf(int64_t minute, Rng* rng) {
    const int style = static_cast<int>(rng->Below(3));
    if (style == 0) return Literal(minute, rng);
    if (style == 1) {  // a moment after the transaction: seconds and microseconds
      Rng fmt(0);
      std::string day_and_minute = Literal(minute - minute % kMinutesPerDay, &fmt);
      char buf[64];
      const int64_t m = minute % kMinutesPerDay;
      std::snprintf(buf, sizeof buf, "%sT%02lld:%02lld:%02lld.%06lldZ", day_and_minute.c_str(),
                    static_cast<long long>(m / 60), static_cast<long long>(m % 60),
                    static_cast<long long>(rng->Below(60)), static_cast<long long>(rng->Below(1000000)));
      return buf;
    }
    return Literal(minute + (minute % kMinutesPerDay == 0 ? 1 : 0), rng);  // a time of day, maybe at an offset
  }

  std::string Bitemporal(Rng* rng) {
    Pick pick = PickKey(rng, 50);
    const KeyHistory& h = pick.history;
    const uint64_t last_tx = tx_ - 1;
    int64_t v, as_of;
    if (h.fix != KeyHistory::Fix::kNone) {
      v = Inside(h.fix_span, rng);
      const uint64_t asserted = schedule_.RoundTx(static_cast<int>(h.fixed_segment), pick.key);
      const uint64_t tx = rng->Percent(70) ? asserted + rng->Below(schedule_.FirstCorrectionTx() - asserted)
                                           : schedule_.FirstCorrectionTx() + rng->Below(last_tx + 1 - schedule_.FirstCorrectionTx());
      as_of = Schedule::TxMinute(tx);
    } else {
      v = Inside(h.segments[rng->Below(h.segments.size())], rng);
      as_of = Schedule::TxMinute(rng->Below(last_tx + 1));
    }
    return "at\t" + KeyText(pick.key) + "\t" + Literal(v, rng) + "\t" + AsOf(as_of, rng);
  }

  std::string Around(Rng* rng, bool subject, bool object) {
    Pick pick = PickKey(rng, 0);
    const Key& k = ks_.key(pick.key);
    const int64_t v = Inside(pick.history.segments[rng->Below(pick.history.segments.size())], rng);
    return "at\t" + (subject ? ks_.EntityName(k.subject) : "*") + "\t*\t" + (object ? ks_.EntityName(k.object) : "*") +
           "\t" + Literal(v, rng) + "\t";
  }

  std::string Interval(Rng* rng) {
    Pick pick = PickKey(rng, 0);
    const int64_t v = Inside(pick.history.segments[rng->Below(pick.history.segments.size())], rng);
    Rng plain(0);
    std::string day = Literal(v - ((v % kMinutesPerDay) + kMinutesPerDay) % kMinutesPerDay, &plain);
    const int years = static_cast<int>(rng->Between(1, 5));
    const int year = std::atoi(day.c_str());
    const int style = static_cast<int>(rng->Below(3));
    std::string from, to;
    if (style == 0) {
      from = std::to_string(year), to = std::to_string(year + years);
    } else if (style == 1) {
      from = day.substr(0, 7), to = std::to_string(year + years) + day.substr(4, 3);
    } else {
      from = day, to = std::to_string(year + years) + day.substr(4);
      if (to.substr(5) == "02-29") to.replace(8, 2, "28");
    }
    return "during\t" + KeyText(pick.key) + "\t" + from + "\t" + to + "\t";
  }

  std::string Slice(Rng* rng) {
    const uint16_t p = static_cast<uint16_t>(rng->Below(ks_.predicate_count()));
    const int64_t v = (-10 * 365 + rng->Between(0, 70 * 365)) * kMinutesPerDay;
    return "at\t*\t" + ks_.predicate(p).name + "\t*\t" + Literal(v, rng) + "\t";
  }

  std::string History(Rng* rng) { return "history\t" + KeyText(PickKey(rng, 30).key); }

  const Params& p_;
  Keyspace ks_;
  Schedule schedule_;
  uint64_t tx_ = 0;
  uint64_t operations_ = 0;
};

bool ParseNumber(const char* text, uint64_t* out) {
  char* end = nullptr;
  errno = 0;
  *out = std::strtoull(text, &end, 10);
  return errno == 0 && end != text && *end == '\0';
}

int Main(int argc, char** argv) {
  Params p;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kHelp, stdout);
      return 0;
    }
    uint64_t n = 0;
    if (i + 1 >= argc) {
      std::fprintf(stderr, "hindsight-workload: %s needs a value\n%s", a.c_str(), kHelp);
      return 2;
    }
    const char* value = argv[++i];
    if (a == "--out") {
      p.out = value;
      continue;
    }
    if (!ParseNumber(value, &n)) {
      std::fprintf(stderr, "hindsight-workload: %s takes a number, not '%s'\n", a.c_str(), value);
      return 2;
    }
    if (a == "--keys" && n >= 1 && n <= 100'000'000) {
      p.keys = n;
    } else if (a == "--versions" && n >= 1 && n <= 100) {
      p.versions = static_cast<int>(n);
    } else if (a == "--queries") {
      p.queries = n;
    } else if (a == "--seed") {
      p.seed = n;
    } else {
      std::fprintf(stderr, "hindsight-workload: bad option or value: %s %s\n%s", a.c_str(), value, kHelp);
      return 2;
    }
  }
  if (p.out.empty()) {
    std::fprintf(stderr, "hindsight-workload: --out DIR is required\n%s", kHelp);
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(p.out, ec);
  if (ec) {
    std::fprintf(stderr, "hindsight-workload: cannot create '%s': %s\n", p.out.c_str(), ec.message().c_str());
    return 1;
  }
  Writer w(p);
  w.WriteOps();
  w.WriteQueries();
  w.WriteManifest();
  return 0;
}

}  // namespace
}  // namespace hindsight::workload

int main(int argc, char** argv) { return hindsight::workload::Main(argc, argv); }
