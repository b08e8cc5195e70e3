// The only place that turns records into Cap'n Proto bytes and back
// (schema/records.capnp). Decoding copies into word-aligned storage first and
// bounds the traversal; a record that fails to decode is DataLoss.
#ifndef HINDSIGHT_STORAGE_RECORDS_H_
#define HINDSIGHT_STORAGE_RECORDS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "hindsight/time.h"
#include "hindsight/transaction.h"
#include "hindsight/value.h"
#include "timeline/timeline.h"

namespace hindsight::internal {

// A live segment with the transaction time that introduced it.
struct StoredSegment {
  Segment segment;
  Instant tx_from = kNegInf;
};

// A row that left the latest timeline: part of TL(k, t) for
// tx.from <= t < tx.to.
struct ClosedRecord {
  Segment segment;
  Interval tx;
};

struct MetaRecord {
  uint32_t format_version = 0;
  uint64_t last_tx_id = 0;
  Instant last_tx_time = kNegInf;
  uint32_t next_name_id = 0;
};

// A committed transaction as the log keeps it.
struct TransactionRecord {
  uint64_t id = 0;
  Instant time = kNegInf;
  std::string source;
  std::vector<Operation> operations;
};

// A key's timeline record (column family "timelines") is its LiveTimeline
// message followed by zero or more ClosedRows messages. The live decoders
// below read the first message of `bytes` and ignore what follows; the
// closed rows are DecodeClosedRows(bytes.substr(FirstMessageBytes(bytes))).
// `spilled_through`: the largest txTo of the key's rows moved to column
// family "history" (kNegInf: none). `chunk_starts`: of the key's live
// chunks stored apart, whose segments come before `segments`
// (storage/live_chunks.h); a chunk's own message has none.
std::string EncodeLiveTimeline(const std::vector<StoredSegment>& segments, Instant spilled_through = kNegInf,
                               const std::vector<Instant>& chunk_starts = {});
absl::StatusOr<std::vector<StoredSegment>> DecodeLiveTimeline(std::string_view bytes,
                                                              Instant* spilled_through = nullptr,
                                                              std::vector<Instant>* chunk_starts = nullptr);

// The length in bytes of the first Cap'n Proto message of `bytes`, read
// from its segment table; DataLoss if it does not fit in `bytes`.
absl::StatusOr<size_t> FirstMessageBytes(std::string_view bytes);

// Only the segment containing `v` (nullopt if none): a binary search over
// the encoded list, materializing one value. Also `spilled_through`, if asked.
// When `v` comes before the message's segments and one of its chunks starts
// at or before `v`, the answer is in that chunk, not here: `*in_chunk` is
// set to its start (and stays nullopt otherwise).
absl::StatusOr<std::optional<StoredSegment>> DecodeLiveSegmentAt(std::string_view bytes, Instant v,
                                                                 Instant* spilled_through = nullptr,
                                                                 std::optional<Instant>* in_chunk = nullptr);

// One ClosedRows message: the rows one commit closed.
std::string EncodeClosedRows(const std::vector<ClosedRecord>& rows);
// Which closed rows a read wants: with `visible_at` t, only those with
// tx.from <= t < tx.to; with `containing` v, only those whose valid time
// contains v.
struct ClosedRowFilter {
  std::optional<Instant> visible_at;
  std::optional<Instant> containing;
};
// The rows of concatenated ClosedRows messages ("" = none) that `filter`
// keeps, in stored order; only their values are materialized.
absl::StatusOr<std::vector<ClosedRecord>> DecodeClosedRows(std::string_view bytes, const ClosedRowFilter& filter);

// A live segment as a bucket of the slice index lists it (column family
// "slices", storage/slice_index.h).
struct SliceRecordEntry {
  uint32_t subject = 0;  // name ids
  uint32_t object = 0;
  Segment segment;
};
// One segment of a bucket: a key's live segments never overlap, so its
// subject, object and start name it.
struct SliceEntryId {
  uint32_t subject = 0;
  uint32_t object = 0;
  Instant from = kNegInf;
  friend bool operator==(const SliceEntryId&, const SliceEntryId&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const SliceEntryId& id) {
    return H::combine(std::move(h), id.subject, id.object, id.from);
  }
};

// A bucket's value: its entries, stored sorted by (from, to, subject,
// object) whatever their order in `entries`.
std::string EncodeSliceBucket(std::vector<SliceRecordEntry> entries);
// Appends every entry of a bucket to `out`, in stored order. Reads the
// buckets of format 2 as well (for merges of a database being upgraded).
absl::Status DecodeSliceBucket(std::string_view bytes, std::vector<SliceRecordEntry>* out);

// Word-aligned memory an unaligned record is copied to before Cap'n Proto
// reads it. It only grows, and is not zeroed first.
struct AlignedCopy {
  std::unique_ptr<uint64_t[]> words;
  size_t capacity = 0;  // in words

