// A row's encoding, private to this file and to one process (numbers in
// the machine's byte order): the length of the rest (4 bytes), then each
// cell: its kind (1 byte) and
//   name, text:  length (4 bytes), bytes
//   instant:     8 bytes
//   value:       its type (1 byte), then a string's length (4 bytes) and
//                bytes, an int64's or a double's 8 bytes, a bool's 1 byte.
#include "server/cursor_rows.h"

#include <cstring>
#include <optional>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "server/sql_error.h"
#include "server/temp_file.h"

namespace hindsight::server {
namespace {

using internal::Cell;

template <typename T>
void Put(T v, std::string* out) {
  out->append(reinterpret_cast<const char*>(&v), sizeof v);
}

void PutBytes(std::string_view s, std::string* out) {
  Put(static_cast<uint32_t>(s.size()), out);
  out->append(s);
}

void EncodeValue(const Value& v, std::string* out) {
  out->push_back(static_cast<char>(v.type()));
  switch (v.type()) {
    case Value::Type::kNone:
      break;
    case Value::Type::kString:
      PutBytes(v.string_value(), out);
      break;
    case Value::Type::kInt64:
      Put(v.int64_value(), out);
      break;
    case Value::Type::kDouble:
      Put(v.double_value(), out);
      break;
    case Value::Type::kBool:
      out->push_back(v.bool_value() ? 1 : 0);
      break;
  }
}

void EncodeCell(const Cell& c, std::string* out) {
  out->push_back(static_cast<char>(c.kind));
  switch (c.kind) {
    case Cell::Kind::kName:
    case Cell::Kind::kText:
      PutBytes(c.text, out);
      break;
    case Cell::Kind::kInstant:
      Put(c.instant, out);
      break;
    case Cell::Kind::kValue:
      EncodeValue(c.value, out);
      break;
  }
}

// Reads an encoded row's cells; nullopt when the bytes do not hold them.
class RowDecoder {
 public:
  explicit RowDecoder(std::string_view bytes) : rest_(bytes) {}

  std::optional<std::vector<Cell>> Cells() {
    std::vector<Cell> cells;
    while (!rest_.empty()) {
      std::optional<Cell> c = OneCell();
      if (!c) return std::nullopt;
      cells.push_back(std::move(*c));
    }
    return cells;
  }

 private:
  template <typename T>
  std::optional<T> Get() {
    if (rest_.size() < sizeof(T)) return std::nullopt;
    T v;
    std::memcpy(&v, rest_.data(), sizeof v);
    rest_.remove_prefix(sizeof v);
    return v;
  }
  std::optional<std::string> Bytes() {
    const std::optional<uint32_t> n = Get<uint32_t>();
    if (!n || rest_.size() < *n) return std::nullopt;
    std::string s(rest_.substr(0, *n));
    rest_.remove_prefix(*n);
    return s;
  }
  std::optional<Value> OneValue() {
    const std::optional<uint8_t> type = Get<uint8_t>();
    if (!type) return std::nullopt;
    switch (static_cast<Value::Type>(*type)) {
      case Value::Type::kNone:
        return Value::None();
      case Value::Type::kString: {
        std::optional<std::string> s = Bytes();
        return s ? std::optional<Value>(Value::String(std::move(*s))) : std::nullopt;
      }
      case Value::Type::kInt64: {
        const std::optional<int64_t> i = Get<int64_t>();
        return i ? std::optional<Value>(Value::Int64(*i)) : std::nullopt;
      }
      case Value::Type::kDouble: {
        const std::optional<double> d = Get<double>();
        return d ? std::optional<Value>(Value::Double(*d)) : std::nullopt;
      }
      case Value::Type::kBool: {
        const std::optional<uint8_t> b = Get<uint8_t>();
        return b ? std::optional<Value>(Value::Bool(*b != 0)) : std::nullopt;
      }
    }
    return std::nullopt;
  }
  std::optional<Cell> OneCell() {
    const std::optional<uint8_t> kind = Get<uint8_t>();
    if (!kind) return std::nullopt;
    switch (static_cast<Cell::Kind>(*kind)) {
      case Cell::Kind::kName:
      case Cell::Kind::kText: {
        std::optional<std::string> s = Bytes();
        if (!s) return std::nullopt;
        Cell c = Cell::Text(std::move(*s));
        c.kind = static_cast<Cell::Kind>(*kind);
        return c;
      }
      case Cell::Kind::kInstant: {
        const std::optional<Instant> t = Get<Instant>();
        return t ? std::optional<Cell>(Cell::Time(*t)) : std::nullopt;
      }
      case Cell::Kind::kValue: {
        std::optional<Value> v = OneValue();
        return v ? std::optional<Cell>(Cell::Val(std::move(*v))) : std::nullopt;
      }
    }
    return std::nullopt;
  }

