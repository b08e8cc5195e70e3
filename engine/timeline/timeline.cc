#include "timeline/timeline.h"

#include <algorithm>
#include <queue>

namespace hindsight::internal {
namespace {

// A piece of the union of the edits, and the last edit over it.
struct Piece {
  Interval valid;
  size_t edit;
};

// The edits' union cut where the last edit over it changes, in order.
std::vector<Piece> Overlay(const std::vector<PortionEdit>& edits) {
  if (edits.size() == 1) return {{edits[0].valid, 0}};
  std::vector<Instant> bounds;
  bounds.reserve(2 * edits.size());
  for (const PortionEdit& e : edits) bounds.insert(bounds.end(), {e.valid.from, e.valid.to});
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  std::vector<size_t> by_from(edits.size());
  for (size_t i = 0; i < edits.size(); ++i) by_from[i] = i;
  std::sort(by_from.begin(), by_from.end(),
            [&edits](size_t a, size_t b) { return edits[a].valid.from < edits[b].valid.from; });
  std::priority_queue<size_t> over;  // edits begun, the latest on top; those ended leave as they surface
  std::vector<Piece> pieces;
  size_t next = 0;
  for (size_t k = 0; k + 1 < bounds.size(); ++k) {
    const Instant at = bounds[k];
    for (; next < by_from.size() && edits[by_from[next]].valid.from == at; ++next) over.push(by_from[next]);
    while (!over.empty() && edits[over.top()].valid.to <= at) over.pop();
    if (over.empty()) continue;
    if (!pieces.empty() && pieces.back().edit == over.top() && pieces.back().valid.to == at) {
      pieces.back().valid.to = bounds[k + 1];
    } else {
      pieces.push_back({{at, bounds[k + 1]}, over.top()});
    }
  }
  return pieces;
}

// Appends `s` to canonical `out`, merging it with an equal neighbour it
// touches. REQUIRES: s starts at or after out's last segment's end.
void Append(Timeline* out, Segment s) {
  if (!out->empty() && out->back().valid.to == s.valid.from && out->back().value == s.value) {
    out->back().valid.to = s.valid.to;
  } else {
    out->push_back(std::move(s));
  }
}

}  // namespace

bool IsCanonical(const Timeline& tl) {
  for (size_t i = 0; i < tl.size(); ++i) {
    if (!(tl[i].valid.from < tl[i].valid.to)) return false;
    if (i == 0) continue;
    const Segment& a = tl[i - 1];
    if (a.valid.to > tl[i].valid.from) return false;
    if (a.valid.to == tl[i].valid.from && a.value == tl[i].value) return false;
  }
  return true;
}

Timeline ApplyEdits(Timeline before, const std::vector<PortionEdit>& edits) {
  const std::vector<Piece> pieces = Overlay(edits);
  // One walk of both in order of from: the pieces replace what `before`
  // has under them, asserts with their values, retracts with nothing.
  Timeline out;
  out.reserve(before.size() + pieces.size() + 1);
  size_t p = 0;  // the next piece
  const auto emit_piece = [&] {
    if (const Value* v = edits[pieces[p].edit].value) Append(&out, {pieces[p].valid, *v});
    ++p;
  };
  for (Segment& s : before) {
    while (p < pieces.size() && pieces[p].valid.from < s.valid.from) emit_piece();
    // What the pieces leave of s, between them.
    Instant from = p > 0 ? std::max(s.valid.from, pieces[p - 1].valid.to) : s.valid.from;
    while (from < s.valid.to) {
      const Instant to = p < pieces.size() ? std::min(s.valid.to, pieces[p].valid.from) : s.valid.to;
      if (to == s.valid.to) {
        Append(&out, {{from, to}, std::move(s.value)});
        break;
      }
      if (from < to) Append(&out, {{from, to}, s.value});
      emit_piece();
      from = pieces[p - 1].valid.to;
    }
  }
  while (p < pieces.size()) emit_piece();
  return out;
}

}  // namespace hindsight::internal
