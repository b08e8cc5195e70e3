#include "query/database_tables.h"

#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "hindsight/time.h"

namespace hindsight::internal {

uint64_t BytesOnDisk(const std::string& dir) {
  std::error_code ec;
  uint64_t bytes = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) bytes += it->file_size(ec);
  }
  return bytes;
}

std::vector<std::string> TransactionsColumns() { return {"tx", "time", "source", "operations"}; }

std::vector<std::string> StatsColumns() { return {"measure", "amount"}; }

absl::StatusOr<Result> TransactionsTable(const Database& db, uint64_t n) {
  const uint64_t last = db.LastTransaction().id;
  Result r;
  r.columns = TransactionsColumns();
  absl::Status s = db.ListTransactions(last > n ? last - n + 1 : 1, [&](const TransactionInfo& info) {
    r.rows.push_back({Cell::Text(absl::StrCat(info.id)), Cell::Time(info.time), Cell::Name(info.source),
                      Cell::Text(absl::StrCat(info.operation_count))});
    return true;
  });
  if (!s.ok()) return s;
  return r;
}

absl::StatusOr<Result> StatsTable(const Database& db, const std::string& dir) {
  uint64_t keys = 0, segments = 0;
  FactKey previous;
  absl::Status s = db.Scan(Query{{}, ValidTimeClause::All(), TxTimeClause::Latest()}, [&](Row& row) {
    ++segments;
    if (segments == 1 || !(row.key == previous)) ++keys, previous = row.key;
    return true;
  });
  if (!s.ok()) return s;
  const TransactionInfo last = db.LastTransaction();
  Result r;
  r.columns = StatsColumns();
  const auto add = [&r](const char* measure, std::string amount) {
    r.rows.push_back({Cell::Text(measure), Cell::Text(std::move(amount))});
  };
  add("keys", absl::StrCat(keys));
  add("current segments", absl::StrCat(segments));
  add("transactions", absl::StrCat(last.id));
  if (last.id > 0) {
    absl::StatusOr<TransactionInfo> first = db.GetTransaction(1);
    if (first.ok()) add("first transaction", FormatInstantShort(first->time));
    add("last transaction", FormatInstantShort(last.time));
  }
  if (!dir.empty()) add("bytes on disk", absl::StrCat(BytesOnDisk(dir)));
  return r;
}

std::vector<std::string> PredicatesColumns() { return {"predicate", "keys", "segments"}; }

absl::StatusOr<Result> PredicatesTable(const Database& db) {
  struct Counts {
    uint64_t keys = 0, segments = 0;
  };
  std::map<std::string, Counts> by_predicate;
  FactKey previous;
  bool first = true;
  absl::Status s = db.Scan(Query{{}, ValidTimeClause::All(), TxTimeClause::Latest()}, [&](Row& row) {
    Counts& counts = by_predicate[row.key.predicate];
    ++counts.segments;
    if (first || !(row.key == previous)) ++counts.keys, previous = row.key;
    first = false;
    return true;
  });
  if (!s.ok()) return s;
  Result r;
  r.columns = PredicatesColumns();
  for (const auto& [predicate, counts] : by_predicate) {
    r.rows.push_back(
        {Cell::Name(predicate), Cell::Text(absl::StrCat(counts.keys)), Cell::Text(absl::StrCat(counts.segments))});
  }
  return r;
}

}  // namespace hindsight::internal
