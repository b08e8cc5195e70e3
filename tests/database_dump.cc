#include "database_dump.h"

#include <rocksdb/db.h>

#include "absl/strings/str_cat.h"
#include "format/query_file.h"
#include "gtest/gtest.h"
#include "storage/slice_merge.h"
#include "storage/timeline_merge.h"

namespace hindsight::testing {

std::string DumpAllFamilies(const std::string& path) {
  rocksdb::DBOptions options;
  std::vector<std::string> names;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(options, path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const std::string& n : names) {
    cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    if (n == "timelines") cfs.back().options.merge_operator = internal::NewTimelineMergeOperator();
    if (n == "slices") cfs.back().options.merge_operator = internal::NewSliceMergeOperator();
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  const rocksdb::Status s = rocksdb::DB::OpenForReadOnly(options, path, cfs, &handles, &db);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return "";
  std::string out;
  for (size_t i = 0; i < handles.size(); ++i) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[i]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::StrAppend(&out, names[i], " ", it->key().ToString(true), " = ", it->value().ToString(true), "\n");
    }
    EXPECT_TRUE(it->status().ok());
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
  return out;
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
