#include "storage/records.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>
#include <tuple>

#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/array.h>
#include <kj/exception.h>
#include <kj/io.h>

#include "records.capnp.h"

namespace hindsight::internal {
namespace {

// Records come from our own writes, but a damaged file must not make a
// reader walk unbounded pointers.
constexpr uint64_t kTraversalLimitWords = 64 * 1024 * 1024;

// The words of a record of about `bytes` bytes of text plus `structs`
// small structs.
size_t RecordWords(size_t structs, size_t bytes) { return 8 + 8 * structs + bytes / 8 + structs; }

// A message builder whose first segment fits such a record:
// MallocMessageBuilder's default first segment (8 KiB, zeroed) would
// dominate the cost of our small records.
capnp::MallocMessageBuilder Builder(size_t structs, size_t bytes) {
  return capnp::MallocMessageBuilder(static_cast<unsigned>(RecordWords(structs, bytes)));
}

// A builder for a record of about `words` words, such as a transaction's
// log record: its first segment, zeroed, is kept by the thread from one
// such record to the next (the builder zeroes what it used when it is
// destroyed), where a segment of its own would be fresh memory every time.
// Not for two builders alive at once on one thread; records over 4 MiB get
// a segment of their own.
class LargeRecordBuilder {
 public:
  explicit LargeRecordBuilder(size_t words) {
    if (words <= kMaxKeptWords) {
      builder_.emplace(KeptSegment(words));
    } else {
      builder_.emplace(static_cast<unsigned>(words));
    }
  }
  capnp::MallocMessageBuilder& get() { return *builder_; }

  // Frees the calling thread's kept segment.
  static void Release() { kept_ = nullptr; }

 private:
  static constexpr size_t kMaxKeptWords = (size_t{4} << 20) / sizeof(capnp::word);

  static kj::ArrayPtr<capnp::word> KeptSegment(size_t words) {
    if (kept_.size() < words) {
      kept_ = kj::heapArray<capnp::word>(std::min(std::max(words, 2 * kept_.size()), kMaxKeptWords));
      std::memset(kept_.begin(), 0, kept_.size() * sizeof(capnp::word));
    }
    return kept_;
  }

  static inline thread_local kj::Array<capnp::word> kept_;

