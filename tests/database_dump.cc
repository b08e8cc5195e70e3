#include "database_dump.h"

#include <rocksdb/db.h>

#include <functional>
#include <map>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "format/query_file.h"
#include "gtest/gtest.h"
#include "keys/key_codec.h"
#include "storage/key_change.h"
#include "storage/records.h"
#include "storage/slice_merge.h"
#include "storage/timeline_merge.h"

namespace hindsight::testing {

namespace {

// Calls visit(family name, key, value) for every entry of every column
// family of the closed database at `path`, merges applied.
void VisitAllEntries(const std::string& path,
                     const std::function<void(const std::string&, std::string_view, std::string_view)>& visit) {
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
  if (!s.ok()) return;
  for (size_t i = 0; i < handles.size(); ++i) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[i]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      visit(names[i], std::string_view(it->key().data(), it->key().size()),
            std::string_view(it->value().data(), it->value().size()));
    }
    EXPECT_TRUE(it->status().ok());
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
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

std::string KeyFilterMismatch(const std::string& path) {
  std::map<std::string, std::string> filters, records;  // by log key
  VisitAllEntries(path, [&](const std::string& family, std::string_view key, std::string_view value) {
    if (family == "txinfo") filters[std::string(key)] = internal::DecodeTransactionKeyFilter(value).value();
    if (family == "txlog") records[std::string(key)] = std::string(value);
  });
  if (filters.size() != records.size()) return absl::StrCat(filters.size(), " infos for ", records.size(), " records");
  for (const auto& [key, record] : records) {
    const internal::TransactionRecord decoded = internal::DecodeTransaction(record).value();
    if (filters[key] != internal::KeyFilterOf(decoded)) return absl::StrCat("transaction ", decoded.id);
  }
  return "";
}

std::string DigestIndexMismatch(const std::string& path) {
  std::map<internal::NameId, std::string> names;
  std::map<std::string, std::string> want, got;  // digest index key -> timeline key
  std::vector<std::string> timeline_keys;
  VisitAllEntries(path, [&](const std::string& family, std::string_view key, std::string_view value) {
    if (family == "names") names[internal::DecodeNameId(value.data())] = std::string(key);
    // (not a live chunk)
    if (family == "timelines" && key.size() == internal::kKeyIdsBytes) timeline_keys.emplace_back(key);
    if (family == "keys" && key[0] == internal::kDigestIndexTag) got[std::string(key)] = std::string(value);
  });
  for (const std::string& key : timeline_keys) {
    const internal::KeyIds ids = internal::DecodeLiveKey(key);
    want[internal::DigestIndexKey(KeyDigest({names[ids.subject], names[ids.predicate], names[ids.object]}))] = key;
  }
  for (const auto& [key, ids] : want) {
    const auto found = got.find(key);
    if (found == got.end()) return absl::StrCat("no digest index entry for the stored key ", rocksdb::Slice(ids).ToString(true));
    if (found->second != ids) return absl::StrCat("the digest index names ", rocksdb::Slice(found->second).ToString(true), " for ", rocksdb::Slice(ids).ToString(true));
  }
  if (got.size() != want.size()) return absl::StrCat(got.size(), " digest index entries for ", want.size(), " stored keys");
  return "";
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
