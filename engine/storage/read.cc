// The read side of DbImpl: pattern matching, timelines as of a transaction
// time, history.
#include <algorithm>
#include <bit>
#include <cstring>
#include <iterator>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "hindsight/log_record.h"
#include "storage/column_families.h"
#include "storage/db_impl.h"
#include "storage/records.h"
#include "storage/rocks_slice.h"
#include "storage/rocks_status.h"
#include "storage/slice_index.h"
#include "util/radix_sort.h"
#include "util/status_macros.h"
#include "util/thread_kept.h"

namespace hindsight::internal {

std::unique_ptr<DbImpl::ReadView> DbImpl::AcquireView() const {
  absl::MutexLock lock(&state_mu_);
  return std::make_unique<ReadView>(snapshot_, last_);
}

namespace {

// `record` whole, or only its live part (a damaged record is kept whole, so
// that decoding it reports the damage).
std::string RecordPart(std::string_view record, bool live_only) {
  if (live_only) {
    const absl::StatusOr<size_t> live = FirstMessageBytes(record);
    if (live.ok()) record = record.substr(0, *live);
  }
  return std::string(record);
}

// Gives `row` (a Row or HistoryRow the previous sink may have moved from)
// the names of `key`.
template <typename RowT, typename Key>
void SetNames(const Key& key, RowT* row) {
  row->key.subject = *key.subject;
  row->key.predicate = *key.predicate;
  row->key.object = *key.object;
}

// The first 16 bytes of a name (zero-padded) as big-endian integers:
// names whose prefixes differ compare as their prefixes do.
using NamePrefix = std::pair<uint64_t, uint64_t>;

NamePrefix PrefixOf(const std::string& name) {
  unsigned char bytes[16] = {};
  std::memcpy(bytes, name.data(), std::min(name.size(), sizeof(bytes)));
  uint64_t hi = 0, lo = 0;
  for (int i = 0; i < 8; ++i) {
    hi = hi << 8 | bytes[i];
    lo = lo << 8 | bytes[8 + i];
  }
  return {hi, lo};
}

// A slice hit with its names.
struct NamedHit {
  const std::string* subject;
  const std::string* object;
  const SliceHit* entry;
};

// `hits` with their names, in (subject, object) name order: sorted by ids
// when all of them are in the dictionary's ordered run (names first met in
// name order), else by the names' prefixes and, on a tie, the names.
absl::Status OrderByNames(const NameDictionary::Table& table, const std::vector<SliceHit>& hits,
                          std::vector<uint64_t>* keys, std::vector<uint64_t>* scratch, std::vector<NamedHit>* out) {
  bool ids_in_order = true;
  for (const SliceHit& e : hits) {
    const NameId greater = std::max(e.subject, e.object);
    if (greater >= table.names.size()) return absl::DataLossError("a key refers to an unknown name id");
    ids_in_order = ids_in_order && greater < table.ordered_ids;
  }
  out->clear();
  out->reserve(hits.size());
  const int id_bits = std::bit_width(table.ordered_ids);
  const int index_bits = std::bit_width(hits.size());
  if (ids_in_order && 2 * id_bits + index_bits <= 64) {
    // Sort keys (position in `hits`, subject id, object id) packed in one
    // integer, radix sorted on the ids only: no two hits have the same key.
    keys->clear();
    keys->reserve(hits.size());
    for (size_t i = 0; i < hits.size(); ++i) {
      keys->push_back(uint64_t{i} << 2 * id_bits | uint64_t{hits[i].subject} << id_bits | hits[i].object);
    }
    RadixSort(keys, 2 * id_bits, scratch);
    for (const uint64_t key : *keys) {
      const SliceHit& e = hits[key >> 2 * id_bits];
      out->push_back({&table.names[e.subject], &table.names[e.object], &e});
    }
    return absl::OkStatus();
  }
  struct Keyed {
    NamePrefix subject_prefix;
    NamePrefix object_prefix;
    NamedHit hit;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(hits.size());
  for (const SliceHit& e : hits) {
    const std::string& subject = table.names[e.subject];
    const std::string& object = table.names[e.object];
    keyed.push_back({PrefixOf(subject), PrefixOf(object), {&subject, &object, &e}});
  }
  std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
    if (a.hit.subject != b.hit.subject) {  // names are interned: same pointer, same name
      if (a.subject_prefix != b.subject_prefix) return a.subject_prefix < b.subject_prefix;
      return *a.hit.subject < *b.hit.subject;
    }
    if (a.object_prefix != b.object_prefix) return a.object_prefix < b.object_prefix;
    return *a.hit.object < *b.hit.object;
  });
  for (const Keyed& k : keyed) out->push_back(k.hit);
  return absl::OkStatus();
}

// The memory of a slice query besides its rows, which each thread keeps
// between its queries (ThreadKept). Besides saving its own allocation,
// this spares the next rows a slow path: a fresh allocation of this size
// makes glibc consolidate the small chunks the caller freed with its
// previous rows, so that the predicate copies of the next rows, one
// allocation each, no longer come from its fast per-size lists.
struct SliceQueryMemory {
  static constexpr size_t kKeptBytes = 16 << 20;

