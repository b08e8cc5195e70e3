// hindsight query [--format table|tsv] DB_DIR 'STATEMENT'
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "format/query_file.h"
#include "format/tsv.h"
#include "hindsight/db.h"
#include "query/statement.h"
#include "table.h"

namespace hindsight::tools {
namespace {

constexpr char kHelp[] =
    "usage: hindsight query [--format table|tsv] DB_DIR 'STATEMENT'\n"
    "\n"
    "Answers one read statement (docs/query-language.md):\n"
    "  [history] SUBJECT PREDICATE OBJECT [at TIME | during [FROM, TO)] [as of TIME | as of tx N]\n"
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
  if (WantsHelp(args)) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  bool tsv = false;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--format" && i + 1 < args.size()) {
      const std::string& f = args[++i];
      if (f != "table" && f != "tsv") {
        std::fprintf(stderr, "hindsight query: --format is table or tsv, not '%s'\n", f.c_str());
        return kExitUsage;
      }
      tsv = f == "tsv";
    } else if (a.size() > 1 && a[0] == '-' && positional.size() < 1) {
      std::fprintf(stderr, "hindsight query: unknown option '%s'\n\n%s", a.c_str(), kHelp);
      return kExitUsage;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2) {
    std::fputs(kHelp, stderr);
    return kExitUsage;
  }
  absl::StatusOr<internal::Statement> st = internal::ParseStatement(positional[1]);
  if (!st.ok()) {
    std::fprintf(stderr, "hindsight query: %s\n  %s\n", std::string(st.status().message()).c_str(),
                 positional[1].c_str());
    return kExitFailure;
  }
  Options options;
  options.create_if_missing = false;
  auto db = Database::Open(positional[0], options);
  if (!db.ok()) {
    std::fprintf(stderr, "hindsight query: %s\n", std::string(db.status().message()).c_str());
    return kExitFailure;
  }
  Table table(st->is_history()
                  ? std::vector<std::string>{"subject", "predicate", "object", "value", "from", "to", "tx_from", "tx_to"}
                  : std::vector<std::string>{"subject", "predicate", "object", "value", "from", "to"});
  std::string out;
  absl::Status status;
  if (st->is_history()) {
    status = (*db)->ScanHistory(st->query.pattern, [&](const HistoryRow& r) {
      if (tsv) {
        internal::AppendHistoryRow(r, &out);
      } else {
        table.AddRow({internal::EscapeField(r.key.subject), internal::EscapeField(r.key.predicate),
                      internal::EscapeField(r.key.object), FormatValue(r.value), FormatInstantShort(r.valid.from),
                      FormatInstantShort(r.valid.to), FormatInstantShort(r.tx.from), FormatInstantShort(r.tx.to)});
      }
      return true;
    });
  } else {
    status = (*db)->Scan(st->query, [&](const Row& r) {
      if (tsv) {
        internal::AppendRow(r, &out);
      } else {
        table.AddRow({internal::EscapeField(r.key.subject), internal::EscapeField(r.key.predicate),
                      internal::EscapeField(r.key.object), FormatValue(r.value), FormatInstantShort(r.valid.from),
                      FormatInstantShort(r.valid.to)});
      }
      return true;
    });
  }
  if (!status.ok()) {
    std::fprintf(stderr, "hindsight query: %s\n", std::string(status.message()).c_str());
    return kExitFailure;
  }
  if (!tsv) out = table.Render();
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace hindsight::tools
