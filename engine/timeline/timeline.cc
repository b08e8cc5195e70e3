#include "timeline/timeline.h"

#include <utility>

namespace hindsight::internal {
namespace {

// Removes [valid.from, valid.to) from the timeline, splitting segments that
// straddle either end. Returns the index where a segment starting at
// valid.from belongs.
size_t Carve(Timeline* tl, Interval valid) {
  Timeline out;
  out.reserve(tl->size() + 2);
  size_t insert_at = 0;
  for (Segment& s : *tl) {
    if (s.valid.to <= valid.from) {
      out.push_back(std::move(s));
      insert_at = out.size();
      continue;
    }
    if (s.valid.from >= valid.to) {
      out.push_back(std::move(s));
      continue;
    }
    if (s.valid.from < valid.from) {
      out.push_back({{s.valid.from, valid.from}, s.value});
      insert_at = out.size();
    }
    if (valid.to < s.valid.to) out.push_back({{valid.to, s.valid.to}, std::move(s.value)});
  }
  *tl = std::move(out);
  return insert_at;
}

// Merges the segment at `i` with equal-valued neighbours it touches.
void CoalesceAround(Timeline* tl, size_t i) {
  if (i + 1 < tl->size() && (*tl)[i].valid.to == (*tl)[i + 1].valid.from &&
      (*tl)[i].value == (*tl)[i + 1].value) {
    (*tl)[i].valid.to = (*tl)[i + 1].valid.to;
    tl->erase(tl->begin() + static_cast<ptrdiff_t>(i) + 1);
  }
  if (i > 0 && (*tl)[i - 1].valid.to == (*tl)[i].valid.from && (*tl)[i - 1].value == (*tl)[i].value) {
    (*tl)[i - 1].valid.to = (*tl)[i].valid.to;
    tl->erase(tl->begin() + static_cast<ptrdiff_t>(i));
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

void ApplyAssert(Timeline* tl, Interval valid, const Value& value) {
  const size_t at = Carve(tl, valid);
  tl->insert(tl->begin() + static_cast<ptrdiff_t>(at), Segment{valid, value});
  CoalesceAround(tl, at);
}

void ApplyRetract(Timeline* tl, Interval valid) { Carve(tl, valid); }

}  // namespace hindsight::internal