  SliceReadBuffers buckets;
  SliceHits hits;
  std::vector<uint64_t> sort_keys;
  std::vector<uint64_t> sort_scratch;
  std::vector<NamedHit> order;

  void Reset() {
    hits.hits.clear();
    hits.texts.clear();
  }
  bool WorthKeeping() const {
    return hits.hits.capacity() * sizeof(SliceHit) + hits.texts.capacity() + hits.aligned_copy.capacity * 8 +
               (sort_keys.capacity() + sort_scratch.capacity()) * 8 + order.capacity() * sizeof(NamedHit) <=
           kKeptBytes;
  }
};

// Whether names (a1, a2, a3) sort before (b1, b2, b3). A name both have
// (the same dictionary entry: the subject of every key of `S * *`) is not
// compared byte by byte.
bool NamesLess(const std::string* a1, const std::string* a2, const std::string* a3, const std::string* b1,
               const std::string* b2, const std::string* b3) {
  for (const auto& [a, b] : {std::pair{a1, b1}, std::pair{a2, b2}, std::pair{a3, b3}}) {
    if (a == b) continue;
    if (const int c = a->compare(*b); c != 0) return c < 0;
  }
  return false;
}

}  // namespace

// The key range that holds exactly the keys a pattern with these names
// matches (not all three given), and whether its values are the records.
struct DbImpl::KeyRange {
  int family = kTimelinesCf;
  std::string prefix;
  // The scan carries the records (or, in the object and subject indexes,
  // a copy of the live timelines).
  bool has_records = true;

  KeyRange(std::optional<NameId> s, std::optional<NameId> p, std::optional<NameId> o, bool live_only) {
    if (s) {
      if (o && !p) {
        Index(kObjectIndexTag, *o, *s);
      } else if (live_only) {  // the live copies of the subject index, not the whole records
        Index(kSubjectIndexTag, *s, p);
      } else {
        AppendNameId(&prefix, *s);
        if (p) AppendNameId(&prefix, *p);
      }
    } else if (p) {
      Index(kPredicateIndexTag, *p, o);
    } else if (o) {
      Index(kObjectIndexTag, *o, std::nullopt);
    }
    has_records = family == kTimelinesCf ||
                  (live_only && (prefix[0] == kObjectIndexTag || prefix[0] == kSubjectIndexTag));
  }
  size_t key_size() const { return family == kTimelinesCf ? kKeyIdsBytes : 1 + kKeyIdsBytes; }

 private:
  void Index(char tag, NameId first, std::optional<NameId> second) {
    family = kKeysCf;
    prefix.push_back(tag);
    AppendNameId(&prefix, first);
    if (second) AppendNameId(&prefix, *second);
  }
};

absl::StatusOr<std::vector<DbImpl::MatchedKey>> DbImpl::MatchingKeys(const Pattern& pattern, bool live_only,
                                                                     const ReadView& view) const {
  // Resolve the given names; an unknown name matches nothing.
  std::optional<NameId> s, p, o;
  if (pattern.subject && !(s = names_.Find(*pattern.subject))) return std::vector<MatchedKey>();
  if (pattern.predicate && !(p = names_.Find(*pattern.predicate))) return std::vector<MatchedKey>();
  if (pattern.object && !(o = names_.Find(*pattern.object))) return std::vector<MatchedKey>();
  std::vector<KeyIds> ids;
  std::vector<std::string> records;  // filled when the scan reads the timeline records themselves
  if (s && p && o) {
    ids.push_back({*s, *p, *o});
  } else {
    const KeyRange range(s, p, o, live_only);
    HS_RETURN_IF_ERROR(ScanKeys(range, live_only, view, &ids, &records));
    if (!range.has_records) HS_RETURN_IF_ERROR(ReadRecords(ids, live_only, view, &records));
  }
  return Named(ids, std::move(records));
}

