// A long live timeline, kept in chunks. A key whose live timeline grows
// past twice Options::live_chunk_segments segments (a value that changed
// every day for years) keeps its earlier segments in chunks of about that
// many, each a record of its own in "timelines" (LiveChunkKey: the key's
// ids and the chunk's first from), and in its own record only the last
// segments and the chunks' starts (schema/records.capnp, LiveTimeline). A
// commit then reads and rewrites the pieces its operations reach, not the
// whole timeline; a read at an instant reads one piece.
//
// Pure: which pieces a transaction needs, and how the segments it leaves
// there are laid out again. The planner (commit_planner.h) reads and writes.
#ifndef HINDSIGHT_STORAGE_LIVE_CHUNKS_H_
#define HINDSIGHT_STORAGE_LIVE_CHUNKS_H_

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "hindsight/time.h"
#include "storage/records.h"

namespace hindsight::internal {

// The pieces of a live timeline a transaction reads and rewrites: chunks
// [first, end) of the key's chunk starts, then the record's own segments
// when `with_record`. Contiguous, so their segments are too.
struct LiveWindow {
  size_t first = 0;
  size_t end = 0;
  bool with_record = true;
  friend bool operator==(const LiveWindow&, const LiveWindow&) = default;
};

// The window holding every segment that operations over valid times
// within [lo, hi] may change or coalesce with, where lo is the least of
// their froms less 1 µs (kNegInf for a from of -inf) and hi the greatest of
// their tos. `record_first_from`: the from of the record's first segment
// (nullopt: it has none). Without chunks, the record alone.
LiveWindow ChooseLiveWindow(const std::vector<Instant>& chunk_starts, std::optional<Instant> record_first_from,
                            Instant lo, Instant hi);

// Every piece.
inline LiveWindow WholeLiveWindow(const std::vector<Instant>& chunk_starts) {
  return {0, chunk_starts.size(), true};
}

// The layout after a transaction: the record's segments and every chunk's
// start, which chunks to write and which to delete.
struct LiveLayout {
  std::vector<StoredSegment> record_segments;
  std::vector<Instant> chunk_starts;
  std::vector<std::pair<Instant, std::vector<StoredSegment>>> chunks_written;
  std::vector<Instant> chunks_removed;
};

// Lays out `window_segments`, what the transaction leaves in `window` (in
// order), between the pieces outside it. `record_segments`: the record's
// own, kept when the window does not reach them. A window with the record
// keeps up to 2 x `chunk_segments` in it and moves the first ones to
// chunks of `chunk_segments` beyond that; a window without it keeps its
// segments in one chunk up to twice that size, or splits them likewise.
// An emptied chunk is removed. REQUIRES: chunk_segments > 0.
LiveLayout LayOutLiveWindow(const std::vector<Instant>& chunk_starts, const LiveWindow& window,
                            std::vector<StoredSegment> window_segments, std::vector<StoredSegment> record_segments,
                            size_t chunk_segments);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_LIVE_CHUNKS_H_