  std::string_view rest_;
};

absl::Status FileError(const char* what) {
  return SqlError(absl::StatusCode::kInternal, "58030",
                  absl::StrCat("cannot ", what, " a cursor's rows in its temporary file: is the disk full?"));
}

}  // namespace

absl::Status CursorRows::Append(const std::vector<Cell>& row) {
  std::string encoded(sizeof(uint32_t), '\0');
  for (const Cell& c : row) EncodeCell(c, &encoded);
  const uint32_t length = static_cast<uint32_t>(encoded.size() - sizeof length);
  std::memcpy(encoded.data(), &length, sizeof length);
  if (!spilled() && bytes_.size() + encoded.size() > memory_bytes_) {
    if (absl::Status s = Spill(); !s.ok()) return s;
  }
  if (spilled()) {
    if (file_position_ != end_) file_.seekp(static_cast<std::streamoff>(end_));
    file_position_ = end_;
    if (!file_.write(encoded.data(), static_cast<std::streamsize>(encoded.size()))) return FileError("keep");
    file_position_ += encoded.size();
  } else {
    bytes_ += encoded;
  }
  if (rows_ % kRowsPerMark == 0) marks_.push_back(end_);
  end_ += encoded.size();
  ++rows_;
  return absl::OkStatus();
}

absl::Status CursorRows::Spill() {
  if (absl::Status s = OpenUnnamedTempFile("hold a cursor's rows", &file_); !s.ok()) return s;
  if (!file_.write(bytes_.data(), static_cast<std::streamsize>(bytes_.size()))) {
    file_.close();
    return FileError("keep");
  }
  file_position_ = bytes_.size();
  std::string().swap(bytes_);
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> CursorRows::ReadAt(uint64_t offset) {
  uint32_t length;
  if (!spilled()) {
    std::memcpy(&length, bytes_.data() + offset, sizeof length);
    row_.assign(bytes_, offset + sizeof length, length);
    return offset + sizeof length + length;
  }
  if (file_position_ != offset) {
    file_.seekg(static_cast<std::streamoff>(offset));
    file_position_ = offset;
  }
  if (!file_.read(reinterpret_cast<char*>(&length), sizeof length)) return FileError("read");
  row_.resize(length);
  if (!file_.read(row_.data(), length)) return FileError("read");
  file_position_ += sizeof length + length;
  return file_position_;
}

absl::StatusOr<std::vector<Cell>> CursorRows::Get(size_t i) {
  size_t at = i / kRowsPerMark * kRowsPerMark;
  uint64_t offset = marks_[i / kRowsPerMark];
  if (next_row_ <= i && next_row_ > at) {  // read on from the row after the last one read
    at = next_row_;
    offset = next_offset_;
  }
  for (; at <= i; ++at) {
    absl::StatusOr<uint64_t> next = ReadAt(offset);
    if (!next.ok()) return next.status();
    offset = *next;
  }
  next_row_ = i + 1;
  next_offset_ = offset;
  std::optional<std::vector<Cell>> cells = RowDecoder(row_).Cells();
  if (!cells) return absl::DataLossError("a cursor's row does not decode: its temporary file is damaged");
  return std::move(*cells);
}

}  // namespace hindsight::server
