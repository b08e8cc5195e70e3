// Random transactions over a few keys, so that transactions revisit them:
// long histories, erases (by key and by digest), names that come and go.
#ifndef HINDSIGHT_TESTS_RANDOM_TRANSACTION_H_
#define HINDSIGHT_TESTS_RANDOM_TRANSACTION_H_

#include <random>
#include <vector>

#include "hindsight/transaction.h"

namespace hindsight::testing {

inline constexpr Instant kDay = 86'400'000'000;

// A random transaction at `time` (unset when `time` is nullopt).
// `*as_keys` is the same transaction with every erase naming its key (what
// the reference model takes).
Transaction RandomTransaction(std::mt19937& rng, std::optional<Instant> time, Transaction* as_keys);

// Every key RandomTransaction may name.
std::vector<FactKey> RandomTransactionKeys();

}  // namespace hindsight::testing

#endif  // HINDSIGHT_TESTS_RANDOM_TRANSACTION_H_
