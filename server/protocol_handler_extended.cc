// ProtocolHandler's extended query protocol: Parse, Bind, Describe, Execute
// and Close (protocol_handler.h).
#include "server/protocol_handler.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "server/pg_types.h"
#include "server/sql_error.h"

namespace hindsight::server {

void ProtocolHandler::Prepared::ReadStatement() {
  if (parameters == 0) {
    absl::StatusOr<internal::Statement> statement = internal::ParseStatement(text);
    if (!statement.ok()) return;
    if (!statement->reads_now) {
      parsed = *std::move(statement);
      return;
    }
  }
  absl::StatusOr<internal::LexedStatement> tokens = internal::LexedStatement::Of(text);
  if (tokens.ok()) lexed = *std::move(tokens);
}

absl::StatusOr<std::shared_ptr<const DescribedColumns>> ProtocolHandler::Prepared::ColumnsIn(
    const std::vector<int16_t>& formats) const {
  if (formats.empty() || (formats.size() == 1 && formats[0] == 0)) return text_columns;
  if (formats.size() == 1 && formats[0] == 1) return binary_columns;
  return DescribeResult(columns, formats, types);
}

void ProtocolHandler::ParseMessage(const Parse& p, std::string* out) {
  const auto fail = [&](const absl::Status& s, size_t offset) { FailExtended(s, p.query, offset, out); };
  const std::vector<Piece> pieces = SplitStatements(p.query);
  if (pieces.size() > 1) {
    return fail(SqlError(absl::StatusCode::kInvalidArgument, "42601",
                         "cannot insert multiple commands into a prepared statement"),
                0);
  }
  auto prepared = std::make_shared<Prepared>();
  prepared->text = pieces.empty() ? "" : std::string(pieces[0].text);
  prepared->command = Classify(prepared->text);
  absl::StatusOr<std::vector<std::string>> columns = ColumnsOf(prepared->command, prepared->text);
  if (!columns.ok()) return fail(columns.status(), pieces.empty() ? 0 : pieces[0].offset);
  prepared->columns = std::move(*columns);
  const std::string statement = prepared->command.body_end > 0  // DECLARE, COPY (...)
                                    ? InnerStatement(prepared->text, prepared->command)
                                    : prepared->text;
  const bool select = prepared->command.kind == Command::Kind::kSelect;
  prepared->parameters = select ? ParameterCount(prepared->command.items) : internal::ParameterCount(statement);
  if (prepared->command.kind == Command::Kind::kHindsight) prepared->ReadStatement();
  // Where the client left a type unspecified, a parameter that stands
  // where a time stands is a timestamptz, one where a value stands json,
  // one where a number stands int8, as PostgreSQL infers them: a driver
  // that asks (Describe) then sends a time as one, and a number, a boolean
  // or a string as JSON.
  prepared->param_types = p.param_types;
  const std::vector<internal::ParameterPlace> places = internal::ParameterPlaces(statement);
  if (prepared->param_types.size() < places.size()) prepared->param_types.resize(places.size());
  for (size_t i = 0; i < places.size(); ++i) {
    if (prepared->param_types[i] != 0) continue;
    if (places[i] == internal::ParameterPlace::kTime) prepared->param_types[i] = kTimestamptzOid;
    if (places[i] == internal::ParameterPlace::kValue) prepared->param_types[i] = kJsonOid;
    if (places[i] == internal::ParameterPlace::kNumber) prepared->param_types[i] = kInt8Oid;
  }
  if (select) TypeParameters(&prepared->command.items, &prepared->param_types);
  prepared->types = TypesOf(prepared->command);
  prepared->text_columns = *DescribeResult(prepared->columns, {}, prepared->types);
  prepared->binary_columns = *DescribeResult(prepared->columns, {1}, prepared->types);
  if (!p.statement.empty() && prepared_.contains(p.statement)) {
    return fail(SqlError(absl::StatusCode::kAlreadyExists, "42P05",
                         absl::StrCat("prepared statement \"", p.statement, "\" already exists")),
                0);
  }
  // The unnamed statement is replaced: its bytes leave as the new one's come.
  const auto kept = prepared_.find(p.statement);
  const size_t leaving = kept == prepared_.end() ? 0 : PreparedBytes(*kept->second);
  const size_t coming = PreparedBytes(*prepared);
  if (coming > leaving) {
    if (absl::Status s = CheckSessionMemory(coming - leaving); !s.ok()) return fail(s, 0);
  }
  KeepPrepared(p.statement, std::move(prepared));
  AppendParseComplete(out);
}

void ProtocolHandler::BindMessage(const Bind& b, std::string* out) {
  const auto fail = [&](const absl::Status& s) { FailExtended(s, "", 0, out); };
  auto it = prepared_.find(b.statement);
  if (it == prepared_.end()) {
    return fail(SqlError(absl::StatusCode::kNotFound, "26000",
                         absl::StrCat("prepared statement \"", b.statement, "\" does not exist")));
  }
  const Prepared& prepared = *it->second;
  const size_t needed = std::max(prepared.parameters, prepared.param_types.size());
  if (b.params.size() != needed) {
    return fail(SqlError(absl::StatusCode::kInvalidArgument, "08P01",
                         absl::StrCat("bind message supplies ", b.params.size(),
                                      " parameters, but prepared statement \"", b.statement, "\" requires ", needed)));
  }
  if (b.param_formats.size() > 1 && b.param_formats.size() != b.params.size()) {
    return fail(SqlError(absl::StatusCode::kInvalidArgument, "08P01",
                         absl::StrCat("bind message has ", b.param_formats.size(), " parameter formats but ",
                                      b.params.size(), " parameters")));
  }
  Portal portal;
  portal.prepared = it->second;
  for (size_t i = 0; i < b.params.size(); ++i) {
    const uint32_t type = i < prepared.param_types.size() ? prepared.param_types[i] : 0;
    const int16_t format = b.param_formats.empty() ? 0 : b.param_formats.size() == 1 ? b.param_formats[0]
                                                                                     : b.param_formats[i];
    std::optional<std::string> value = b.params[i];
    if (value && format == 1) {
      absl::StatusOr<std::string> text = BinaryParamAsText(type, *value);
      if (!text.ok()) return fail(text.status());
      value = std::move(*text);
    } else if (value) {
      value = TextParamAsLiteral(type, *std::move(value));
    }
    portal.params.values.push_back(std::move(value));
    portal.params.text_typed.push_back(type == kTextOid || type == kVarcharOid);
  }
  absl::StatusOr<std::shared_ptr<const DescribedColumns>> columns = prepared.ColumnsIn(b.result_formats);
  if (!columns.ok()) {
    return fail(SqlError(absl::StatusCode::kInvalidArgument, "08P01", std::string(columns.status().message())));
  }
  portal.columns = std::move(*columns);
  if (!b.portal.empty() && portals_.contains(b.portal)) {
    return fail(SqlError(absl::StatusCode::kAlreadyExists, "42P03",
                         absl::StrCat("cursor \"", b.portal, "\" already exists")));
  }
  if (absl::Status s = KeepPortal(b.portal, std::move(portal)); !s.ok()) return fail(s);
  AppendBindComplete(out);
}

void ProtocolHandler::DescribeMessage(const Describe& d, std::string* out) {
  if (d.what == 'S') {
    auto it = prepared_.find(d.name);
    if (it == prepared_.end()) {
      FailExtended(SqlError(absl::StatusCode::kNotFound, "26000",
                            absl::StrCat("prepared statement \"", d.name, "\" does not exist")),
                   "", 0, out);
      return;
    }
    const Prepared& p = *it->second;
    std::vector<uint32_t> types(std::max(p.parameters, p.param_types.size()), kTextOid);
    for (size_t i = 0; i < p.param_types.size(); ++i) {
      if (p.param_types[i] != 0) types[i] = p.param_types[i];
    }
    AppendParameterDescription(types, out);
    if (p.columns.empty()) {
      AppendNoData(out);
    } else {
      out->append(p.text_columns->row_description);
    }
    return;
  }
  auto it = portals_.find(d.name);
  if (it == portals_.end()) {
    FailExtended(
        SqlError(absl::StatusCode::kNotFound, "34000", absl::StrCat("portal \"", d.name, "\" does not exist")), "",
        0, out);
    return;
  }
  if (it->second.columns->columns.empty()) {
    AppendNoData(out);
  } else {
    out->append(it->second.columns->row_description);
  }
}

ProtocolHandler::Step ProtocolHandler::ExecuteMessage(const Execute& e, std::string* out) {
  auto it = portals_.find(e.portal);
  if (it == portals_.end()) {
    FailExtended(
        SqlError(absl::StatusCode::kNotFound, "34000", absl::StrCat("portal \"", e.portal, "\" does not exist")), "",
        0, out);
    return Step::kDone;
  }
  Portal& portal = it->second;
  if (portal.cursor != nullptr) {
    FailExtended(SqlError(absl::StatusCode::kUnimplemented, "0A000",
                          absl::StrCat("\"", e.portal, "\" is a cursor: read it with FETCH")),
                 "", 0, out);
    return Step::kDone;
  }
  MessageBegins(portal.prepared->text);
  if (!portal.executed) {
    const Prepared& p = *portal.prepared;
    // Rows go out as they are found unless the client asked for some at a
    // time (COPY sends all its rows).
    bool client_gone = false;
    writes_join_implicit_block_ = true;
    running_portal_ = &e.portal;
    absl::StatusOr<Answer> answer =
        e.max_rows == 0 || p.command.kind == Command::Kind::kCopyTo
            ? RunStreaming(p.command, p.text, &portal.params, &portal.columns->columns, &p, /*describe=*/false, out,
                           &client_gone)
            : Run(p.command, p.text, &portal.params, &portal.columns->columns, &p);
    writes_join_implicit_block_ = false;
    running_portal_ = nullptr;
    if (client_gone) return Step::kClose;
    if (!answer.ok()) {
      FailExtended(answer.status(), p.text, 0, out);
      return Step::kDone;
    }
    portal.executed = true;
    if (!answer->notice.empty()) AppendNoticeResponse({"NOTICE", "00000", answer->notice, {}, ""}, out);
    if (p.command.kind == Command::Kind::kEmpty) {
      AppendEmptyQueryResponse(out);
      return Step::kDone;
    }
    if (answer->copy_in) {
      AppendCopyInResponse(out);
      return Step::kDone;
    }
    portal.tag = std::move(answer->tag);
    portal.rows = std::move(answer->rows);
    portal.copy_out = answer->copy_out;
    if (answer->streamed) {
      if (portal.copy_out) AppendCopyDone(out);
      AppendCommandComplete(portal.tag, out);
      return Step::kDone;
    }
    if (portal.copy_out) AppendCopyOutResponse(answer->columns.size(), out);
    if (answer->columns.empty()) {
      AppendCommandComplete(portal.tag, out);
      return Step::kDone;
    }
    if (absl::Status s = RecountPortal(&portal); !s.ok()) {  // the rows it keeps for its next Executes
      ErasePortal(e.portal);
      FailExtended(s, "", 0, out);
      return Step::kDone;
    }
  }
  const size_t rows = portal.rows.size();
  const size_t end = e.max_rows > 0 && !portal.copy_out  // COPY sends all its rows
                         ? std::min(rows, portal.next_row + static_cast<size_t>(e.max_rows))
                         : rows;
  return SendPortalRows(e.portal, end, out);
}

ProtocolHandler::Step ProtocolHandler::SendPortalRows(const std::string& name, size_t end, std::string* out) {
  Portal& portal = portals_[name];
  // Cancelled while its rows were being sent, or they cannot be read back.
  const absl::StatusOr<bool> all =
      cancel_->exchange(false) ? absl::CancelledError("cancelled") : AppendRows(&portal, end, out);
  if (!all.ok()) {
    ErasePortal(name);
    FailExtended(all.status(), "", 0, out);
    return Step::kDone;
  }
  if (!*all) {
    resume_ = [this, name, end](std::string* o) { return SendPortalRows(name, end, o); };
    return Step::kMore;
  }
  if (portal.next_row < portal.rows.size()) {
    AppendPortalSuspended(out);
  } else {
    if (portal.copy_out) AppendCopyDone(out);
    AppendCommandComplete(portal.tag, out);
  }
  return Step::kDone;
}

void ProtocolHandler::CloseMessage(const Close& c, std::string* out) {
  if (c.what == 'S') {
    ForgetPrepared(c.name);
  } else {
    ErasePortal(c.name);
  }
  AppendCloseComplete(out);
}

}  // namespace hindsight::server