  std::optional<capnp::MallocMessageBuilder> builder_;
};

size_t TextBytes(const Value& v) { return v.type() == Value::Type::kString ? v.string_value().size() : 0; }

// The message as one flat array, written straight into the string.
std::string ToBytes(capnp::MessageBuilder& builder) {
  const kj::ArrayPtr<const kj::ArrayPtr<const capnp::word>> segments = builder.getSegmentsForOutput();
  std::string bytes(capnp::computeSerializedSizeInWords(segments) * sizeof(capnp::word), '\0');
  kj::ArrayOutputStream out(kj::arrayPtr(reinterpret_cast<kj::byte*>(bytes.data()), bytes.size()));
  capnp::writeMessage(out, segments);
  return bytes;
}

// Where an unaligned record is copied to be read: on the stack when small
// (most records), else into `*heap`, which a caller reading many records
// may keep across them so that it allocates once.
struct WordBuffer {
  alignas(capnp::word) unsigned char small[512];
  AlignedCopy own;
  AlignedCopy* heap = &own;
};

// `bytes` as words: in place when aligned, else copied into `buffer`.
absl::StatusOr<kj::ArrayPtr<const capnp::word>> Words(std::string_view bytes, const char* what, WordBuffer* buffer) {
  if (bytes.size() % sizeof(capnp::word) != 0 || bytes.empty()) {
    return absl::DataLossError(std::string("damaged ") + what + " record: bad size");
  }
  const size_t count = bytes.size() / sizeof(capnp::word);
  const char* data = bytes.data();
  if (reinterpret_cast<uintptr_t>(data) % alignof(capnp::word) != 0) {
    if (bytes.size() <= sizeof(buffer->small)) {
      std::memcpy(buffer->small, data, bytes.size());
      data = reinterpret_cast<const char*>(buffer->small);
    } else {
      uint64_t* copy = buffer->heap->Reserve(count);
      std::memcpy(copy, data, bytes.size());
      data = reinterpret_cast<const char*>(copy);
    }
  }
  return kj::arrayPtr(reinterpret_cast<const capnp::word*>(data), count);
}

capnp::ReaderOptions BoundedReading() {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = kTraversalLimitWords;
  return options;
}

// Runs `body` (which reads Cap'n Proto data), turning any decoding failure
// into DataLoss.
template <typename Body>
absl::Status Catching(const char* what, Body body) {
  KJ_IF_MAYBE(exception, kj::runCatchingExceptions(body)) {
    return absl::DataLossError(std::string("damaged ") + what + " record: " + exception->getDescription().cStr());
  }
  return absl::OkStatus();
}

// Decodes `bytes` as one message with root T and hands the reader to `fn`,
// turning any decoding failure into DataLoss. A large unaligned message is
// copied into `*copies` when given (else into a buffer of its own).
template <typename T, typename Fn>
auto Decode(std::string_view bytes, const char* what, Fn fn, AlignedCopy* copies = nullptr)
    -> absl::StatusOr<decltype(fn(std::declval<typename T::Reader>()))> {
  // Only the first message is read: copy no more than it if unaligned.
  if (const absl::StatusOr<size_t> first = FirstMessageBytes(bytes); first.ok()) bytes = bytes.substr(0, *first);
  WordBuffer buffer;
  if (copies != nullptr) buffer.heap = copies;
  const absl::StatusOr<kj::ArrayPtr<const capnp::word>> words = Words(bytes, what, &buffer);
  if (!words.ok()) return words.status();
  std::optional<decltype(fn(std::declval<typename T::Reader>()))> result;  // set unless it throws
  const absl::Status status = Catching(what, [&]() {
    capnp::FlatArrayMessageReader reader(*words, BoundedReading());
    result.emplace(fn(reader.getRoot<T>()));
  });
  if (!status.ok()) return status;
  return *std::move(result);
}

void WriteValue(const Value& v, schema::Value::Builder b) {
  switch (v.type()) {
    case Value::Type::kNone: b.setNone(); break;
    case Value::Type::kString: {
      const std::string& s = v.string_value();
      b.setString(kj::arrayPtr(reinterpret_cast<const kj::byte*>(s.data()), s.size()));
      break;
    }
    case Value::Type::kInt64: b.setInt64(v.int64_value()); break;
    case Value::Type::kDouble: b.setFloat64(v.double_value()); break;
    case Value::Type::kBool: b.setBool(v.bool_value()); break;
  }
}

Value ReadValue(schema::Value::Reader r) {
  switch (r.which()) {
    case schema::Value::NONE: return Value::None();
    case schema::Value::STRING: {
      const capnp::Data::Reader d = r.getString();
      return Value::String(std::string(reinterpret_cast<const char*>(d.begin()), d.size()));
    }
    case schema::Value::INT64: return Value::Int64(r.getInt64());
    case schema::Value::FLOAT64: return Value::Double(r.getFloat64());
    case schema::Value::BOOL: return Value::Bool(r.getBool());
  }
  KJ_FAIL_REQUIRE("unknown value type");
}

std::string ReadText(capnp::Text::Reader t) { return std::string(t.begin(), t.size()); }

}  // namespace

std::string EncodeLiveTimeline(const std::vector<StoredSegment>& segments, Instant spilled_through,
                               const std::vector<Instant>& chunk_starts) {
  size_t bytes = 8 * chunk_starts.size();
  for (const StoredSegment& s : segments) bytes += TextBytes(s.segment.value);
  capnp::MallocMessageBuilder message = Builder(segments.size() + 1, bytes);
  auto root = message.initRoot<schema::LiveTimeline>();
  root.setSpilledThrough(spilled_through);
  if (!chunk_starts.empty()) {
    auto starts = root.initChunkStarts(static_cast<unsigned>(chunk_starts.size()));
    for (unsigned i = 0; i < chunk_starts.size(); ++i) starts.set(i, chunk_starts[i]);
  }
  auto list = root.initSegments(static_cast<unsigned>(segments.size()));
  for (unsigned i = 0; i < segments.size(); ++i) {
    auto s = list[i];
    s.setFrom(segments[i].segment.valid.from);
    s.setTo(segments[i].segment.valid.to);
    s.setTxFrom(segments[i].tx_from);
    WriteValue(segments[i].segment.value, s.initValue());
  }
  return ToBytes(message);
}

absl::StatusOr<std::vector<StoredSegment>> DecodeLiveTimeline(std::string_view bytes, Instant* spilled_through,
                                                              std::vector<Instant>* chunk_starts) {
  return Decode<schema::LiveTimeline>(bytes, "live timeline", [=](schema::LiveTimeline::Reader r) {
    if (spilled_through != nullptr) *spilled_through = r.getSpilledThrough();
    if (chunk_starts != nullptr) {
      chunk_starts->clear();
      for (const int64_t start : r.getChunkStarts()) chunk_starts->push_back(start);
    }
    std::vector<StoredSegment> out;
    out.reserve(r.getSegments().size());
    for (auto s : r.getSegments()) {
      out.push_back({Segment{{s.getFrom(), s.getTo()}, ReadValue(s.getValue())}, s.getTxFrom()});
    }
    return out;
  });
}

absl::StatusOr<std::optional<StoredSegment>> DecodeLiveSegmentAt(std::string_view bytes, Instant v,
                                                                 Instant* spilled_through,
                                                                 std::optional<Instant>* in_chunk) {
  return Decode<schema::LiveTimeline>(bytes, "live timeline", [=](schema::LiveTimeline::Reader r) {
    if (spilled_through != nullptr) *spilled_through = r.getSpilledThrough();
    const auto segments = r.getSegments();
    // The last segment with from <= v.
    unsigned lo = 0, hi = segments.size();
    while (lo < hi) {
      const unsigned mid = (lo + hi) / 2;
      if (segments[mid].getFrom() <= v) lo = mid + 1;
      else hi = mid;
    }
    std::optional<StoredSegment> hit;
    if (lo > 0) {
      const auto s = segments[lo - 1];
      if (v < s.getTo()) hit = StoredSegment{Segment{{s.getFrom(), s.getTo()}, ReadValue(s.getValue())}, s.getTxFrom()};
    } else if (in_chunk != nullptr) {
      // The last chunk that starts by v holds the segment containing it, if any.
      const auto starts = r.getChunkStarts();
      unsigned after = 0, end = starts.size();
      while (after < end) {
        const unsigned mid = (after + end) / 2;
        if (starts[mid] <= v) after = mid + 1;
        else end = mid;
      }
      if (after > 0) *in_chunk = starts[after - 1];
    }
    return hit;
  });
}

std::string EncodeClosedRows(const std::vector<ClosedRecord>& rows) {
  size_t bytes = 0;
  for (const ClosedRecord& r : rows) bytes += TextBytes(r.segment.value);
  capnp::MallocMessageBuilder message = Builder(rows.size() + 1, bytes);
  auto list = message.initRoot<schema::ClosedRows>().initRows(static_cast<unsigned>(rows.size()));
  for (unsigned i = 0; i < rows.size(); ++i) {
    auto b = list[i];
    b.setFrom(rows[i].segment.valid.from);
    b.setTo(rows[i].segment.valid.to);
    b.setTxFrom(rows[i].tx.from);
    b.setTxTo(rows[i].tx.to);
    WriteValue(rows[i].segment.value, b.initValue());
  }
  return ToBytes(message);
}

absl::StatusOr<size_t> FirstMessageBytes(std::string_view bytes) {
  const auto damaged = [] { return absl::DataLossError("damaged timeline record: bad message size"); };
  const auto u32 = [&bytes](size_t at) {  // the segment table is little-endian
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data() + at);
    return uint64_t{b[0]} | uint64_t{b[1]} << 8 | uint64_t{b[2]} << 16 | uint64_t{b[3]} << 24;
  };
  if (bytes.size() < 8) return damaged();
  const uint64_t segments = u32(0) + 1;
  const uint64_t table_bytes = (4 + 4 * segments + 7) / 8 * 8;
  if (segments > 512 || table_bytes > bytes.size()) return damaged();
  uint64_t total = table_bytes;
  for (uint64_t i = 0; i < segments; ++i) total += 8 * u32(4 + 4 * i);
  if (total > bytes.size()) return damaged();
  return static_cast<size_t>(total);
}