absl::Status DbImpl::ScanKeys(const KeyRange& range, bool live_only, const ReadView& view, std::vector<KeyIds>* ids,
                              std::vector<std::string>* records) const {
  rocksdb::ReadOptions ro = view.Options();
  const std::string upper = PrefixSuccessor(range.prefix);
  rocksdb::Slice upper_slice(upper);
  if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(range.family)));
  for (it->Seek(range.prefix); it->Valid(); it->Next()) {
    const std::string_view key = View(it->key());
    if (range.family == kTimelinesCf && key.size() == kLiveChunkKeyBytes) continue;  // read with its record
    if (key.size() != range.key_size()) {
      return absl::DataLossError(absl::StrCat("damaged key in ", kColumnFamilyNames[range.family]));
    }
    ids->push_back(range.family == kTimelinesCf ? DecodeLiveKey(key) : DecodeIndexKey(key));
    if (range.has_records) records->emplace_back(RecordPart(View(it->value()), live_only));
  }
  return FromRocks(it->status(), "cannot scan keys");
}

absl::Status DbImpl::ReadRecords(const std::vector<KeyIds>& ids, bool live_only, const ReadView& view,
                                 std::vector<std::string>* records) const {
  if (ids.empty()) return absl::OkStatus();
  std::vector<std::string> keys;
  keys.reserve(ids.size());
  for (const KeyIds& k : ids) keys.push_back(LiveKey(k));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(ids.size());
  std::vector<rocksdb::Status> statuses(ids.size());
  db_->MultiGet(view.Options(), cf(kTimelinesCf), slices.size(), slices.data(), values.data(), statuses.data());
  records->resize(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;  // "" = no record
    HS_RETURN_IF_ERROR(FromRocks(statuses[i], "cannot read timelines"));
    (*records)[i] = RecordPart(View(values[i]), live_only);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<DbImpl::MatchedKey>> DbImpl::Named(const std::vector<KeyIds>& ids,
                                                              std::vector<std::string> records) const {
  std::vector<MatchedKey> out;
  out.reserve(ids.size());
  bool ids_in_order = true;  // every id compares as its name does
  const bool names_known = names_.WithTable([&](const NameDictionary::Table& table) {
    for (size_t i = 0; i < ids.size(); ++i) {
      const KeyIds& k = ids[i];
      const NameId greatest = std::max({k.subject, k.predicate, k.object});
      if (greatest >= table.names.size()) return false;
      ids_in_order = ids_in_order && greatest < table.ordered_ids;
      out.push_back({k, &table.names[k.subject], &table.names[k.predicate], &table.names[k.object],
                     !records.empty(), records.empty() ? std::string() : std::move(records[i])});
    }
    return true;
  });
  if (!names_known) return absl::DataLossError("a key refers to an unknown name id");
  if (out.size() > 1) {
    if (ids_in_order) {
      std::sort(out.begin(), out.end(), [](const MatchedKey& a, const MatchedKey& b) {
        return std::tie(a.ids.subject, a.ids.predicate, a.ids.object) <
               std::tie(b.ids.subject, b.ids.predicate, b.ids.object);
      });
    } else {
      std::sort(out.begin(), out.end(), [](const MatchedKey& a, const MatchedKey& b) {
        return NamesLess(a.subject, a.predicate, a.object, b.subject, b.predicate, b.object);
      });
    }
  }
  return out;
}

absl::StatusOr<std::string_view> DbImpl::RecordOf(const MatchedKey& key, const ReadView& view,
                                                  rocksdb::PinnableSlice* holder) const {
  if (key.record_read) return std::string_view(key.record);
  const rocksdb::Status s = db_->Get(view.Options(), cf(kTimelinesCf), LiveKey(key.ids), holder);
  if (s.IsNotFound()) return std::string_view();
  HS_RETURN_IF_ERROR(FromRocks(s, "cannot read timeline"));
  return View(*holder);
}

absl::StatusOr<std::string> DbImpl::ReadLiveChunk(const KeyIds& ids, Instant start,
                                                  const rocksdb::ReadOptions& options) const {
  std::string chunk;
  const rocksdb::Status s = db_->Get(options, cf(kTimelinesCf), LiveChunkKey(ids, start), &chunk);
  if (s.IsNotFound()) {
    return KeyDataLoss(kTimelinesCf, ids, absl::DataLossError(absl::StrCat("the live chunk from ", FormatInstant(start),
                                                                           " of a timeline record is missing")));
  }
  HS_RETURN_IF_ERROR(FromRocks(s, "cannot read a live chunk"));
  return chunk;
}

absl::StatusOr<std::vector<StoredSegment>> DbImpl::LivePart(const KeyIds& ids, std::string_view record,
                                                            const rocksdb::ReadOptions& options,
                                                            Instant* spilled_through, Interval within) const {
  if (spilled_through != nullptr) *spilled_through = kNegInf;
  if (record.empty()) return std::vector<StoredSegment>();
  std::vector<Instant> chunk_starts;
  auto own = DecodeLiveTimeline(record, spilled_through, &chunk_starts);
  if (!own.ok()) return KeyDataLoss(kTimelinesCf, ids, own.status());
  if (chunk_starts.empty()) return own;
  std::vector<StoredSegment> segments;
  for (size_t c = 0; c < chunk_starts.size(); ++c) {
    // A chunk's segments start before the next chunk's, and end by its start.
    if (chunk_starts[c] >= within.to) break;
    if (c + 1 < chunk_starts.size() && chunk_starts[c + 1] <= within.from) continue;
    HS_ASSIGN_OR_RETURN(const std::string chunk, ReadLiveChunk(ids, chunk_starts[c], options));
    auto chunk_segments = DecodeLiveTimeline(chunk);
    if (!chunk_segments.ok()) return KeyDataLoss(kTimelinesCf, ids, chunk_segments.status());
    segments.insert(segments.end(), std::make_move_iterator(chunk_segments->begin()),
                    std::make_move_iterator(chunk_segments->end()));
  }
  segments.insert(segments.end(), std::make_move_iterator(own->begin()), std::make_move_iterator(own->end()));
  return segments;
}

absl::StatusOr<std::optional<StoredSegment>> DbImpl::LiveSegmentAt(const KeyIds& ids, std::string_view record,
                                                                   Instant v, const ReadView& view,
                                                                   Instant* spilled_through) const {
  std::optional<Instant> in_chunk;
  absl::StatusOr<std::optional<StoredSegment>> hit = DecodeLiveSegmentAt(record, v, spilled_through, &in_chunk);
  if (!hit.ok()) return KeyDataLoss(kTimelinesCf, ids, hit.status());
  if (!in_chunk) return hit;
  HS_ASSIGN_OR_RETURN(const std::string chunk, ReadLiveChunk(ids, *in_chunk, view.Options()));
  hit = DecodeLiveSegmentAt(chunk, v);
  if (!hit.ok()) return KeyDataLoss(kTimelinesCf, ids, hit.status());
  return hit;
}

absl::StatusOr<std::vector<ClosedRecord>> DbImpl::ClosedRows(const KeyIds& ids, std::string_view record,
                                                             Instant spilled_through,
                                                             const ClosedRowFilter& filter,
                                                             const ReadView& view) const {
  if (record.empty()) return std::vector<ClosedRecord>();
  absl::StatusOr<size_t> live = FirstMessageBytes(record);
  if (!live.ok()) return KeyDataLoss(kTimelinesCf, ids, live.status());
  absl::StatusOr<std::vector<ClosedRecord>> rows = DecodeClosedRows(record.substr(*live), filter);
  const std::optional<Instant>& visible_at = filter.visible_at;
  if (!rows.ok()) return KeyDataLoss(kTimelinesCf, ids, rows.status());
  // Rows visible at t have txTo > t: only chunks whose largest txTo is
  // past t can hold some.
  if (spilled_through == kNegInf || (visible_at && *visible_at >= spilled_through)) return rows;
  const std::string prefix = LiveKey(ids);
  const std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro = view.Options();
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(kHistoryCf)));
  for (it->Seek(visible_at ? HistorySeekKey(ids, *visible_at) : prefix); it->Valid(); it->Next()) {
    absl::StatusOr<std::vector<ClosedRecord>> chunk = DecodeClosedRows(View(it->value()), filter);
    if (!chunk.ok()) return KeyDataLoss(kHistoryCf, ids, chunk.status());
    for (ClosedRecord& r : *chunk) rows->push_back(std::move(r));
    // A row of a later chunk visible at t was alive at this chunk's
    // largest txTo, which is past t: none began by t.
    if (visible_at && HistoryKeyAliveFrom(View(it->key())) > *visible_at) break;
  }
  HS_RETURN_IF_ERROR(FromRocks(it->status(), "cannot read history"));
  return rows;
}

