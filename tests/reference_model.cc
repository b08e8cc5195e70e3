#include "reference_model.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace hindsight::testing {

void ReferenceModel::Commit(const Transaction& txn, Instant time) {
  tx_times_.push_back(time);
  log_.emplace_back();
  for (const Operation& op : txn.operations()) {
    if (op.kind == Operation::Kind::kErase) {
      ops_.erase(op.key);  // every recorded operation of the key, this transaction's too
      const std::string digest = KeyDigest(op.key);
      for (std::vector<Operation>& logged : log_) {
        std::erase_if(logged, [&](const Operation& o) { return o.key == op.key || o.key_digest == digest; });
      }
      Operation by_digest = op;
      by_digest.key = {};
      by_digest.key_digest = digest;
      log_.back().push_back(std::move(by_digest));
    } else {
      ops_[op.key].push_back({time, op});
      log_.back().push_back(op);
    }
  }
}

std::vector<ReferenceModel::Seg> ReferenceModel::TimelineAt(const std::vector<Recorded>& ops, Instant t) const {
  std::set<Instant> bounds;
  for (const Recorded& r : ops) {
    if (r.tx_time > t) continue;
    bounds.insert(r.op.valid.from);
    bounds.insert(r.op.valid.to);
  }
  std::vector<Seg> out;
  const std::vector<Instant> b(bounds.begin(), bounds.end());
  for (size_t i = 0; i + 1 < b.size(); ++i) {
    // The last operation covering the elementary interval [b[i], b[i+1]) wins.
    const Recorded* last = nullptr;
    for (const Recorded& r : ops) {
      if (r.tx_time <= t && r.op.valid.from <= b[i] && b[i + 1] <= r.op.valid.to) last = &r;
    }
    if (last == nullptr || last->op.kind == Operation::Kind::kRetract) continue;
    if (!out.empty() && out.back().to == b[i] && out.back().value == last->op.value) {
      out.back().to = b[i + 1];
    } else {
      out.push_back({b[i], b[i + 1], last->op.value});
    }
  }
  return out;
}

bool ReferenceModel::Matches(const Pattern& p, const FactKey& k) {
  return (!p.subject || *p.subject == k.subject) && (!p.predicate || *p.predicate == k.predicate) &&
         (!p.object || *p.object == k.object);
}

std::vector<Row> ReferenceModel::Query(const struct Query& q) const {
  Instant t = kPosInf;
  if (q.as_of.kind == TxTimeClause::Kind::kAsOfTime) t = q.as_of.time;
  if (q.as_of.kind == TxTimeClause::Kind::kAsOfTx) t = tx_times_.at(q.as_of.tx_id - 1);
  std::vector<Row> rows;
  for (const auto& [key, ops] : ops_) {  // std::map: bytewise key order
    if (!Matches(q.pattern, key)) continue;
    for (const Seg& s : TimelineAt(ops, t)) {
      bool keep = true;
      if (q.valid.kind == ValidTimeClause::Kind::kAt) keep = s.from <= q.valid.at && q.valid.at < s.to;
      if (q.valid.kind == ValidTimeClause::Kind::kDuring) {
        keep = s.from < q.valid.during.to && q.valid.during.from < s.to;
      }
      if (keep) rows.push_back({key, s.value, {s.from, s.to}});
    }
  }
  return rows;
}

std::vector<HistoryRow> ReferenceModel::History(const Pattern& p) const {
  std::vector<HistoryRow> rows;
  for (const auto& [key, ops] : ops_) {
    if (!Matches(p, key)) continue;
    std::vector<HistoryRow> key_rows;
    std::vector<std::pair<Seg, Instant>> open;  // segment, tx_from
    for (const Instant t : tx_times_) {
      const std::vector<Seg> now = TimelineAt(ops, t);
      std::vector<std::pair<Seg, Instant>> still_open;
      for (auto& [seg, since] : open) {
        if (std::find(now.begin(), now.end(), seg) != now.end()) {
          still_open.emplace_back(seg, since);
        } else {
          key_rows.push_back({key, seg.value, {seg.from, seg.to}, {since, t}});
        }
      }
      for (const Seg& seg : now) {
        const bool was_open = std::any_of(still_open.begin(), still_open.end(),
                                          [&](const auto& o) { return o.first == seg; });
        if (!was_open) still_open.emplace_back(seg, t);
      }
      open = std::move(still_open);
    }
    for (const auto& [seg, since] : open) key_rows.push_back({key, seg.value, {seg.from, seg.to}, {since, kPosInf}});
    std::sort(key_rows.begin(), key_rows.end(), [](const HistoryRow& a, const HistoryRow& b) {
      return std::tie(a.tx.from, a.valid.from) < std::tie(b.tx.from, b.valid.from);
    });
    rows.insert(rows.end(), key_rows.begin(), key_rows.end());
  }
  return rows;
}

std::vector<HistoryRow> ReferenceModel::HistoryChanged(const Pattern& p, Instant after, Instant through) const {
  const auto in_window = [&](Instant t) { return after < t && t <= through && t != kPosInf; };
  const std::vector<HistoryRow> all = History(p);
  std::vector<HistoryRow> rows;
  for (size_t first = 0, end; first < all.size(); first = end) {  // one key's rows at a time
    bool changed = false;
    for (end = first; end < all.size() && all[end].key == all[first].key; ++end) {
      changed = changed || in_window(all[end].tx.from) || in_window(all[end].tx.to);
    }
    if (changed) rows.insert(rows.end(), all.begin() + first, all.begin() + end);
  }
  return rows;
}

}  // namespace hindsight::testing