absl::StatusOr<std::vector<ClosedRecord>> DecodeClosedRows(std::string_view bytes, const ClosedRowFilter& filter) {
  constexpr const char* kWhat = "closed rows";
  if (bytes.empty()) return std::vector<ClosedRecord>();
  WordBuffer buffer;
  const absl::StatusOr<kj::ArrayPtr<const capnp::word>> words = Words(bytes, kWhat, &buffer);
  if (!words.ok()) return words.status();
  std::vector<ClosedRecord> out;
  const absl::Status status = Catching(kWhat, [&]() {
    kj::ArrayPtr<const capnp::word> rest = *words;
    while (rest.size() > 0) {
      capnp::FlatArrayMessageReader reader(rest, BoundedReading());
      for (auto r : reader.getRoot<schema::ClosedRows>().getRows()) {
        const Interval tx{r.getTxFrom(), r.getTxTo()};
        if (filter.visible_at && !tx.Contains(*filter.visible_at)) continue;
        const Interval valid{r.getFrom(), r.getTo()};
        if (filter.containing && !valid.Contains(*filter.containing)) continue;
        out.push_back({Segment{valid, ReadValue(r.getValue())}, tx});
      }
      rest = kj::arrayPtr(reader.getEnd(), rest.end());
    }
  });
  if (!status.ok()) return status;
  return out;
}

