#include "history.h"

#include <cstdio>

#include "time/civil.h"

namespace hindsight::workload {
namespace {

constexpr int64_t kDay = kMinutesPerDay;
const int64_t kStart1950 = internal::DaysFromCivil(1950, 1, 1) * kDay;
const int64_t kEnd2035 = internal::DaysFromCivil(2035, 1, 1) * kDay;

// A bound at a day, 15% of them at a time of day.
int64_t Bound(int64_t day, Rng* rng) { return day * kDay + (rng->Percent(15) ? rng->Between(1, kDay - 1) : 0); }

std::string NewValue(const Keyspace& ks, uint16_t p, const std::string& previous, Rng* rng) {
  std::string v = ks.Value(p, rng);
  for (int tries = 0; v == previous && tries < 8 && !rng->Percent(1.5); ++tries) v = ks.Value(p, rng);
  return v;
}

std::vector<Segment> Segments(const Keyspace& ks, uint16_t p, int versions, Rng* rng) {
  const int count = static_cast<int>(rng->Between(versions / 2 > 0 ? versions / 2 : 1, versions + versions / 2));
  const bool valueless = ks.predicate(p).kind == ValueKind::kNone;
  std::vector<Segment> out;
  int64_t day = kStart1950 / kDay + rng->Between(0, 20 * 365);
  int64_t from = rng->Percent(3) ? kNegInf : Bound(day, rng);
  std::string value;
  for (int i = 0; i < count; ++i) {
    day += rng->Between(30, 2000);  // each bound lies in a later day than the one before
    int64_t to = Bound(day, rng);
    if (to >= kEnd2035 || (i == count - 1 && rng->Percent(50))) to = kPosInf;
    value = NewValue(ks, p, value, rng);
    out.push_back({from, to, value});
    if (to == kPosInf) break;
    if (valueless || rng->Percent(10)) {
      day += rng->Between(10, 400);
      from = Bound(day, rng);
    } else {
      from = to;
    }
  }
  return out;
}

void PlanFeed(KeyHistory* h, Rng* rng) {
  const size_t n = h->segments.size();
  h->open_ended.assign(n, false);
  h->end_retracted.assign(n, false);
  for (size_t i = 0; i < n; ++i) {
    const Segment& s = h->segments[i];
    if (s.to == kPosInf) continue;
    const bool followed = i + 1 < n && h->segments[i + 1].from == s.to;
    if (followed ? rng->Percent(60) : rng->Percent(40)) {
      h->open_ended[i] = true;
      h->end_retracted[i] = !followed;
    }
  }
  h->rounds = static_cast<int>(n) + (n > 0 && h->end_retracted[n - 1] ? 1 : 0);
}

void PlanFix(const Keyspace& ks, uint16_t p, KeyHistory* h, Rng* rng) {
  const int roll = static_cast<int>(rng->Below(100));
  if (roll >= 6 || h->segments.empty()) return;
  h->fixed_segment = rng->Below(h->segments.size());
  const Segment& s = h->segments[h->fixed_segment];
  const int64_t lo = s.from == kNegInf ? (s.to == kPosInf ? kStart1950 : s.to - 3650 * kDay) : s.from;
  const int64_t hi = s.to == kPosInf ? lo + 3650 * kDay : s.to;
  if (hi - lo < 2 * kDay) return;
  const int64_t a = lo + rng->Between(0, (hi - lo) / kDay / 2) * kDay;
  int64_t b = a + rng->Between(1, (hi - a) / kDay) * kDay;
  const bool into_next = h->fixed_segment + 1 < h->segments.size() && rng->Percent(20);
  if (into_next) {
    const Segment& next = h->segments[h->fixed_segment + 1];
    b = next.to == kPosInf ? next.from + 30 * kDay : next.from + (next.to - next.from) / 2;
  }
  if (roll < 5) {
    h->fix = KeyHistory::Fix::kAssert;
    h->fix_span = {a, b, NewValue(ks, p, s.value, rng)};
    if (h->fix_span.value == s.value && ks.predicate(p).kind == ValueKind::kNone) h->fix = KeyHistory::Fix::kRetract;
  } else {
    h->fix = KeyHistory::Fix::kRetract;
    h->fix_span = {a, b, ""};
  }
}

void PlanErasure(const Keyspace& ks, uint16_t p, KeyHistory* h, Rng* rng) {
  if (!rng->Percent(0.2)) return;
  if (rng->Percent(50)) {
    h->erasure = KeyHistory::Erasure::kErase;
    return;
  }
  h->erasure = KeyHistory::Erasure::kEraseAndAssert;
  const int64_t from = Bound(internal::DaysFromCivil(2000, 1, 1) + rng->Between(0, 9000), rng);
  h->fresh = {from, kPosInf, ks.Value(p, rng)};
}

}  // namespace

KeyHistory HistoryOf(const Keyspace& keyspace, uint64_t key, uint64_t seed, int versions) {
  Rng rng = StreamFor(seed, 3, key);
  const uint16_t p = keyspace.key(key).predicate;
  KeyHistory h;
  h.segments = Segments(keyspace, p, versions, &rng);
  PlanFeed(&h, &rng);
  PlanFix(keyspace, p, &h, &rng);
  PlanErasure(keyspace, p, &h, &rng);
  return h;
}

Schedule::Schedule(uint64_t keys, int versions)
    : rounds_(versions + versions / 2 + 1), blocks_((keys + kBlockKeys - 1) / kBlockKeys) {}

int64_t Schedule::TxMinute(uint64_t tx_index) {
  return internal::DaysFromCivil(2010, 1, 1) * kDay + static_cast<int64_t>(tx_index) * 60;
}

std::string Literal(int64_t m, Rng* rng) {
  if (m == kNegInf) return "-inf";
  if (m == kPosInf) return "+inf";
  const int64_t day = (m >= 0 ? m : m - kDay + 1) / kDay;
  int64_t minute = m - day * kDay;
  char buf[96];
  const internal::CivilDate d = internal::CivilFromDays(day);
  if (minute == 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", static_cast<long long>(d.year), d.month, d.day);
    return buf;
  }
  const int style = static_cast<int>(rng->Below(3));
  if (style < 2) {
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02lld:%02lld%s", static_cast<long long>(d.year), d.month,
                  d.day, static_cast<long long>(minute / 60), static_cast<long long>(minute % 60), style ? "Z" : "");
    return buf;
  }
  // The same instant as local time at an offset of -11:00..+12:45 (quarter hours).
  const int64_t offset = rng->Between(-44, 51) * 15;
  const int64_t local = m + offset;
  const int64_t local_day = (local >= 0 ? local : local - kDay + 1) / kDay;
  minute = local - local_day * kDay;
  const internal::CivilDate l = internal::CivilFromDays(local_day);
  const int64_t off = offset < 0 ? -offset : offset;
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02lld:%02lld%c%02lld:%02lld", static_cast<long long>(l.year),
                l.month, l.day, static_cast<long long>(minute / 60), static_cast<long long>(minute % 60),
                offset < 0 ? '-' : '+', static_cast<long long>(off / 60), static_cast<long long>(off % 60));
  return buf;
}

}  // namespace hindsight::workload