absl::Status DbImpl::KeyDataLoss(int family, const KeyIds& ids, const absl::Status& status) const {
  return absl::DataLossError(absl::StrCat(status.message(), " (column family ", kColumnFamilyNames[family], ", key (",
                                          names_.Name(ids.subject), ", ", names_.Name(ids.predicate), ", ",
                                          names_.Name(ids.object), "))"));
}

absl::StatusOr<Timeline> DbImpl::ReadTimelineAsOf(const MatchedKey& key, Instant t, const ReadView& view) const {
  rocksdb::PinnableSlice holder;
  HS_ASSIGN_OR_RETURN(const std::string_view record, RecordOf(key, view, &holder));
  Instant spilled_through;
  HS_ASSIGN_OR_RETURN(std::vector<StoredSegment> live, LivePart(key.ids, record, view.Options(), &spilled_through));
  HS_ASSIGN_OR_RETURN(
      std::vector<ClosedRecord> closed,
      ClosedRows(key.ids, record, spilled_through, {.visible_at = t, .containing = std::nullopt}, view));
  Timeline tl;
  tl.reserve(live.size() + closed.size());
  for (StoredSegment& s : live) {
    if (s.tx_from <= t) tl.push_back(std::move(s.segment));
  }
  for (ClosedRecord& row : closed) tl.push_back(std::move(row.segment));
  std::sort(tl.begin(), tl.end(), [](const Segment& a, const Segment& b) { return a.valid.from < b.valid.from; });
  return tl;
}