namespace {

void WriteSliceEntry(const SliceRecordEntry& e, schema::SliceEntry::Builder b) {
  b.setSubject(e.subject);
  b.setObject(e.object);
  b.setFrom(e.segment.valid.from);
  b.setTo(e.segment.valid.to);
  WriteValue(e.segment.value, b.initValue());
}

size_t SliceEntriesTextBytes(const std::vector<SliceRecordEntry>& entries) {
  size_t bytes = 0;
  for (const SliceRecordEntry& e : entries) bytes += TextBytes(e.segment.value) + 8;
  return bytes;
}

static_assert(std::endian::native == std::endian::little, "bucket columns are read in place as little-endian");

// A bucket's columns, read in place from its message (which is aligned).
struct BucketColumns {
  unsigned size = 0;
  const kj::byte* subjects = nullptr;  // uint32 each
  const kj::byte* objects = nullptr;   // uint32
  const kj::byte* froms = nullptr;     // int64
  const kj::byte* tos = nullptr;       // int64
  const kj::byte* kinds = nullptr;     // uint8
  const kj::byte* words = nullptr;     // uint64
  std::string_view texts;

  template <typename T>
  static T At(const kj::byte* column, unsigned i) {
    T t;
    std::memcpy(&t, column + size_t{i} * sizeof(T), sizeof(T));
    return t;
  }
  uint32_t subject(unsigned i) const { return At<uint32_t>(subjects, i); }
  uint32_t object(unsigned i) const { return At<uint32_t>(objects, i); }
  Instant from(unsigned i) const { return At<int64_t>(froms, i); }
  Instant to(unsigned i) const { return At<int64_t>(tos, i); }
  uint8_t kind(unsigned i) const { return kinds[i]; }
  uint64_t word(unsigned i) const { return At<uint64_t>(words, i); }
};

// The bytes of a column with `size` elements of T; throws (DataLoss to the
// caller) if it holds another number.
template <typename T, typename List>
const kj::byte* Column(List list, unsigned size) {
  const kj::ArrayPtr<const kj::byte> raw = capnp::AnyList::Reader(list).getRawBytes();
  KJ_REQUIRE(list.size() == size && raw.size() == size_t{size} * sizeof(T), "columns of different lengths");
  return raw.begin();
}

BucketColumns ColumnsOf(schema::SliceBucket::Reader r) {
  BucketColumns c;
  c.size = r.getFroms().size();
  c.subjects = Column<uint32_t>(r.getSubjects(), c.size);
  c.objects = Column<uint32_t>(r.getObjects(), c.size);
  c.froms = Column<int64_t>(r.getFroms(), c.size);
  c.tos = Column<int64_t>(r.getTos(), c.size);
  c.kinds = Column<uint8_t>(r.getKinds(), c.size);
  c.words = Column<uint64_t>(r.getWords(), c.size);
  const capnp::Data::Reader texts = r.getTexts();
  c.texts = std::string_view(reinterpret_cast<const char*>(texts.begin()), texts.size());
  return c;
}

// The string bytes `word` names in `texts`; throws if outside.
std::string_view TextOf(uint64_t word, std::string_view texts) {
  const uint64_t offset = word >> 32, size = word & 0xffffffff;
  KJ_REQUIRE(offset + size <= texts.size(), "a string value outside the bucket's text");
  return texts.substr(offset, size);
}

// A kind byte as the Value type it stands for; throws if none.
Value::Type KindOf(uint8_t kind) {
  KJ_REQUIRE(kind <= static_cast<uint8_t>(Value::Type::kBool), "unknown value kind");
  return static_cast<Value::Type>(kind);
}

// The value of a kind and word whose string bytes, if a string, are in
// `texts`; throws if they are not.
Value ValueOfColumns(Value::Type kind, uint64_t word, std::string_view texts) {
  switch (kind) {
    case Value::Type::kNone: return Value::None();
    case Value::Type::kString: return Value::String(std::string(TextOf(word, texts)));
    case Value::Type::kInt64: return Value::Int64(static_cast<int64_t>(word));
    case Value::Type::kDouble: return Value::Double(std::bit_cast<double>(word));
    case Value::Type::kBool: return Value::Bool(word != 0);
  }
  return Value::None();
}

}  // namespace

