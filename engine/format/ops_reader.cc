#include "format/ops_reader.h"

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

// Why line `number` of the file, `line`, cannot be read as text, or "": a
// UTF-16 byte order mark, a raw carriage return.
std::string_view BadBytes(std::string_view line, int number) {
  if (number == 1 && (line.substr(0, 2) == "\xFF\xFE" || line.substr(0, 2) == "\xFE\xFF")) {
    return "the file is UTF-16 (it starts with a UTF-16 byte order mark): convert it to UTF-8: "
           "iconv -f UTF-16 -t UTF-8 FILE > NEW";
  }
  const size_t cr = line.find('\r');
  if (cr == std::string_view::npos) return "";
  return cr + 1 == line.size() ? "raw carriage return at the end of the line: the file has Windows line ends (CR LF); "
                                 "save it with LF ends (sed -i 's/\\r$//' FILE)"
                               : "raw carriage return in line (write \\r)";
}

// A tx line's TX_TIME and SOURCE into `txn`; an error is the reason alone.
absl::Status ReadTxFields(const std::vector<std::string_view>& f, Transaction* txn) {
  if (f.size() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("a tx line has 3 fields (tx, TX_TIME, SOURCE), found ", f.size()));
  }
  if (!f[1].empty()) {
    absl::StatusOr<Instant> t = ParseInstant(f[1]);
    if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat("TX_TIME: ", t.status().message()));
    if (*t == kNegInf || *t == kPosInf) return absl::InvalidArgumentError("TX_TIME must be finite");
    txn->SetTime(*t);
  }
  absl::StatusOr<std::string> source = UnescapeField(f[2]);
  if (!source.ok()) return absl::InvalidArgumentError(absl::StrCat("SOURCE: ", source.status().message()));
  if (!IsValidUtf8(*source)) {
    return absl::InvalidArgumentError(absl::StrCat("SOURCE: not valid UTF-8", NotUtf8Hint(f[2])));
  }
  txn->SetSource(std::move(*source));
  return absl::OkStatus();
}

// The SUBJECT PREDICATE OBJECT fields, f[1..3], of an operation line.
absl::StatusOr<FactKey> ReadKeyFields(const std::vector<std::string_view>& f) {
  FactKey key;
  std::string* const parts[] = {&key.subject, &key.predicate, &key.object};
  const char* const labels[] = {"subject", "predicate", "object"};
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::string> name = ParseNameField(f[1 + i]);
    if (!name.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(labels[i], ": ", name.status().message(), NotUtf8Hint(f[1 + i])));
    }
    *parts[i] = std::move(*name);
  }
  return key;
}

// An assert's or a retract's VALUE, FROM and TO, f[4..6], with its key,
// into `txn`.
absl::Status ReadFactFields(bool is_assert, FactKey key, const std::vector<std::string_view>& f, Transaction* txn) {
  absl::StatusOr<Value> value = ParseValue(f[4]);
  if (!value.ok()) return absl::InvalidArgumentError(absl::StrCat(value.status().message(), NotUtf8Hint(f[4])));
  if (!is_assert && !value->is_none())
    return absl::InvalidArgumentError("a retract carries no value (leave VALUE empty)");
  absl::StatusOr<Instant> from = ParseInstant(f[5]);
  if (!from.ok()) return absl::InvalidArgumentError(absl::StrCat("FROM: ", from.status().message()));
  absl::StatusOr<Instant> to = ParseInstant(f[6]);
  if (!to.ok()) return absl::InvalidArgumentError(absl::StrCat("TO: ", to.status().message()));
  if (!(*from < *to)) {
    return absl::InvalidArgumentError(
        absl::StrCat("FROM ", std::string(f[5]), " is not before TO ", std::string(f[6])));
  }
  if (is_assert) {
    txn->Assert(std::move(key), std::move(*value), {*from, *to});
  } else {
    txn->Retract(std::move(key), {*from, *to});
  }
  return absl::OkStatus();
}

// An operation line (assert, retract, erase or erase-digest) into `txn`;
// `started` says whether a tx line came before it. An error is the reason
// alone.
absl::Status ReadOperation(const std::vector<std::string_view>& f, bool started, Transaction* txn) {
  const std::string_view kind = f[0];
  const bool is_assert = kind == "assert", is_retract = kind == "retract", is_erase = kind == "erase";
  const bool is_digest = kind == "erase-digest";
  if (!is_assert && !is_retract && !is_erase && !is_digest) {
    return absl::InvalidArgumentError(absl::StrCat("unknown operation '", VisibleText(PrefixAtCharacter(kind, 40)),
                                                   "' (expected tx, assert, retract, erase or erase-digest)"));
  }
  if (!started) return absl::InvalidArgumentError("an operation before the first tx line");
  if (is_digest) {
    absl::StatusOr<std::string> digest = ParseDigestField(f);
    if (!digest.ok()) return digest.status();
    txn->EraseByDigest(*std::move(digest));
    return absl::OkStatus();
  }
  const size_t want = is_erase ? 4 : 7;
  if (f.size() != want) {
    return absl::InvalidArgumentError(absl::StrCat("'", Excerpt(kind), "' has ", want, " fields, found ", f.size()));
  }
  absl::StatusOr<FactKey> key = ReadKeyFields(f);
  if (!key.ok()) return key.status();
  if (is_erase) {
    txn->Erase(*std::move(key));
    return absl::OkStatus();
  }
  return ReadFactFields(is_assert, *std::move(key), f, txn);
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
    if (const std::string_view bad = BadBytes(line, number); !bad.empty()) return Error(number, bad);
    const std::vector<std::string_view> f = SplitFields(line);
    if (f[0] == "tx" && have_tx) {
      pending_tx_.emplace(std::move(line), number);  // the next block's
      break;
    }
    if (f[0] == "tx") {
      if (absl::Status s = ReadTxFields(f, &block.txn); !s.ok()) return Error(number, std::string(s.message()));
      block.tx_line = number;
      have_tx = true;
      started_ = true;
      continue;
    }
    if (absl::Status s = ReadOperation(f, started_, &block.txn); !s.ok())
      return Error(number, std::string(s.message()));
    block.op_lines.push_back(number);
  } while (ReadLine(&line, &number));
  return std::optional<OpsBlock>(std::move(block));
}

}  // namespace hindsight::internal