absl::StatusOr<std::optional<Segment>> DbImpl::ReadSegmentAsOf(const MatchedKey& key, Instant v, Instant t,
                                                               const ReadView& view) const {
  rocksdb::PinnableSlice holder;
  HS_ASSIGN_OR_RETURN(const std::string_view record, RecordOf(key, view, &holder));
  if (record.empty()) return std::nullopt;
  // Segments of TL(k, t) do not overlap: a live one containing v that t
  // sees is the answer; else a closed row visible at t, if one contains v.
  Instant spilled_through;
  HS_ASSIGN_OR_RETURN(std::optional<StoredSegment> live, LiveSegmentAt(key.ids, record, v, view, &spilled_through));
  if (live && live->tx_from <= t) return std::move(live->segment);
  HS_ASSIGN_OR_RETURN(std::vector<ClosedRecord> closed,
                      ClosedRows(key.ids, record, spilled_through, {.visible_at = t, .containing = v}, view));
  if (closed.empty()) return std::nullopt;
  return std::move(closed.front().segment);
}

absl::StatusOr<DbImpl::ReadTime> DbImpl::ResolveAsOf(const TxTimeClause& as_of, const ReadView& view) const {
  switch (as_of.kind) {
    case TxTimeClause::Kind::kLatest:
      return ReadTime{};
    case TxTimeClause::Kind::kAsOfTime:
      return ReadTime{.latest = as_of.time >= view.last().time, .t = as_of.time};
    case TxTimeClause::Kind::kAsOfTx: {
      const uint64_t id = as_of.tx_id;
      if (id < 1 || id > view.last().id) {
        return absl::InvalidArgumentError(
            absl::StrCat("no transaction ", id, " (transactions are 1..", view.last().id, ")"));
      }
      HS_ASSIGN_OR_RETURN(const TransactionInfo info, ReadTransactionInfo(id, view.snapshot()));
      return ReadTime{.latest = id == view.last().id, .t = info.time};
    }
  }
  return ReadTime{};
}

