// ProtocolHandler's COPY: operations FROM STDIN and TO STDOUT, and (read) TO STDOUT
// (protocol_handler.h).
#include "server/protocol_handler.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "format/importer.h"
#include "format/ops_writer.h"
#include "server/copy_format.h"
#include "server/pg_types.h"
#include "server/sql_error.h"
#include "server/temp_file.h"
#include "util/plural.h"

namespace hindsight::server {

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::StartCopyIn() {
  if (read_only_) return WriteRefused();
  // The writes before it in its query string commit first: the file's
  // transactions are committed one by one, after them.
  absl::StatusOr<std::string> committed = CloseImplicitBlock();
  if (!committed.ok()) return committed.status();
  // Drivers open a block on their own; the file's transactions are
  // committed as they load, whatever the block does after.
  if (session_.pending_operations() > 0) {
    return SqlError(absl::StatusCode::kFailedPrecondition, "25001",
                    "COPY operations FROM STDIN commits each transaction of the file itself and cannot join the "
                    "writes of this transaction block: commit or roll them back first");
  }
  std::fstream spool;
  if (absl::Status s = OpenUnnamedTempFile("hold COPY's data", &spool); !s.ok()) return s;
  copy_in_.emplace();
  copy_in_->spool = std::move(spool);
  Answer a;
  a.copy_in = true;
  a.notice = *std::move(committed);
  return a;
}

ProtocolHandler::Step ProtocolHandler::CopyMessage(const FrontendMessage& m, std::string* out) {
  switch (m.type) {
    case 'd':
      if (cancel_->exchange(false)) {
        FailCopyIn(SqlError(absl::StatusCode::kAborted, "57014",
                            "canceling statement due to user request; nothing was imported"),
                   out);
      } else if (!copy_in_->spool.write(m.data.data(), static_cast<std::streamsize>(m.data.size()))) {
        FailCopyIn(SqlError(absl::StatusCode::kInternal, "58030", "cannot hold the data: is the disk full?"), out);
      }
      return Step::kDone;
    case 'c': {
      const bool simple = copy_in_->simple;
      absl::StatusOr<Answer> answer = FinishCopyIn();
      if (!answer.ok()) {
        FailCopyIn(answer.status(), out);
        return Step::kDone;
      }
      copy_in_.reset();
      if (!answer->notice.empty()) AppendNoticeResponse({"NOTICE", "00000", answer->notice, {}, ""}, out);
      AppendCommandComplete(answer->tag, out);
      if (!simple) return Step::kDone;
      ++piece_;
      return RunPiece(out);
    }
    case 'f':
      FailCopyIn(SqlError(absl::StatusCode::kAborted, "57014", absl::StrCat("COPY from stdin failed: ", m.data)), out);
      return Step::kDone;
    case 'H':
    case 'S':  // ignored in COPY, as PostgreSQL does (libpq sends its own Sync after CopyDone)
      return Step::kDone;
    case 'X':
      return Step::kClose;
    default:
      FailCopyIn(
          SqlError(absl::StatusCode::kInvalidArgument, "08P01",
                   absl::StrCat("unexpected message type '", std::string(1, m.type), "' during COPY from stdin")),
          out);
      return Step::kDone;
  }
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::FinishCopyIn() {
  std::fstream& spool = copy_in_->spool;
  spool.flush();
  spool.seekg(0);
  internal::ImportCounts counts;
  internal::ImportOptions options;
  options.mode = internal::ImportMode::kCommits;  // beside other sessions' commits
  options.cancel = cancel_;
  const absl::Status s = internal::ImportOps(db_, &spool, "STDIN", &counts, {}, options);
  const bool one = counts.transactions == 1;
  const std::string committed =
      counts.transactions == 0
          ? "; nothing was imported"
          : absl::StrCat("; the ", internal::Plural(counts.transactions, "transaction"), " before it ",
                         one ? "is" : "are", " committed (COPY the file again: ", one ? "it is" : "they are",
                         " skipped)");
  if (absl::IsInvalidArgument(s)) {
    return SqlError(absl::StatusCode::kInvalidArgument, "22P04", absl::StrCat(s.message(), committed));
  }
  if (absl::IsCancelled(s)) {
    return SqlError(absl::StatusCode::kAborted, "57014",
                    absl::StrCat("canceling statement due to user request", committed));
  }
  if (!s.ok()) return s;
  Answer a;
  a.tag = absl::StrCat("COPY ", counts.operations);
  if (counts.skipped > 0) {
    a.notice = absl::StrCat("skipped the first ", internal::Plural(counts.skipped, "transaction"),
                            " of the file: the database has them (", counts.skipped_from, "..",
                            counts.skipped_from + counts.skipped - 1, "); ");
  }
  absl::StrAppend(&a.notice, "imported ", internal::Plural(counts.transactions, "transaction"), ", ",
                  internal::Plural(counts.operations, "operation"));
  return a;
}

void ProtocolHandler::FailCopyIn(const absl::Status& error, std::string* out) {
  const bool simple = copy_in_->simple;
  copy_in_.reset();
  failed_ = session_.in_transaction();  // as any error in a transaction block
  AppendError(error, "", 0, out);
  if (simple) {
    EndSimpleQuery(out);
  } else {
    skip_until_sync_ = true;
  }
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::CopyLogOut() {
  Answer a;
  a.copy_out = true;
  a.columns = {"operations"};
  const std::vector<ColumnDescription> columns = *DescribeColumns(a.columns, {});
  std::string block;
  const absl::Status scanned = db_->ScanLog(1, [&](const TransactionInfo& info, const Transaction& txn) {
    block.clear();
    internal::AppendOpsBlock(info.time, info.source, txn, &block);
    for (const absl::string_view line : absl::StrSplit(block, '\n', absl::SkipEmpty())) {
      AppendCopyData(absl::StrCat(line, "\n"), a.rows.buffer());
      a.rows.EndRow();
      StreamRows(columns, /*copy=*/true, &a.rows);
    }
    return !cancel_->load();
  });
  if (!scanned.ok()) return scanned;
  if (cancel_->load()) return absl::CancelledError("cancelled");
  a.tag = absl::StrCat("COPY ", EndStream(&a.rows, &a.streamed));
  return a;
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::CopyOut(const Command& command, std::string_view text,
                                                                 const internal::StatementParams* params) {
  absl::StatusOr<internal::Statement> st = ReadInside(command, text, params);
  if (!st.ok()) return st.status();
  Answer a;
  a.copy_out = true;
  a.columns = internal::Session::ColumnsOf(*st);
  const std::vector<ColumnDescription> columns = *DescribeColumns(a.columns, {});
  std::string line;
  std::vector<std::optional<std::string>> fields;
  const auto emit = [&] {
    AppendCopyLine(fields, command.csv, &line);
    AppendCopyData(line, a.rows.buffer());
    a.rows.EndRow();
    line.clear();
    StreamRows(columns, /*copy=*/true, &a.rows);
  };
  const auto emit_cells = [&](const std::vector<internal::Cell>& row) {
    fields.clear();
    for (size_t c = 0; c < row.size(); ++c) {
      std::string cell;
      fields.push_back(AppendCell(row[c], columns[c], &cell) ? std::optional<std::string>(std::move(cell))
                                                              : std::nullopt);
    }
    emit();
  };
  if (command.header) {
    fields.assign(a.columns.begin(), a.columns.end());
    emit();
  }
  // A read's rows, and history's, become lines as they are found, sent a
  // chunk at a time (set_flush); other answers come as cells.
  const internal::Session::RowConsumer encode = [&](const Row& row) { emit_cells(internal::CellsOfRow(row)); };
  const internal::Session::CellsConsumer encode_cells = [&](std::vector<internal::Cell>&& row) { emit_cells(row); };
  absl::StatusOr<internal::Result> r = session_.Execute(*st, &encode, &encode_cells);
  if (!r.ok()) return r.status();
  for (const std::vector<internal::Cell>& row : r->rows) emit_cells(row);
  a.tag = absl::StrCat("COPY ", EndStream(&a.rows, &a.streamed) - (command.header ? 1 : 0));
  return a;
}

}  // namespace hindsight::server