std::string EncodeSliceBucket(std::vector<SliceRecordEntry> entries) {
  // Usually a sorted bucket with a few entries appended (SliceBucketChange::
  // ApplyTo): only those are sorted, then merged in, in linear time.
  const auto before = [](const SliceRecordEntry& a, const SliceRecordEntry& b) {
    return std::tie(a.segment.valid.from, a.segment.valid.to, a.subject, a.object) <
           std::tie(b.segment.valid.from, b.segment.valid.to, b.subject, b.object);
  };
  const auto unsorted = std::is_sorted_until(entries.begin(), entries.end(), before);
  if (unsorted != entries.end()) {
    std::sort(unsorted, entries.end(), before);
    std::inplace_merge(entries.begin(), unsorted, entries.end(), before);
  }
  const auto n = static_cast<unsigned>(entries.size());
  std::string texts;
  for (const SliceRecordEntry& e : entries) {
    if (e.segment.value.type() == Value::Type::kString) texts += e.segment.value.string_value();
  }
  // The root pointer and struct, then seven columns, each padded to words.
  capnp::MallocMessageBuilder message(static_cast<unsigned>(16 + (33 * size_t{n} + texts.size()) / 8 + 8));
  auto root = message.initRoot<schema::SliceBucket>();
  auto subjects = root.initSubjects(n);
  auto objects = root.initObjects(n);
  auto froms = root.initFroms(n);
  auto tos = root.initTos(n);
  auto kinds = root.initKinds(n);
  auto words = root.initWords(n);
  root.setTexts(kj::arrayPtr(reinterpret_cast<const kj::byte*>(texts.data()), texts.size()));
  uint64_t text_offset = 0;
  for (unsigned i = 0; i < n; ++i) {
    const Value& value = entries[i].segment.value;
    subjects.set(i, entries[i].subject);
    objects.set(i, entries[i].object);
    froms.set(i, entries[i].segment.valid.from);
    tos.set(i, entries[i].segment.valid.to);
    kinds.set(i, static_cast<uint8_t>(value.type()));
    uint64_t word = 0;
    switch (value.type()) {
      case Value::Type::kNone: break;
      case Value::Type::kString:
        word = text_offset << 32 | value.string_value().size();
        text_offset += value.string_value().size();
        break;
      case Value::Type::kInt64: word = static_cast<uint64_t>(value.int64_value()); break;
      case Value::Type::kDouble: word = std::bit_cast<uint64_t>(value.double_value()); break;
      case Value::Type::kBool: word = value.bool_value() ? 1 : 0; break;
    }
    words.set(i, word);
  }
  return ToBytes(message);
}