absl::StatusOr<std::optional<Segment>> DbImpl::SegmentAt(const MatchedKey& key, Instant v, ReadTime when,
                                                         const ReadView& view) const {
  if (!when.latest) return ReadSegmentAsOf(key, v, when.t, view);
  // The common point lookup: decode only the segment containing v.
  rocksdb::PinnableSlice holder;
  HS_ASSIGN_OR_RETURN(const std::string_view record, RecordOf(key, view, &holder));
  if (record.empty()) return std::nullopt;
  HS_ASSIGN_OR_RETURN(std::optional<StoredSegment> hit, LiveSegmentAt(key.ids, record, v, view));
  if (!hit) return std::nullopt;
  return std::move(hit->segment);
}

absl::StatusOr<Timeline> DbImpl::TimelineAt(const MatchedKey& key, ReadTime when, Interval within,
                                             const ReadView& view) const {
  if (!when.latest) return ReadTimelineAsOf(key, when.t, view);
  rocksdb::PinnableSlice holder;
  HS_ASSIGN_OR_RETURN(const std::string_view record, RecordOf(key, view, &holder));
  HS_ASSIGN_OR_RETURN(std::vector<StoredSegment> live, LivePart(key.ids, record, view.Options(), nullptr, within));
  Timeline tl;
  tl.reserve(live.size());
  for (StoredSegment& s : live) tl.push_back(std::move(s.segment));
  return tl;
}

