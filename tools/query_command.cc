// hindsight query [--format table|tsv] DB_DIR 'STATEMENT'
#include <cstdio>
#include <string>
#include <vector>

#include "command_line.h"
#include "hindsight/db.h"
#include "query/session.h"
#include "query/statement.h"
#include "shell/render.h"

namespace hindsight::tools {
namespace {

constexpr char kHelp[] =
    "usage: hindsight query [--format table|tsv] DB_DIR 'STATEMENT'\n"
    "\n"
    "Answers one read statement of the query language (docs/query-language.md):\n"
    "  [count] SUBJECT PREDICATE OBJECT [at TIME | during [FROM, TO) | overlaps/contains/\n"
    "      before/after/meets/equals ...] [as of TIME | as of tx N]\n"
    "  history PATTERN | changes PATTERN between T1 and T2 | since PATTERN\n"
    "'*' matches any name; quote names with spaces: \"South Korea\".\n"
    "\n"
    "examples:\n"
    "  hindsight query DB 'Syria diplomatic_relations Ukraine at 2023-01-01'\n"
    "  hindsight query DB 'Syria * Ukraine at 2025-10-01 as of 2025-01-01'\n"
    "  hindsight query DB 'history Syria * Ukraine'\n"
    "\n"
    "  --format table   aligned columns, short times (default)\n"
    "  --format tsv     the canonical TSV rows of SEMANTICS.md section 6\n";

}  // namespace

int RunQuery(const Args& args) {
  CommandLine cl("query", kHelp);
  std::string format = "table";
  cl.Value("--format", &format);
  if (auto exit = cl.Parse(args, 2)) return *exit;
  if (format != "table" && format != "tsv") {
    cl.Error("--format is table or tsv, not '" + format + "'");
    return kExitUsage;
  }
  const bool tsv = format == "tsv";
  const std::vector<std::string>& positional = cl.positional();
  absl::StatusOr<internal::Statement> st = internal::ParseStatement(positional[1]);
  if (!st.ok()) {
    std::fprintf(stderr, "hindsight query: %s\n  %s\n", std::string(st.status().message()).c_str(),
                 positional[1].c_str());
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
  absl::StatusOr<internal::Result> result = session.Execute(*st);
  if (!result.ok()) {
    std::fprintf(stderr, "hindsight query: %s\n", std::string(result.status().message()).c_str());
    return kExitFailure;
  }
  const std::string out = Render(*result, tsv ? Format::kTsv : Format::kTable);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace hindsight::tools