absl::Status DecodeSliceBucket(std::string_view bytes, std::vector<SliceRecordEntry>* out) {
  const size_t size_before = out->size();
  absl::StatusOr<bool> decoded = Decode<schema::SliceBucket>(bytes, "slice index", [&](schema::SliceBucket::Reader r) {
    if (r.hasValues()) {  // format 2, merged before the database was upgraded
      const auto subjects = r.getSubjects();
      const auto objects = r.getObjects();
      const auto froms = r.getFroms();
      const auto tos = r.getTos();
      const auto values = r.getValues();
      const unsigned n = values.size();
      KJ_REQUIRE(subjects.size() == n && objects.size() == n && froms.size() == n && tos.size() == n,
                 "columns of different lengths");
      for (unsigned i = 0; i < n; ++i) {
        out->push_back({subjects[i], objects[i], Segment{{froms[i], tos[i]}, ReadValue(values[i])}});
      }
      return true;
    }
    const BucketColumns c = ColumnsOf(r);
    out->reserve(out->size() + c.size);
    for (unsigned i = 0; i < c.size; ++i) {
      out->push_back({c.subject(i), c.object(i),
                      Segment{{c.from(i), c.to(i)}, ValueOfColumns(KindOf(c.kind(i)), c.word(i), c.texts)}});
    }
    return true;
  });
  if (!decoded.ok()) out->resize(size_before);
  return decoded.status();
}

// A hit's string lies in `texts` by construction (DecodeSliceBucketAt).
Value SliceHits::ValueOf(const SliceHit& hit) const { return ValueOfColumns(hit.kind, hit.word, texts); }

absl::Status DecodeSliceBucketAt(std::string_view bytes, Instant v, SliceHits* out) {
  const size_t hits_before = out->hits.size(), texts_before = out->texts.size();
  absl::StatusOr<bool> decoded = Decode<schema::SliceBucket>(bytes, "slice index", [&](schema::SliceBucket::Reader r) {
    const BucketColumns c = ColumnsOf(r);
    // The segments starting after v are a suffix.
    unsigned lo = 0, end = c.size;
    while (lo < end) {
      const unsigned mid = lo + (end - lo) / 2;
      if (c.from(mid) <= v) {
        lo = mid + 1;
      } else {
        end = mid;
      }
    }
    for (unsigned i = 0; i < end; ++i) {
      const Instant to = c.to(i);
      if (to <= v) continue;
      const Value::Type kind = KindOf(c.kind(i));
      uint64_t word = c.word(i);
      if (kind == Value::Type::kString) {  // its bytes move to the hits' text
        const std::string_view text = TextOf(word, c.texts);
        word = uint64_t{out->texts.size()} << 32 | text.size();
        out->texts.append(text);
      }
      out->hits.push_back({c.subject(i), c.object(i), Interval{c.from(i), to}, kind, word});
    }
    return true;
  }, &out->aligned_copy);
  if (!decoded.ok()) {
    out->hits.resize(hits_before);
    out->texts.resize(texts_before);
  }
  return decoded.status();
}

