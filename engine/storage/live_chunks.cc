#include "storage/live_chunks.h"

#include <algorithm>
#include <iterator>

namespace hindsight::internal {

LiveWindow ChooseLiveWindow(const std::vector<Instant>& chunk_starts, std::optional<Instant> record_first_from,
                            Instant lo, Instant hi) {
  const size_t chunks = chunk_starts.size();
  if (chunks == 0) return {};
  // The piece whose segments start at or before x, the last such; the
  // first piece for an x before them all.
  const auto piece_of = [&](Instant x) -> size_t {
    if (record_first_from && *record_first_from <= x) return chunks;
    const size_t after = std::upper_bound(chunk_starts.begin(), chunk_starts.end(), x) - chunk_starts.begin();
    return after == 0 ? 0 : after - 1;
  };
  const size_t first = piece_of(lo);
  size_t last = piece_of(hi);
  // A record without segments takes what comes after the last chunk.
  if (!record_first_from && last == chunks - 1) last = chunks;
  return {first, std::min(last + 1, chunks), last == chunks};
}

LiveLayout LayOutLiveWindow(const std::vector<Instant>& chunk_starts, const LiveWindow& window,
                            std::vector<StoredSegment> window_segments, std::vector<StoredSegment> record_segments,
                            size_t chunk_segments) {
  LiveLayout out;
  out.chunk_starts.assign(chunk_starts.begin(), chunk_starts.begin() + window.first);
  size_t next = 0;
  const auto move_to_chunk = [&](size_t count) {
    const auto begin = window_segments.begin() + next;
    std::vector<StoredSegment> chunk(std::make_move_iterator(begin), std::make_move_iterator(begin + count));
    out.chunk_starts.push_back(chunk.front().segment.valid.from);
    out.chunks_written.emplace_back(chunk.front().segment.valid.from, std::move(chunk));
    next += count;
  };
  const size_t total = window_segments.size();
  while (total - next > 2 * chunk_segments) move_to_chunk(chunk_segments);
  if (window.with_record) {
    out.record_segments.assign(std::make_move_iterator(window_segments.begin() + next),
                               std::make_move_iterator(window_segments.end()));
  } else {
    if (next < total) move_to_chunk(total - next);
    out.record_segments = std::move(record_segments);
  }
  out.chunk_starts.insert(out.chunk_starts.end(), chunk_starts.begin() + window.end, chunk_starts.end());
  for (size_t k = window.first; k < window.end; ++k) {
    const auto rewritten = [&](const auto& chunk) { return chunk.first == chunk_starts[k]; };
    if (std::none_of(out.chunks_written.begin(), out.chunks_written.end(), rewritten)) {
      out.chunks_removed.push_back(chunk_starts[k]);
    }
  }
  return out;
}

}  // namespace hindsight::internal