  // At least `count` words.
  uint64_t* Reserve(size_t count) {
    if (count > capacity) {
      words = std::make_unique_for_overwrite<uint64_t[]>(count);
      capacity = count;
    }
    return words.get();
  }
};

// The entries of buckets whose segments contain an instant, as plain data:
// a string value's bytes are in `texts`, so a hit allocates nothing.
struct SliceHit {
  uint32_t subject = 0;  // name ids
  uint32_t object = 0;
  Interval valid;
  Value::Type kind = Value::Type::kNone;
  uint64_t word = 0;  // int64, float64 bits, bool; string: offset << 32 | size in texts
};
struct SliceHits {
  std::vector<SliceHit> hits;
  std::string texts;
  AlignedCopy aligned_copy;  // reused for each unaligned bucket

  Value ValueOf(const SliceHit& hit) const;
};
// Appends to `out` the entries of a bucket whose segment contains `v`, in
// stored order. Cost: a copy of the bucket to aligned memory when it is
// not, a binary search over the starts, a pass over the ends of the
// segments that start by then, and the values of the hits only.
absl::Status DecodeSliceBucketAt(std::string_view bytes, Instant v, SliceHits* out);

// A commit's change to one bucket (a merge operand, storage/slice_merge.h):
// the entries it removes, then the entries it adds.
std::string EncodeSliceBucketChange(const std::vector<SliceEntryId>& removed,
                                    const std::vector<SliceRecordEntry>& added);
absl::Status DecodeSliceBucketChange(std::string_view bytes, std::vector<SliceEntryId>* removed,
                                     std::vector<SliceRecordEntry>* added);

std::string EncodeTransaction(const TransactionRecord& record);
// Whether encoded transaction `record` holds an operation for which
// `matches(subject, predicate, object, key digest)` is true (the names of an
// erase by digest are empty). Materializes nothing.
absl::StatusOr<bool> TransactionHoldsOperation(
    std::string_view record,
    absl::FunctionRef<bool(std::string_view, std::string_view, std::string_view, std::string_view)> matches);
absl::StatusOr<TransactionRecord> DecodeTransaction(std::string_view bytes);
// An encoded transaction record with some of its operations left out.
struct TransactionRewrite {
  std::string record;    // the encoded Transaction
  TransactionInfo info;  // its id, time and source, and how many operations it keeps
};
// Encoded transaction `record` without the operations for which
// `drop(subject, predicate, object, key digest)` is true (as
// TransactionHoldsOperation calls `matches`); the kept ones are copied as
// they are encoded, none decoded. DataLoss if `record` does not decode.
absl::StatusOr<TransactionRewrite> RewriteTransactionWithout(
    std::string_view record,
    absl::FunctionRef<bool(std::string_view, std::string_view, std::string_view, std::string_view)> drop);

std::string EncodeTransactionInfo(const TransactionInfo& info);
absl::StatusOr<TransactionInfo> DecodeTransactionInfo(std::string_view bytes);

std::string EncodeMeta(const MetaRecord& meta);
absl::StatusOr<MetaRecord> DecodeMeta(std::string_view bytes);

// Frees the first segment the calling thread keeps from one transaction
// record it encodes to the next (up to 4 MiB).
void ReleaseKeptRecordSegment();

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_RECORDS_H_