std::string EncodeSliceBucketChange(const std::vector<SliceEntryId>& removed,
                                    const std::vector<SliceRecordEntry>& added) {
  capnp::MallocMessageBuilder message =
      Builder(2 + removed.size() * 3 + 2 * added.size(), SliceEntriesTextBytes(added));
  auto root = message.initRoot<schema::SliceBucketChange>();
  auto removed_list = root.initRemoved(static_cast<unsigned>(removed.size()));
  for (size_t i = 0; i < removed.size(); ++i) {
    auto b = removed_list[static_cast<unsigned>(i)];
    b.setSubject(removed[i].subject);
    b.setObject(removed[i].object);
    b.setFrom(removed[i].from);
  }
  auto added_list = root.initAdded(static_cast<unsigned>(added.size()));
  for (size_t i = 0; i < added.size(); ++i) WriteSliceEntry(added[i], added_list[static_cast<unsigned>(i)]);
  return ToBytes(message);
}

absl::Status DecodeSliceBucketChange(std::string_view bytes, std::vector<SliceEntryId>* removed,
                                     std::vector<SliceRecordEntry>* added) {
  return Decode<schema::SliceBucketChange>(bytes, "slice index change", [&](schema::SliceBucketChange::Reader r) {
           for (const schema::SliceEntryId::Reader id : r.getRemoved()) {
             removed->push_back({id.getSubject(), id.getObject(), id.getFrom()});
           }
           for (const schema::SliceEntry::Reader e : r.getAdded()) {
             added->push_back(
                 {e.getSubject(), e.getObject(), Segment{{e.getFrom(), e.getTo()}, ReadValue(e.getValue())}});
           }
           return true;
         })
      .status();
}

void ReleaseKeptRecordSegment() { LargeRecordBuilder::Release(); }

std::string EncodeTransaction(const TransactionRecord& record) {
  size_t bytes = record.source.size();
  for (const Operation& op : record.operations) {
    bytes += op.key.subject.size() + op.key.predicate.size() + op.key.object.size() + TextBytes(op.value) + 32;
  }
  LargeRecordBuilder builder(RecordWords(2 * record.operations.size() + 1, bytes));
  capnp::MallocMessageBuilder& message = builder.get();
  auto b = message.initRoot<schema::Transaction>();
  b.setId(record.id);
  b.setTime(record.time);
  b.setSource(record.source);
  auto ops = b.initOperations(static_cast<unsigned>(record.operations.size()));
  for (unsigned i = 0; i < record.operations.size(); ++i) {
    const Operation& op = record.operations[i];
    auto o = ops[i];
    switch (op.kind) {
      case Operation::Kind::kAssert: o.setKind(schema::Operation::Kind::ASSERT); break;
      case Operation::Kind::kRetract: o.setKind(schema::Operation::Kind::RETRACT); break;
      case Operation::Kind::kErase: o.setKind(schema::Operation::Kind::ERASE); break;
    }
    o.setSubject(op.key.subject);
    o.setPredicate(op.key.predicate);
    o.setObject(op.key.object);
    WriteValue(op.value, o.initValue());
    o.setFrom(op.valid.from);
    o.setTo(op.valid.to);
    if (!op.key_digest.empty()) {
      o.setKeyDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(op.key_digest.data()), op.key_digest.size()));
    }
  }
  return ToBytes(message);
}

namespace {

// `fn(subject, predicate, object, key digest)` of operation `o`, as views of
// its bytes.
template <typename Fn>
auto CallWithKey(const Fn& fn, schema::Operation::Reader o) {
  const auto view = [](const auto& t) { return std::string_view(reinterpret_cast<const char*>(t.begin()), t.size()); };
  return fn(view(o.getSubject()), view(o.getPredicate()), view(o.getObject()), view(o.getKeyDigest()));
}

}  // namespace

absl::StatusOr<bool> TransactionHoldsOperation(
    std::string_view record,
    absl::FunctionRef<bool(std::string_view, std::string_view, std::string_view, std::string_view)> matches) {
  return Decode<schema::Transaction>(record, "transaction", [&](schema::Transaction::Reader r) {
    for (const schema::Operation::Reader o : r.getOperations()) {
      if (CallWithKey(matches, o)) return true;
    }
    return false;
  });
}

