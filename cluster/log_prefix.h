// Whether a database holds a prefix of a cluster's transaction log: what a
// node checks as it starts, and `hindsight cluster trim` before it removes
// the entries a checkpoint holds.
#ifndef HINDSIGHT_CLUSTER_LOG_PREFIX_H_
#define HINDSIGHT_CLUSTER_LOG_PREFIX_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cluster/transaction_log.h"
#include "hindsight/db.h"

namespace hindsight::cluster {

// Entry `id` of `log`, read for up to `timeout` (a reader whose entry does
// not come is replaced: servers just out of a failure can leave a new
// consumer without messages for a while). Unavailable after it.
absl::StatusOr<LogEntry> ReadLogEntry(TransactionLog* log, uint64_t id, absl::Duration timeout);

// OK when the log holds every entry after `applied`; FailedPrecondition,
// saying what to do, when some were trimmed; Unavailable when the log
// cannot be read.
absl::Status CheckNotTrimmedPast(TransactionLog* log, uint64_t applied);

// Checks that `db`'s transactions 1..H are the log's first H entries, as
// far as the log still holds them: H is at most the log's last entry, no
// entry after H was trimmed, and entry H, if the log holds it, has the
// transaction's time and source. Returns entry H when it was compared.
// DataLoss, saying what to do, when the log has fewer entries than the
// database (though some): its servers lost entries, or it is another
// log, and only an operator can tell. FailedPrecondition, saying what to
// do, when the database is not a prefix of the log otherwise (an empty
// log, another entry H) or the log was trimmed past it; Unavailable when
// the log cannot be read.
absl::StatusOr<std::optional<LogEntry>> CheckPrefixOfLog(const Database& db, TransactionLog* log);

}  // namespace hindsight::cluster

#endif  // HINDSIGHT_CLUSTER_LOG_PREFIX_H_
