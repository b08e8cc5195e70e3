// hindsight log DB_DIR   and   hindsight compact DB_DIR
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "commands.h"
#include "format/tsv.h"
#include "hindsight/db.h"

namespace hindsight::tools {
namespace {

constexpr char kLogHelp[] =
    "usage: hindsight log DB_DIR\n"
    "\n"
    "Lists the committed transactions, one a line, in id order:\n"
    "  TX_ID<TAB>TX_TIME<TAB>SOURCE<TAB>OPERATIONS\n"
    "TX_TIME is the canonical instant; SOURCE is escaped as names are (\\\\ \\t \\n \\r);\n"
    "OPERATIONS counts the operations the log keeps for the transaction.\n";

constexpr char kCompactHelp[] =
    "usage: hindsight compact DB_DIR\n"
    "\n"
    "Rewrites the database files so that nothing erased or overwritten remains\n"
    "on disk (after an erase, for legal deletion). Takes time proportional to the\n"
    "size of the database.\n";

// Opens an existing database, or prints why not.
std::unique_ptr<Database> OpenExisting(const char* command, const std::string& dir) {
  Options options;
  options.create_if_missing = false;
  auto db = Database::Open(dir, options);
  if (!db.ok()) {
    std::fprintf(stderr, "hindsight %s: %s\n", command, std::string(db.status().message()).c_str());
    return nullptr;
  }
  return std::move(*db);
}

}  // namespace

int RunLog(const Args& args) {
  if (WantsHelp(args)) {
    std::fputs(kLogHelp, stdout);
    return kExitOk;
  }
  if (args.size() != 1) {
    std::fputs(kLogHelp, stderr);
    return kExitUsage;
  }
  std::unique_ptr<Database> db = OpenExisting("log", args[0]);
  if (db == nullptr) return kExitFailure;
  std::string out;
  const absl::Status s = db->ListTransactions(1, [&out](const TransactionInfo& info) {
    absl::StrAppend(&out, info.id, "\t", FormatInstant(info.time), "\t", internal::EscapeField(info.source), "\t",
                    info.operation_count, "\n");
    if (out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
    return true;
  });
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (!s.ok()) {
    std::fprintf(stderr, "hindsight log: %s\n", std::string(s.message()).c_str());
    return kExitFailure;
  }
  return kExitOk;
}

int RunCompact(const Args& args) {
  if (WantsHelp(args)) {
    std::fputs(kCompactHelp, stdout);
    return kExitOk;
  }
  if (args.size() != 1) {
    std::fputs(kCompactHelp, stderr);
    return kExitUsage;
  }
  std::unique_ptr<Database> db = OpenExisting("compact", args[0]);
  if (db == nullptr) return kExitFailure;
  if (const absl::Status s = db->Compact(); !s.ok()) {
    std::fprintf(stderr, "hindsight compact: %s\n", std::string(s.message()).c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace hindsight::tools
