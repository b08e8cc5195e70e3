// A transaction under construction: an ordered list of operations
// (SEMANTICS section 2). A plain value; nothing is checked or written until
// Database::Commit.
#ifndef HINDSIGHT_TRANSACTION_H_
#define HINDSIGHT_TRANSACTION_H_

#include <optional>
#include <string>
#include <vector>

#include "hindsight/fact.h"
#include "hindsight/time.h"
#include "hindsight/value.h"

namespace hindsight {

struct Operation {
  enum class Kind { kAssert, kRetract, kErase };
  Kind kind = Kind::kAssert;
  FactKey key;
  Value value;      // kAssert only
  Interval valid;   // kAssert and kRetract
  // kErase by digest (as the transaction log records erasures): KeyDigest of
  // the key, and `key` is empty. Empty otherwise.
  std::string key_digest;
};

// The 32-byte SHA-256 of subject NUL predicate NUL object: how the
// transaction log names an erased key without keeping its names.
std::string KeyDigest(const FactKey& key);

class Transaction {
 public:
  // Over `valid` the key has `value`, replacing what it had there.
  void Assert(FactKey key, Value value, Interval valid) {
    ops_.push_back({Operation::Kind::kAssert, std::move(key), std::move(value), valid, {}});
  }
  // Over `valid` the key has nothing.
  void Retract(FactKey key, Interval valid) {
    ops_.push_back({Operation::Kind::kRetract, std::move(key), Value(), valid, {}});
  }
  // Removes every version of the key from every transaction time.
  void Erase(FactKey key) {
    ops_.push_back({Operation::Kind::kErase, std::move(key), Value(), {}, {}});
  }
  // Erases the key whose KeyDigest is `digest` (replaying a log record):
  // its rows, if a stored key has that digest, and in any case the
  // operations on it of earlier log records. Cost: as an erase by names,
  // plus a read of the digest index.
  void EraseByDigest(std::string digest) {
    ops_.push_back({Operation::Kind::kErase, {}, Value(), {}, std::move(digest)});
  }

  // The transaction time to commit at; must be finite and after the previous
  // transaction's. Unset: the database clock decides.
  void SetTime(Instant time) { time_ = time; }
  // Free-form provenance kept with the transaction (e.g. an outlet's name).
  void SetSource(std::string source) { source_ = std::move(source); }

  const std::vector<Operation>& operations() const { return ops_; }
  const std::optional<Instant>& time() const { return time_; }
  const std::string& source() const { return source_; }
  bool empty() const { return ops_.empty(); }

 private:
  std::vector<Operation> ops_;
  std::optional<Instant> time_;
  std::string source_;
};

// What Commit reports about a committed transaction; also what transaction
// listings return.
struct TransactionInfo {
  uint64_t id = 0;
  Instant time = kNegInf;
  std::string source;
  uint64_t operation_count = 0;
};

}  // namespace hindsight

#endif  // HINDSIGHT_TRANSACTION_H_