absl::Status DbImpl::Scan(const struct Query& query, const RowSink& sink) const {
  if (query.valid.kind == ValidTimeClause::Kind::kDuring && !(query.valid.during.from < query.valid.during.to)) {
    return absl::InvalidArgumentError("during [from, to) needs from < to");
  }
  const std::unique_ptr<ReadView> view = AcquireView();
  HS_ASSIGN_OR_RETURN(const ReadTime when, ResolveAsOf(query.as_of, *view));
  const bool at = query.valid.kind == ValidTimeClause::Kind::kAt;
  if (when.latest && at && query.pattern.predicate && !query.pattern.subject && !query.pattern.object) {
    return ScanSliceAt(*query.pattern.predicate, query.valid.at, *view, sink);
  }
  HS_ASSIGN_OR_RETURN(const std::vector<MatchedKey> keys, MatchingKeys(query.pattern, when.latest, *view));
  Row row;
  const auto emit = [&](const MatchedKey& key, Segment segment) {
    SetNames(key, &row);
    row.value = std::move(segment.value);
    row.valid = segment.valid;
    return sink(row);
  };
  for (const MatchedKey& key : keys) {
    if (at) {
      HS_ASSIGN_OR_RETURN(std::optional<Segment> hit, SegmentAt(key, query.valid.at, when, *view));
      if (hit && !emit(key, std::move(*hit))) return absl::OkStatus();
      continue;
    }
    const bool during = query.valid.kind == ValidTimeClause::Kind::kDuring;
    const Interval within = during ? query.valid.during : Interval{kNegInf, kPosInf};
    HS_ASSIGN_OR_RETURN(Timeline tl, TimelineAt(key, when, within, *view));
    for (Segment& segment : tl) {
      if (during && !segment.valid.Overlaps(query.valid.during)) continue;
      if (!emit(key, std::move(segment))) return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

absl::Status DbImpl::ScanSliceAt(const std::string& predicate, Instant v, const ReadView& view,
                                 const RowSink& sink) const {
  const std::optional<NameId> p = names_.Find(predicate);
  if (!p) return absl::OkStatus();
  const ThreadKept<SliceQueryMemory> memory;
  SliceHits& hits = memory->hits;
  HS_RETURN_IF_ERROR(VisitSliceBucketsAt(db_.get(), view.Options(), cf(kSlicesCf), slice_catalog_, *p, v,
                                         [&](std::string_view bucket) {
    return DecodeSliceBucketAt(bucket, v, &hits);
  }, &memory->buckets));
  const std::vector<NamedHit>& order = memory->order;
  HS_RETURN_IF_ERROR(names_.WithTable([&](const NameDictionary::Table& table) {
    return OrderByNames(table, hits.hits, &memory->sort_keys, &memory->sort_scratch, &memory->order);
  }));
  // The hits are scattered in memory in name order: fetch a few rows ahead.
  constexpr size_t kAhead = 8;
  Row row;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i + kAhead < order.size()) {
      const NamedHit& next = order[i + kAhead];
      __builtin_prefetch(next.subject);
      __builtin_prefetch(next.object);
      __builtin_prefetch(next.entry);
    }
    const NamedHit& h = order[i];
    row.key.predicate = predicate;
    row.key.subject = *h.subject;
    row.key.object = *h.object;
    row.value = hits.ValueOf(*h.entry);
    row.valid = h.entry->valid;
    if (!sink(row)) break;
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> DbImpl::ReadHistory(const MatchedKey& key, const ReadView& view, const HistorySink& sink,
                                         const TxWindow* changed) const {
  rocksdb::PinnableSlice holder;
  HS_ASSIGN_OR_RETURN(const std::string_view record, RecordOf(key, view, &holder));
  Instant spilled_through;
  HS_ASSIGN_OR_RETURN(std::vector<StoredSegment> live, LivePart(key.ids, record, view.Options(), &spilled_through));
  HS_ASSIGN_OR_RETURN(std::vector<ClosedRecord> rows,
                      ClosedRows(key.ids, record, spilled_through, {}, view));
  rows.reserve(rows.size() + live.size());
  for (StoredSegment& s : live) rows.push_back({std::move(s.segment), {s.tx_from, kPosInf}});
  const auto changed_in_window = [changed](const ClosedRecord& r) {
    return changed->Holds(r.tx.from) || (r.tx.to != kPosInf && changed->Holds(r.tx.to));
  };
  if (changed != nullptr && std::none_of(rows.begin(), rows.end(), changed_in_window)) return true;
  // Sort positions, not rows: a row moves a value and two intervals.
  std::vector<uint32_t> order(rows.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&rows](uint32_t a, uint32_t b) {
    return std::tie(rows[a].tx.from, rows[a].segment.valid.from) <
           std::tie(rows[b].tx.from, rows[b].segment.valid.from);
  });
  HistoryRow out;
  for (const uint32_t i : order) {
    SetNames(key, &out);
    out.value = std::move(rows[i].segment.value);
    out.valid = rows[i].segment.valid;
    out.tx = rows[i].tx;
    if (!sink(out)) return false;
  }
  return true;
}

absl::Status DbImpl::ScanHistory(const Pattern& pattern, const HistorySink& sink) const {
  const std::unique_ptr<ReadView> view = AcquireView();
  HS_ASSIGN_OR_RETURN(const std::vector<MatchedKey> keys, MatchingKeys(pattern, false, *view));
  for (const MatchedKey& key : keys) {
    HS_ASSIGN_OR_RETURN(const bool more, ReadHistory(key, *view, sink));
    if (!more) break;
  }
  return absl::OkStatus();
}

absl::Status DbImpl::ScanHistoryChanged(const Pattern& pattern, Instant after, Instant through,
                                        const HistorySink& sink) const {
  const std::unique_ptr<ReadView> view = AcquireView();
  const TxWindow window{after, through};
  // The window's log records are worth reading instead of the pattern's
  // keys while they name few keys for those stored.
  constexpr uint64_t kLeastOperations = 4096;
  uint64_t stored_keys = 0;
  db_->GetIntProperty(cf(kTimelinesCf), "rocksdb.estimate-num-keys", &stored_keys);
  HS_ASSIGN_OR_RETURN(std::optional<std::vector<MatchedKey>> named,
                      KeysNamedIn(pattern, window, std::max(kLeastOperations, stored_keys / 8), *view));
  std::vector<MatchedKey> keys;
  if (named) {
    keys = std::move(*named);
  } else {
    HS_ASSIGN_OR_RETURN(keys, MatchingKeys(pattern, false, *view));
  }
  for (const MatchedKey& key : keys) {
    HS_ASSIGN_OR_RETURN(const bool more, ReadHistory(key, *view, sink, &window));
    if (!more) break;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::vector<DbImpl::MatchedKey>>> DbImpl::KeysNamedIn(const Pattern& pattern,
                                                                                 TxWindow window,
                                                                                 uint64_t max_operations,
                                                                                 const ReadView& view) const {
  if (window.through <= window.after || window.after >= view.last().time) return std::vector<MatchedKey>();
  HS_ASSIGN_OR_RETURN(const uint64_t first, FirstTransactionAfter(window.after, view));
  // The window's transactions, from their small infos: [first, end).
  uint64_t end = first, operations = 0;
  for (; end <= view.last().id; ++end) {
    HS_ASSIGN_OR_RETURN(const TransactionInfo info, ReadTransactionInfo(end, view.snapshot()));
    if (!window.Holds(info.time)) break;
    operations += info.operation_count;
    if (operations > max_operations) return std::nullopt;
  }
  // The keys their operations name (an erased key, named by digest, has no
  // rows left to change).
  const auto matches = [&pattern](const FactKey& k) {
    return (!pattern.subject || *pattern.subject == k.subject) &&
           (!pattern.predicate || *pattern.predicate == k.predicate) &&
           (!pattern.object || *pattern.object == k.object);
  };
  absl::flat_hash_set<KeyIds> seen;
  std::vector<KeyIds> ids;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(view.Options(), cf(kTxLogCf)));
  for (it->Seek(TxKey(first)); it->Valid() && DecodeUint64(it->key().data()) < end; it->Next()) {
    absl::StatusOr<LogRecord> record = DecodeLogRecord(View(it->value()));
    if (!record.ok()) {
      return absl::DataLossError(
          absl::StrCat(record.status().message(), " (txlog key ", it->key().ToString(true), ")"));
    }
    for (const Operation& op : record->txn.operations()) {
      if (!op.key_digest.empty() || !matches(op.key)) continue;
      const std::optional<KeyIds> key = names_.FindKey(op.key);
      if (key && seen.insert(*key).second) ids.push_back(*key);
    }
  }
  HS_RETURN_IF_ERROR(FromRocks(it->status(), "cannot read the transaction log"));
  return Named(ids, {});
}

absl::StatusOr<uint64_t> DbImpl::FirstTransactionAfter(Instant t, const ReadView& view) const {
  uint64_t lo = 1, hi = view.last().id + 1;  // the answer lies in [lo, hi]
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    HS_ASSIGN_OR_RETURN(const TransactionInfo info, ReadTransactionInfo(mid, view.snapshot()));
    if (info.time > t) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

absl::Status DbImpl::ScanLog(uint64_t first_id,
                             const std::function<bool(const TransactionInfo&, const Transaction&)>& sink) const {
  const std::unique_ptr<ReadView> view = AcquireView();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(view->Options(), cf(kTxLogCf)));
  for (it->Seek(TxKey(first_id)); it->Valid(); it->Next()) {
    absl::StatusOr<LogRecord> record = DecodeLogRecord(View(it->value()));
    if (!record.ok()) {
      return absl::DataLossError(
          absl::StrCat(record.status().message(), " (txlog key ", it->key().ToString(true), ")"));
    }
    if (!sink(record->info, record->txn)) return absl::OkStatus();
  }
  return FromRocks(it->status(), "cannot scan the transaction log");
}

absl::StatusOr<std::vector<std::string>> DbImpl::NamesWithPrefix(const std::string& prefix, size_t limit) const {
  std::vector<std::string> names;
  // A name in use is the first of the names it starts: the dictionary,
  // which mirrors the names, answers "is this a name" without an iterator.
  if (limit == 1 && names_.Find(prefix)) return std::vector<std::string>{prefix};
  const std::unique_ptr<ReadView> view = AcquireView();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(view->Options(), cf(kNamesCf)));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix) && names.size() < limit; it->Next()) {
    names.push_back(it->key().ToString());
  }
  HS_RETURN_IF_ERROR(FromRocks(it->status(), "cannot list names"));
  return names;
}

absl::Status DbImpl::ListTransactions(uint64_t first_id,
                                      const std::function<bool(const TransactionInfo&)>& sink) const {
  const std::unique_ptr<ReadView> view = AcquireView();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(view->Options(), cf(kTxInfoCf)));
  for (it->Seek(TxKey(first_id)); it->Valid(); it->Next()) {
    absl::StatusOr<TransactionInfo> info = DecodeTransactionInfo(View(it->value()));
    if (!info.ok()) {
      return absl::DataLossError(absl::StrCat(info.status().message(), " (txinfo key ", it->key().ToString(true), ")"));
    }
    if (!sink(*info)) return absl::OkStatus();
  }
  return FromRocks(it->status(), "cannot list transactions");
}

}  // namespace hindsight::internal

namespace hindsight {

void ReleaseThreadMemory() {
  internal::ThreadKept<internal::SliceQueryMemory>::Release();
  internal::ReleaseKeptRecordSegment();
}

}  // namespace hindsight
