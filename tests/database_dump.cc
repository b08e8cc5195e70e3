#include "database_dump.h"

#include <rocksdb/db.h>

#include <functional>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "format/ops_writer.h"
#include "format/query_file.h"
#include "gtest/gtest.h"
#include "raw_rocks.h"

namespace hindsight::testing {

namespace {

// Calls visit(family name, key, value) for every entry of every column
// family of the closed database at `path`, merges applied.
void VisitAllEntries(const std::string& path,
                     const std::function<void(const std::string&, std::string_view, std::string_view)>& visit) {
  const RawRocks raw(path, /*read_only=*/true);
  if (raw.db() == nullptr) return;
  for (const std::string& family : raw.families()) {
    std::unique_ptr<rocksdb::Iterator> it(raw.db()->NewIterator(rocksdb::ReadOptions(), raw.Family(family)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      visit(family, std::string_view(it->key().data(), it->key().size()),
            std::string_view(it->value().data(), it->value().size()));
    }
    EXPECT_TRUE(it->status().ok());
  }
}

}  // namespace

std::string DumpAllFamilies(const std::string& path) {
  std::string out;
  VisitAllEntries(path, [&](const std::string& family, std::string_view key, std::string_view value) {
    absl::StrAppend(&out, family, " ", rocksdb::Slice(key.data(), key.size()).ToString(true), " = ",
                    rocksdb::Slice(value.data(), value.size()).ToString(true), "\n");
  });
  return out;
}

std::string Unsound(const std::string& path) {
  Options options;
  options.create_if_missing = false;
  options.read_only = true;
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(path, options);
  if (!db.ok()) return db.status().ToString();
  const absl::StatusOr<CheckReport> report = (*db)->Check(nullptr);
  return report.ok() ? "" : report.status().ToString();
}

std::string DumpQueries(const Database& db, size_t transactions) {
  std::string out;
  for (uint64_t id = 1; id <= transactions; ++id) {
    const std::vector<Row> rows = db.Query({{}, ValidTimeClause::All(), TxTimeClause::AsOfTx(id)}).value();
    for (const Row& r : rows) internal::AppendRow(r, &out);
  }
  const std::vector<HistoryRow> history = db.History({}).value();
  for (const HistoryRow& r : history) internal::AppendHistoryRow(r, &out);
  return out;
}

std::string LogText(const Database& db) {
  std::string text;
  const absl::Status s = db.ScanLog(1, [&](const TransactionInfo& info, const Transaction& txn) {
    internal::AppendOpsBlock(info.time, "", txn, &text);
    return true;
  });
  EXPECT_TRUE(s.ok()) << s;
  return text;
}

std::string ModelLogText(const ReferenceModel& model) {
  std::string text;
  for (size_t t = 0; t < model.Log().size(); ++t) {
    Transaction txn;
    for (const Operation& op : model.Log()[t]) {
      if (op.kind == Operation::Kind::kErase) txn.EraseByDigest(op.key_digest);
      if (op.kind == Operation::Kind::kAssert) txn.Assert(op.key, op.value, op.valid);
      if (op.kind == Operation::Kind::kRetract) txn.Retract(op.key, op.valid);
    }
    internal::AppendOpsBlock(model.TransactionTime(t + 1), "", txn, &text);
  }
  return text;
}

std::string FirstDifference(const std::string& got, const std::string& want) {
  size_t line = 1, a = 0, b = 0;
  while (a < got.size() || b < want.size()) {
    const size_t a_end = std::min(got.find('\n', a), got.size()), b_end = std::min(want.find('\n', b), want.size());
    const std::string x = got.substr(a, a_end - a), y = want.substr(b, b_end - b);
    if (x != y || (a < got.size()) != (b < want.size())) {
      return absl::StrCat("line ", line, ":\n  got  ", a < got.size() ? x : "(end)", "\n  want ",
                          b < want.size() ? y : "(end)");
    }
    a = a_end + 1;
    b = b_end + 1;
    ++line;
  }
  return "";
}

}  // namespace hindsight::testing
