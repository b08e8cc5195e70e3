#include "format/ops_writer.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "format/tsv.h"
#include "hindsight/value.h"

namespace hindsight::internal {
namespace {

void AppendKey(const FactKey& key, std::string* out) {
  for (const std::string* name : {&key.subject, &key.predicate, &key.object}) {
    out->push_back('\t');
    AppendEscaped(*name, out);
  }
}

void AppendSpan(const Interval& valid, std::string* out) {
  absl::StrAppend(out, "\t", FormatInstant(valid.from), "\t", FormatInstant(valid.to), "\n");
}

}  // namespace

void AppendOpsBlock(Instant time, std::string_view source, const Transaction& txn, std::string* out) {
  absl::StrAppend(out, "tx\t", FormatInstant(time), "\t");
  AppendEscaped(source, out);
  out->push_back('\n');
  for (const Operation& op : txn.operations()) {
    switch (op.kind) {
      case Operation::Kind::kAssert:
        out->append("assert");
        AppendKey(op.key, out);
        absl::StrAppend(out, "\t", op.value.is_none() ? "" : FormatValue(op.value));
        AppendSpan(op.valid, out);
        break;
      case Operation::Kind::kRetract:
        out->append("retract");
        AppendKey(op.key, out);
        out->push_back('\t');
        AppendSpan(op.valid, out);
        break;
      case Operation::Kind::kErase:
        if (!op.key_digest.empty()) {
          absl::StrAppend(out, "erase-digest\t", absl::BytesToHexString(op.key_digest), "\n");
          break;
        }
        out->append("erase");
        AppendKey(op.key, out);
        out->push_back('\n');
        break;
    }
  }
}

}  // namespace hindsight::internal
