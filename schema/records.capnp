@0xb56166a4c6edc590;
# Hindsight's on-disk records. Rules: field numbers are only ever added, never
# renumbered or reused; every instant is int64 microseconds since the Unix
# epoch with INT64_MIN / INT64_MAX standing for -inf / +inf.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("hindsight::schema");

# A fact's value: exactly one of the five SEMANTICS types.
struct Value {
  union {
    none @0 :Void;
    # Strings are Data, not Text: a JSON string may hold U+0000.
    string @1 :Data;
    int64 @2 :Int64;
    float64 @3 :Float64;
    bool @4 :Bool;
  }
}

# One segment of a key's canonical valid-time timeline.
struct Segment {
  from @0 :Int64;
  to @1 :Int64;       # exclusive; from < to
  value @2 :Value;
  txFrom @3 :Int64;   # transaction time at which the segment became part of TL(k, .)
}

# The live (latest) canonical timeline of one key, column family
# "timelines", key = encoded (subject id, predicate id, object id). Sorted
# by from, disjoint, coalesced. May be empty when the key only has closed
# rows. A long one is kept in chunks: the record's message holds the last
# segments and the starts of the chunks before them, each chunk a
# LiveTimeline message of its own (segments only) under the key's ids and
# its start (storage/live_chunks.h).
struct LiveTimeline {
  segments @0 :List(Segment);
  # The largest txTo of the key's closed rows moved out of its record into
  # column family "history" (INT64_MIN: none were).
  spilledThrough @1 :Int64 = -9223372036854775808;
  # The from of each chunk's first segment, ascending; every segment of the
  # chunks comes before the segments above.
  chunkStarts @2 :List(Int64);
}

# A bitemporal row that is no longer part of the latest timeline: the
# segment [from, to) with its value was in TL(k, t) for txFrom <= t < txTo.
struct ClosedRow {
  from @0 :Int64;
  to @1 :Int64;
  value @2 :Value;
  txFrom @3 :Int64;
  txTo @4 :Int64;
}

# A key's closed rows, one message per commit that closed some: after the
# LiveTimeline in the key's record (column family "timelines"), and in the
# chunks of older rows a commit moves to column family "history" (key =
# key ids, the chunk's largest txTo) when the record's grow too big.
struct ClosedRows {
  rows @0 :List(ClosedRow);
}

# Column family "slices": a time index of the live segments of each
# predicate. One value per predicate and time bucket (key layout in
# engine/storage/slice_index.h) lists the segments filed in that bucket.
# One segment, as a commit adds it:
struct SliceEntry {
  subject @0 :UInt32;  # name ids
  object @1 :UInt32;
  from @2 :Int64;
  to @3 :Int64;
  value @4 :Value;
}

# A bucket's segments as columns, sorted by (from, to, subject, object):
# a reader finds the segments starting after an instant by binary search
# and tests the ends of the others without touching their values. Values
# are columns too (33 bytes an entry plus string bytes, where a list of
# Value structs takes 48 and pads each string to 8 bytes), so that a reader
# copies the fewest bytes and takes only its hits' values.
struct SliceBucket {
  subjects @0 :List(UInt32);
  objects @1 :List(UInt32);
  froms @2 :List(Int64);
  tos @3 :List(Int64);
  # Format 2 only (a database is upgraded when opened): the values as
  # structs. Format 3 writes the three columns below instead.
  values @4 :List(Value);
  # Value's union member: 0 none, 1 string, 2 int64, 3 float64, 4 bool.
  kinds @5 :List(UInt8);
  # The int64; the float64's bits; a bool as 0 or 1; for a string, where
  # its bytes are in `texts`: offset << 32 | size. 0 for none.
  words @6 :List(UInt64);
  texts @7 :Data;  # the strings' bytes, one after another
}

# A commit's merge operand for one bucket: first the segments it removes
# (a key's live segments never overlap, so subject, object and from name
# one), then the segments it adds.
struct SliceEntryId {
  subject @0 :UInt32;
  object @1 :UInt32;
  from @2 :Int64;
}

struct SliceBucketChange {
  removed @0 :List(SliceEntryId);
  added @1 :List(SliceEntry);
}

# One operation as the writer gave it, with names in full so that a
# transaction record is self-contained.
struct Operation {
  kind @0 :Kind;
  subject @1 :Text;
  predicate @2 :Text;
  object @3 :Text;
  value @4 :Value;    # none for retract and erase
  from @5 :Int64;     # unused for erase
  to @6 :Int64;       # unused for erase
  # Erase only: SHA-256 of subject NUL predicate NUL object. The log keeps an
  # erase by this digest alone (the names are empty), so that an erased
  # key's names leave the database.
  keyDigest @7 :Data;

  enum Kind {
    assert @0;
    retract @1;
    erase @2;
  }
}

# A committed transaction, column family "txlog", key = big-endian id.
# Replaying every record in id order on an empty database rebuilds it.
struct Transaction {
  id @0 :UInt64;
  time @1 :Int64;
  source @2 :Text;
  operations @3 :List(Operation);
}

# Summary of a committed transaction, column family "txinfo", key =
# big-endian id: what transaction listings and `as of tx N` read without
# decoding the whole log record.
struct TransactionInfo {
  id @0 :UInt64;
  time @1 :Int64;
  source @2 :Text;
  operationCount @3 :UInt64;
  # Databases of format 7 and before kept here a Bloom filter of the keys
  # the record's operations name, for erasures; format 8 finds those records
  # through the keys' rows and the mention index (keys/key_codec.h) and
  # writes none. Not read.
  keyFilter @4 :Data;
}

# Database-wide state, default column family, key "meta".
struct Meta {
  formatVersion @0 :UInt32;
  lastTxId @1 :UInt64;
  lastTxTime @2 :Int64;   # INT64_MIN before the first transaction
  nextNameId @3 :UInt32;
}
