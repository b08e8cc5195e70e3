// What the writer and cluster tests compare: a database's bytes, its
// answers, its log, whether it is sound, and the first line where two
// dumps differ.
#ifndef HINDSIGHT_TESTS_DATABASE_DUMP_H_
#define HINDSIGHT_TESTS_DATABASE_DUMP_H_

#include <string>

#include "hindsight/db.h"
#include "reference_model.h"

namespace hindsight::testing {

// Every entry of every column family of the closed database at `path`,
// merges applied, as text.
std::string DumpAllFamilies(const std::string& path);

// What Database::Check finds wrong in the closed database at `path`
// (opened read-only), as text; "" when it is sound.
std::string Unsound(const std::string& path);

// Every row as of each transaction 1..`transactions`, then every history
// row, in the canonical text.
std::string DumpQueries(const Database& db, size_t transactions);

// The whole log of `db` as an operations file, without the sources.
std::string LogText(const Database& db);

// The log `model` says the contract leaves, as LogText writes one.
std::string ModelLogText(const ReferenceModel& model);

// The first line where `got` and `want` differ, with its number ("" when
// they are equal).
std::string FirstDifference(const std::string& got, const std::string& want);

}  // namespace hindsight::testing

#endif  // HINDSIGHT_TESTS_DATABASE_DUMP_H_
