// ProtocolHandler's cursors: DECLARE, FETCH, MOVE and CLOSE (protocol_handler.h).
#include "server/protocol_handler.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "server/pg_types.h"
#include "server/sql_error.h"

namespace hindsight::server {

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::Declare(const Command& command, std::string_view text,
                                                                 const internal::StatementParams* params) {
  absl::StatusOr<internal::Statement> st = ReadInside(command, text, params);
  if (!st.ok()) return st.status();
  if (portals_.contains(command.parameter)) {
    return SqlError(absl::StatusCode::kAlreadyExists, "42P03",
                    absl::StrCat("cursor \"", command.parameter, "\" already exists"));
  }
  if (!command.hold && !session_.in_transaction()) {
    return SqlError(absl::StatusCode::kFailedPrecondition, "25P01",
                    "DECLARE CURSOR can only be used in transaction blocks (or WITH HOLD)");
  }
  auto cursor = std::make_shared<Cursor>();
  // A read's rows, and history's, go to the cursor as they are found; other
  // answers come as cells.
  absl::Status kept;
  const internal::Session::RowConsumer keep = [&](const Row& row) {
    if (kept.ok()) kept = cursor->rows.Append(internal::CellsOfRow(row));
  };
  const internal::Session::CellsConsumer keep_cells = [&](std::vector<internal::Cell>&& row) {
    if (kept.ok()) kept = cursor->rows.Append(row);
  };
  absl::StatusOr<internal::Result> r = session_.Execute(*st, &keep, &keep_cells);
  if (!r.ok()) return r.status();
  for (const std::vector<internal::Cell>& row : r->rows) {
    if (kept.ok()) kept = cursor->rows.Append(row);
  }
  if (!kept.ok()) return kept;
  cursor->columns = std::move(r->columns);
  cursor->binary = command.binary;
  cursor->scroll = command.scroll;
  cursor->hold = command.hold;
  cursor->in_transaction = session_.in_transaction();
  cursor->serial = ++cursors_declared_;
  Portal portal;
  portal.executed = true;
  portal.columns = *DescribeResult(cursor->columns, cursor->binary ? std::vector<int16_t>{1} : std::vector<int16_t>{});
  portal.cursor = std::move(cursor);
  if (absl::Status s = KeepPortal(command.parameter, std::move(portal)); !s.ok()) return s;
  Answer a;
  a.tag = "DECLARE CURSOR";
  return a;
}

absl::StatusOr<Cursor*> ProtocolHandler::CursorNamed(const std::string& name) const {
  auto it = portals_.find(name);
  if (it == portals_.end() || it->second.cursor == nullptr) {
    return SqlError(absl::StatusCode::kNotFound, "34000", absl::StrCat("cursor \"", name, "\" does not exist"));
  }
  return it->second.cursor.get();
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::Fetch(const Command& command,
                                                               const std::vector<ColumnDescription>* columns) {
  absl::StatusOr<Cursor*> found = CursorNamed(command.parameter);
  if (!found.ok()) return found.status();
  Cursor& cursor = **found;
  const bool fetch = command.kind == Command::Kind::kFetch;
  if (fetch && columns != nullptr && columns->size() != cursor.columns.size()) {
    // prepared when a cursor of this name held other columns
    return SqlError(absl::StatusCode::kFailedPrecondition, "0A000", "cached plan must not change result type");
  }
  const CursorWalk walk = Walk(cursor.rows.size(), cursor.position, command.step);
  if (walk.goes_back && !cursor.scroll) {
    return SqlError(absl::StatusCode::kFailedPrecondition, "55000",
                    "cursor can only scan forward: declare it without NO SCROLL to go back");
  }
  cursor.position = walk.position;
  Answer a;
  a.tag = absl::StrCat(fetch ? "FETCH " : "MOVE ", walk.count);
  if (!fetch) return a;
  a.columns = cursor.columns;
  if (cursor.binary) a.formats = {1};
  const std::vector<ColumnDescription> described =
      columns != nullptr ? *columns : *DescribeColumns(cursor.columns, a.formats);
  for (size_t k = 0; k < walk.count; ++k) {
    absl::StatusOr<std::vector<internal::Cell>> row = cursor.rows.Get(walk.backward ? walk.first - k : walk.first + k);
    if (!row.ok()) return row.status();
    EncodeRow(*row, described, &a.rows);
    if (!StreamRows(described, /*copy=*/false, &a.rows)) break;  // the client is gone
  }
  EndStream(&a.rows, &a.streamed);
  return a;
}

absl::StatusOr<ProtocolHandler::Answer> ProtocolHandler::CloseCursors(const Command& command) {
  if (!command.parameter.empty()) {
    absl::StatusOr<Cursor*> found = CursorNamed(command.parameter);
    if (!found.ok()) return found.status();
    ErasePortal(command.parameter);
  } else {
    ErasePortals([](const Portal& p) { return p.cursor != nullptr; });
  }
  Answer a;
  a.tag = command.parameter.empty() ? "CLOSE CURSOR ALL" : "CLOSE CURSOR";
  return a;
}

void ProtocolHandler::EndPortals(bool committed) {
  const Portal* running = nullptr;
  if (running_portal_ != nullptr) {
    if (auto it = portals_.find(*running_portal_); it != portals_.end()) running = &it->second;
    portal_to_drop_ = *running_portal_;
  }
  ErasePortals([running, committed](const Portal& p) {
    const Cursor* c = p.cursor.get();
    if (c == nullptr) return &p != running;
    return !c->hold || (c->in_transaction && !committed);
  });
  for (auto& [name, portal] : portals_) {
    if (portal.cursor != nullptr) portal.cursor->in_transaction = false;
  }
}

}  // namespace hindsight::server
