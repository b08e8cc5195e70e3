#include "cluster/log_prefix.h"

#include "absl/strings/str_cat.h"
#include "hindsight/log_record.h"

namespace hindsight::cluster {

absl::StatusOr<LogEntry> ReadLogEntry(TransactionLog* log, uint64_t id, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::Status why = absl::OkStatus();
  while (absl::Now() < deadline) {
    absl::StatusOr<std::unique_ptr<LogReader>> reader = log->Read(id);
    absl::StatusOr<LogEntry> entry = reader.ok() ? (*reader)->Next(absl::Seconds(5)) : reader.status();
    if (entry.ok()) return entry;
    why = entry.status();
    absl::SleepFor(absl::Milliseconds(250));
  }
  return absl::UnavailableError(
      absl::StrCat("cannot read entry ", id, " of ", log->description(), ": ", why.message()));
}

absl::Status CheckNotTrimmedPast(TransactionLog* log, uint64_t applied) {
  absl::StatusOr<uint64_t> first = log->FirstId();
  if (!first.ok()) return first.status();
  if (*first <= applied + 1) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      log->description(), " holds entries from ", *first, " on (those before were trimmed) but the database has only ",
      applied, " transactions: start this node from a checkpoint of transaction ", *first - 1,
      " or later (docs/cluster.md)"));
}

absl::StatusOr<std::optional<LogEntry>> CheckPrefixOfLog(const Database& db, TransactionLog* log) {
  const TransactionInfo local = db.LastTransaction();
  absl::StatusOr<uint64_t> last = log->LastId();
  if (!last.ok()) return last.status();
  if (local.id > *last && *last == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the database has ", local.id, " transactions but ", log->description(),
        " is empty: it is not a node of this log (to put a database's history on an empty stream: hindsight cluster "
        "init)"));
  }
  if (local.id > *last) {
    return absl::DataLossError(absl::StrCat(
        "the database has ", local.id, " transactions but ", log->description(), " has ", *last,
        ": the NATS servers lost entries they had acknowledged (or the database is not a node of this log); re-seed "
        "the stream from the node with the most transactions (docs/cluster.md)"));
  }
  if (absl::Status s = CheckNotTrimmedPast(log, local.id); !s.ok()) return s;
  absl::StatusOr<uint64_t> first = log->FirstId();
  if (!first.ok()) return first.status();
  if (local.id == 0 || *first > local.id) return std::nullopt;  // entry H was trimmed: nothing to compare
  absl::StatusOr<LogEntry> entry = ReadLogEntry(log, local.id, absl::Seconds(30));
  if (!entry.ok()) return entry.status();
  absl::StatusOr<LogRecord> record = DecodeLogRecord(entry->record);
  if (!record.ok() || entry->id != local.id || record->info.time != local.time || record->info.source != local.source) {
    return absl::FailedPreconditionError(absl::StrCat("transaction ", local.id, " of the database is not entry ",
                                                      local.id, " of ", log->description(),
                                                      ": the database belongs to another log"));
  }
  return std::optional<LogEntry>(*std::move(entry));
}

}  // namespace hindsight::cluster
