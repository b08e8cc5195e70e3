// hindsight query [--format table|tsv] DB_DIR 'STATEMENT'
#include <cstdio>
#include <string>
#include <vector>

#include <algorithm>
#include <iterator>

#include "command_line.h"
#include "error_caret.h"
#include "hindsight/db.h"
#include "query/session.h"
#include "query/statement.h"
#include "shell/render.h"

namespace hindsight::tools {
namespace {

constexpr char kHelp[] =
    "usage: hindsight query [--format table|tsv|csv|json] DB_DIR 'STATEMENT'\n"
    "\n"
    "Answers one read statement of the query language (docs/query-language.md):\n"
    "  [count] SUBJECT PREDICATE OBJECT [at TIME | during [FROM, TO) | overlaps/contains/\n"
    "      before/after/meets/equals ...] [as of TIME | as of tx N]\n"
    "  history PATTERN | changes PATTERN between T1 and T2 | since PATTERN\n"
    "'*' matches any name; quote names with spaces: \"South Korea\".\n"
    "Put -- before a statement that starts with a comment: -- '-- note ...'.\n"
    "\n"
    "examples:\n"
    "  hindsight query DB 'Syria diplomatic_relations Ukraine at 2023-01-01'\n"
    "  hindsight query DB 'Syria * Ukraine at 2025-10-01 as of 2025-01-01'\n"
    "  hindsight query DB 'history Syria * Ukraine'\n"
    "\n"
    "  --format table   aligned columns, short times (default)\n"
    "  --format tsv     the canonical TSV rows (docs/semantics.md section 6)\n"
    "  --format csv     a header, then RFC 4180 rows (strings as plain text)\n"
    "  --format json    an array of objects\n"
    "Rows are written as they are found, so any answer streams in little memory;\n"
    "a table of more than 10,000 rows comes in pieces of 10,000, each aligned to\n"
    "the widest cells so far.\n";

int Failed(const absl::Status& status) {
  std::fflush(stdout);
  std::fprintf(stderr, "hindsight query: %s\n", std::string(status.message()).c_str());
  return kExitFailure;
}

}  // namespace

int RunQuery(const Args& args) {
  CommandLine cl("query", kHelp);
  std::string format = "table";
  cl.Value("--format", &format);
  cl.set_too_many_hint(
      ": the statement is one argument, quoted whole ('Syria * Ukraine at 2025'); unquoted, the shell splits it "
      "and turns * into file names");
  if (auto exit = cl.Parse(args, 2)) return *exit;
  static const std::pair<const char*, Format> kFormats[] = {
      {"table", Format::kTable}, {"tsv", Format::kTsv}, {"csv", Format::kCsv}, {"json", Format::kJson}};
  const auto chosen = std::find_if(std::begin(kFormats), std::end(kFormats),
                                   [&](const auto& f) { return format == f.first; });
  if (chosen == std::end(kFormats)) {
    cl.Error("--format is table, tsv, csv or json, not '" + format + "'");
    return kExitUsage;
  }
  const std::vector<std::string>& positional = cl.positional();
  absl::StatusOr<internal::Statement> st = internal::ParseStatement(positional[1]);
  if (!st.ok()) {
    std::fprintf(stderr, "hindsight query: %s", DescribeError(positional[1], st.status()).c_str());
    if (internal::StartsLikeSql(positional[1])) {
      std::fprintf(stderr, "hint: %s (docs/query-language.md)\n", internal::kNotSqlHint);
    }
    return kExitFailure;
  }
  using Kind = internal::Statement::Kind;
  if (st->kind != Kind::kRead && st->kind != Kind::kCount && st->kind != Kind::kHistory &&
      st->kind != Kind::kChanges && st->kind != Kind::kSince) {
    std::fprintf(stderr, "hindsight query: only reads here (use 'hindsight shell' for writes, timeline and help)\n");
    return kExitFailure;
  }
  std::unique_ptr<Database> db = OpenExisting(cl, positional[0]);
  if (db == nullptr) return kExitFailure;
  internal::Session session(db.get());
  RenderOptions render;
  render.format = chosen->second;
  // Rows are written as the scan finds them, a buffer at a time (a table's
  // in pieces), so a big answer needs no more memory than a buffer.
  RowWriter writer(render, internal::Session::ColumnsOf(*st), internal::Session::ContractColumnsOf(*st));
  std::string buffer;
  const auto take = [&](const std::vector<internal::Cell>& row) {
    writer.Add(row, &buffer);
    if (buffer.size() < kRowWriterBufferBytes) return;
    std::fwrite(buffer.data(), 1, buffer.size(), stdout);
    buffer.clear();
  };
  const internal::Session::RowConsumer rows = [&](const Row& row) { take(internal::CellsOfRow(row)); };
  const internal::Session::CellsConsumer cells = [&](std::vector<internal::Cell>&& row) { take(row); };
  absl::StatusOr<internal::Result> result = session.Execute(*st, &rows, &cells);
  if (!result.ok()) {
    std::fwrite(buffer.data(), 1, buffer.size(), stdout);
    return Failed(result.status());
  }
  for (const std::vector<internal::Cell>& row : result->rows) take(row);  // answers not streamed (count)
  writer.Finish(*result, &buffer);
  std::fwrite(buffer.data(), 1, buffer.size(), stdout);
  return kExitOk;
}

}  // namespace hindsight::tools
