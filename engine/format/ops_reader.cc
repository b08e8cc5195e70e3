#include "format/ops_reader.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "format/tsv.h"
#include "hindsight/time.h"
#include "hindsight/value.h"
#include "util/utf8.h"

namespace hindsight::internal {
namespace {

bool IsBlank(std::string_view line) { return line.find_first_not_of(" \t") == std::string_view::npos; }

// The key digest of an `erase-digest` line's fields: 64 lowercase hex
// digits, 32 bytes.
absl::StatusOr<std::string> ParseDigestField(const std::vector<std::string_view>& f) {
  if (f.size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat("'erase-digest' has 2 fields, found ", f.size()));
  }
  const std::string_view hex = f[1];
  const bool well_formed = hex.size() == 64 && hex.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  if (!well_formed) {
    return absl::InvalidArgumentError("a key digest is 64 lowercase hex digits (SHA-256 of the key's names)");
  }
  return absl::HexStringToBytes(absl::string_view(hex.data(), hex.size()));
}

// What a field that is not UTF-8 most likely came from, to add to its error.
std::string NotUtf8Hint(std::string_view field) {
  return IsValidUtf8(field) ? ""
                            : " (is the file Latin-1 or Windows-1252? convert it: iconv -f WINDOWS-1252 -t UTF-8 "
                              "FILE > NEW)";
}

// `text` as an error message may show it: C escapes unless it is UTF-8
// without control characters.
std::string Shown(std::string_view text) {
  const bool plain = IsValidUtf8(text) && std::none_of(text.begin(), text.end(), [](char c) {
                       return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
                     });
  return plain ? std::string(text) : absl::CHexEscape(absl::string_view(text.data(), text.size()));
}

// Whether `line`, the file's first, starts with a UTF-16 byte order mark.
bool StartsAsUtf16(std::string_view line) {
  return line.substr(0, 2) == "\xFF\xFE" || line.substr(0, 2) == "\xFE\xFF";
}

}  // namespace

OpsReader::OpsReader(std::istream* in, std::string file_name) : in_(in), file_name_(std::move(file_name)) {}

absl::Status OpsReader::Error(int line, std::string_view reason) const {
  return absl::InvalidArgumentError(absl::StrCat(file_name_, ":", line, ": ", std::string(reason)));
}

bool OpsReader::ReadLine(std::string* line, int* line_number) {
  while (std::getline(*in_, *line)) {
    bytes_read_ += static_cast<int64_t>(line->size()) + 1;
    *line_number = ++line_number_;
    if (line_number_ == 1) *line = std::string(WithoutByteOrderMark(*line));
    if (IsBlank(*line) || (*line)[0] == '#') continue;
    return true;
  }
  return false;
}

absl::StatusOr<std::optional<OpsBlock>> OpsReader::Next() {
  std::string line;
  int number = 0;
  if (pending_tx_) {
    line = std::move(pending_tx_->first);
    number = pending_tx_->second;
    pending_tx_.reset();
  } else if (!ReadLine(&line, &number)) {
    return std::optional<OpsBlock>();
  }

  OpsBlock block;
  bool have_tx = false;
  do {
    if (number == 1 && StartsAsUtf16(line)) {
      return Error(number, "the file is UTF-16 (it starts with a UTF-16 byte order mark): convert it to UTF-8: "
                           "iconv -f UTF-16 -t UTF-8 FILE > NEW");
    }
    if (const size_t cr = line.find('\r'); cr != std::string::npos) {
      return Error(number, cr + 1 == line.size()
                               ? "raw carriage return at the end of the line: the file has Windows line ends (CR LF); "
                                 "save it with LF ends (sed -i 's/\\r$//' FILE)"
                               : "raw carriage return in line (write \\r)");
    }
    const std::vector<std::string_view> f = SplitFields(line);
    const std::string_view kind = f[0];
    if (kind == "tx") {
      if (have_tx) {
        pending_tx_.emplace(std::move(line), number);
        break;
      }
      if (f.size() != 3) {
        return Error(number, absl::StrCat("a tx line has 3 fields (tx, TX_TIME, SOURCE), found ", f.size()));
      }
      if (!f[1].empty()) {
        absl::StatusOr<Instant> t = ParseInstant(f[1]);
        if (!t.ok()) return Error(number, absl::StrCat("TX_TIME: ", t.status().message()));
        if (*t == kNegInf || *t == kPosInf) return Error(number, "TX_TIME must be finite");
        block.txn.SetTime(*t);
      }
      absl::StatusOr<std::string> source = UnescapeField(f[2]);
      if (!source.ok()) return Error(number, absl::StrCat("SOURCE: ", source.status().message()));
      if (!IsValidUtf8(*source)) return Error(number, absl::StrCat("SOURCE: not valid UTF-8", NotUtf8Hint(f[2])));
      block.txn.SetSource(std::move(*source));
      block.tx_line = number;
      have_tx = true;
      started_ = true;
      continue;
    }
    const bool is_assert = kind == "assert", is_retract = kind == "retract", is_erase = kind == "erase";
    if (kind == "erase-digest") {
      if (!started_) return Error(number, "an operation before the first tx line");
      absl::StatusOr<std::string> digest = ParseDigestField(f);
      if (!digest.ok()) return Error(number, std::string(digest.status().message()));
      block.txn.EraseByDigest(*std::move(digest));
      block.op_lines.push_back(number);
      continue;
    }
    if (!is_assert && !is_retract && !is_erase) {
      return Error(number, absl::StrCat("unknown operation '", Shown(PrefixAtCharacter(kind, 40)),
                                        "' (expected tx, assert, retract, erase or erase-digest)"));
    }
    if (!started_) return Error(number, "an operation before the first tx line");
    const size_t want = is_erase ? 4 : 7;
    if (f.size() != want) {
      return Error(number, absl::StrCat("'", Excerpt(kind), "' has ", want, " fields, found ", f.size()));
    }
    FactKey key;
    std::string* const parts[] = {&key.subject, &key.predicate, &key.object};
    const char* const labels[] = {"subject", "predicate", "object"};
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<std::string> name = ParseNameField(f[1 + i]);
      if (!name.ok()) {
        return Error(number, absl::StrCat(labels[i], ": ", name.status().message(), NotUtf8Hint(f[1 + i])));
      }
      *parts[i] = std::move(*name);
    }
    if (is_erase) {
      block.txn.Erase(std::move(key));
    } else {
      absl::StatusOr<Value> value = ParseValue(f[4]);
      if (!value.ok()) return Error(number, absl::StrCat(value.status().message(), NotUtf8Hint(f[4])));
      if (is_retract && !value->is_none()) return Error(number, "a retract carries no value (leave VALUE empty)");
      Interval valid;
      absl::StatusOr<Instant> from = ParseInstant(f[5]);
      if (!from.ok()) return Error(number, absl::StrCat("FROM: ", from.status().message()));
      absl::StatusOr<Instant> to = ParseInstant(f[6]);
      if (!to.ok()) return Error(number, absl::StrCat("TO: ", to.status().message()));
      if (!(*from < *to)) return Error(number, absl::StrCat("FROM ", std::string(f[5]), " is not before TO ", std::string(f[6])));
      valid = {*from, *to};
      if (is_assert) {
        block.txn.Assert(std::move(key), std::move(*value), valid);
      } else {
        block.txn.Retract(std::move(key), valid);
      }
    }
    block.op_lines.push_back(number);
  } while (ReadLine(&line, &number));
  return std::optional<OpsBlock>(std::move(block));
}

}  // namespace hindsight::internal
