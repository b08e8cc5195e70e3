// hindsight log DB_DIR   and   hindsight compact DB_DIR|URI
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "command_line.h"
#include "format/ops_writer.h"
#include "format/tsv.h"
#include "query/database_tables.h"
#include "hindsight/db.h"
#include "server_statement.h"

namespace hindsight::tools {
namespace {

constexpr char kLogHelp[] =
    "usage: hindsight log [--ops] DB_DIR\n"
    "\n"
    "Lists the committed transactions, one a line, in id order:\n"
    "  TX_ID<TAB>TX_TIME<TAB>SOURCE<TAB>OPERATIONS\n"
    "TX_TIME is the canonical instant; SOURCE is escaped as names are (\\\\ \\t \\n \\r);\n"
    "OPERATIONS counts the operations the log keeps for the transaction.\n"
    "\n"
    "  --ops   print the whole log as an operations file instead (docs/formats.md):\n"
    "          a tx block per transaction with its time, source and operations.\n"
    "          hindsight import of it into a new directory gives the same database\n"
    "          (a logical backup); into this one, it skips every block.\n";

constexpr char kCompactHelp[] =
    "usage: hindsight compact DB_DIR|URI\n"
    "\n"
    "Rewrites the database files so that nothing erased or overwritten remains\n"
    "on disk (after an erase, for legal deletion). Takes time proportional to the\n"
    "size of the database. Prints the bytes on disk before and after.\n"
    "\n"
    "For a database a server is running, give the server's URI\n"
    "(postgresql://USER@HOST:PORT/hindsight): the server compacts it and keeps\n"
    "serving, reads and commits going on meanwhile; the user must be allowed to\n"
    "write. A password comes from PGPASSWORD or ~/.pgpass, as for psql.\n";

// Writes `out` to standard output once it holds a megabyte (or `all`).
void Flush(std::string* out, bool all = false) {
  if (!all && out->size() < (1 << 20)) return;
  std::fwrite(out->data(), 1, out->size(), stdout);
  out->clear();
}

}  // namespace

int RunLog(const Args& args) {
  CommandLine cl("log", kLogHelp);
  bool ops = false;
  cl.Flag("--ops", &ops);
  if (auto exit = cl.Parse(args, 1)) return *exit;
  std::unique_ptr<Database> db = OpenExisting(cl, cl.positional()[0]);
  if (db == nullptr) return kExitFailure;
  std::string out;
  const absl::Status s =
      ops ? db->ScanLog(1,
                        [&out](const TransactionInfo& info, const Transaction& txn) {
                          internal::AppendOpsBlock(info.time, info.source, txn, &out);
                          Flush(&out);
                          return true;
                        })
          : db->ListTransactions(1, [&out](const TransactionInfo& info) {
              absl::StrAppend(&out, info.id, "\t", FormatInstant(info.time), "\t", internal::EscapeField(info.source),
                              "\t", info.operation_count, "\n");
              Flush(&out);
              return true;
            });
  Flush(&out, /*all=*/true);
  if (!s.ok()) {
    cl.Error(std::string(s.message()));
    return kExitFailure;
  }
  return kExitOk;
}

int RunCompact(const Args& args) {
  CommandLine cl("compact", kCompactHelp);
  if (auto exit = cl.Parse(args, 1)) return *exit;
  if (IsServerUri(cl.positional()[0])) return RunOnServer(cl, cl.positional()[0], "COMPACT");
  std::unique_ptr<Database> db = OpenIdle(
      cl, cl.positional()[0], "give the server's URI: hindsight compact postgresql://USER@HOST:PORT/hindsight");
  if (db == nullptr) return kExitFailure;
  const uint64_t before = internal::BytesOnDisk(cl.positional()[0]);
  if (const absl::Status s = db->Compact(); !s.ok()) {
    cl.Error(std::string(s.message()));
    return kExitFailure;
  }
  const uint64_t after = internal::BytesOnDisk(cl.positional()[0]);
  std::printf("compacted %s: %.1f MB -> %.1f MB on disk\n", cl.positional()[0].c_str(), before / 1e6, after / 1e6);
  return kExitOk;
}

}  // namespace hindsight::tools