absl::StatusOr<TransactionRewrite> RewriteTransactionWithout(
    std::string_view record,
    absl::FunctionRef<bool(std::string_view, std::string_view, std::string_view, std::string_view)> drop) {
  return Decode<schema::Transaction>(record, "transaction", [&](schema::Transaction::Reader r) {
    const auto ops = r.getOperations();
    std::vector<unsigned> kept;
    kept.reserve(ops.size());
    for (unsigned i = 0; i < ops.size(); ++i) {
      if (!CallWithKey(drop, ops[i])) kept.push_back(i);
    }
    // One segment: the rewrite is no larger than the record.
    LargeRecordBuilder builder(record.size() / sizeof(capnp::word) + 16);
    capnp::MallocMessageBuilder& message = builder.get();
    auto b = message.initRoot<schema::Transaction>();
    b.setId(r.getId());
    b.setTime(r.getTime());
    b.setSource(r.getSource());
    auto out = b.initOperations(static_cast<unsigned>(kept.size()));
    for (unsigned j = 0; j < kept.size(); ++j) out.setWithCaveats(j, ops[kept[j]]);
    return TransactionRewrite{ToBytes(message), {r.getId(), r.getTime(), ReadText(r.getSource()), kept.size()}};
  });
}

absl::StatusOr<TransactionRecord> DecodeTransaction(std::string_view bytes) {
  return Decode<schema::Transaction>(bytes, "transaction", [](schema::Transaction::Reader r) {
    TransactionRecord out{r.getId(), r.getTime(), ReadText(r.getSource()), {}};
    out.operations.reserve(r.getOperations().size());
    for (auto o : r.getOperations()) {
      Operation op;
      switch (o.getKind()) {
        case schema::Operation::Kind::ASSERT: op.kind = Operation::Kind::kAssert; break;
        case schema::Operation::Kind::RETRACT: op.kind = Operation::Kind::kRetract; break;
        case schema::Operation::Kind::ERASE: op.kind = Operation::Kind::kErase; break;
        default: KJ_FAIL_REQUIRE("unknown operation kind");
      }
      op.key = {ReadText(o.getSubject()), ReadText(o.getPredicate()), ReadText(o.getObject())};
      op.value = ReadValue(o.getValue());
      op.valid = {o.getFrom(), o.getTo()};
      const capnp::Data::Reader digest = o.getKeyDigest();
      op.key_digest.assign(reinterpret_cast<const char*>(digest.begin()), digest.size());
      out.operations.push_back(std::move(op));
    }
    return out;
  });
}

std::string EncodeTransactionInfo(const TransactionInfo& info) {
  capnp::MallocMessageBuilder message = Builder(1, info.source.size() + 16);
  auto b = message.initRoot<schema::TransactionInfo>();
  b.setId(info.id);
  b.setTime(info.time);
  b.setSource(info.source);
  b.setOperationCount(info.operation_count);
  return ToBytes(message);
}

absl::StatusOr<TransactionInfo> DecodeTransactionInfo(std::string_view bytes) {
  return Decode<schema::TransactionInfo>(bytes, "transaction info", [](schema::TransactionInfo::Reader r) {
    return TransactionInfo{r.getId(), r.getTime(), ReadText(r.getSource()), r.getOperationCount()};
  });
}

std::string EncodeMeta(const MetaRecord& meta) {
  capnp::MallocMessageBuilder message = Builder(1, 0);
  auto b = message.initRoot<schema::Meta>();
  b.setFormatVersion(meta.format_version);
  b.setLastTxId(meta.last_tx_id);
  b.setLastTxTime(meta.last_tx_time);
  b.setNextNameId(meta.next_name_id);
  return ToBytes(message);
}

absl::StatusOr<MetaRecord> DecodeMeta(std::string_view bytes) {
  return Decode<schema::Meta>(bytes, "meta", [](schema::Meta::Reader r) {
    return MetaRecord{r.getFormatVersion(), r.getLastTxId(), r.getLastTxTime(), r.getNextNameId()};
  });
}

}  // namespace hindsight::internal
