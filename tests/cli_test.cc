// The `hindsight` command: exit statuses, messages and effects.
#include <unistd.h>

#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "hindsight/transaction.h"
#include "keys/key_codec.h"
#include "raw_rocks.h"
#include "storage/column_families.h"
#include "test_util.h"

namespace hindsight::testing {
namespace {

class CliTest : public ::testing::Test {
 protected:
  CommandResult Hindsight(const std::string& args) { return RunCommand(ToolPath() + " " + args); }
  std::string Db() const { return dir_.Sub("db"); }
  std::string Ops(const std::string& text) {
    const std::string path = dir_.Sub(absl::StrCat("ops", ++files_, ".tsv"));
    WriteFile(path, text);
    return path;
  }
  ScratchDir dir_;
  int files_ = 0;
};

constexpr char kTwoTransactions[] =
    "tx\t2022-07-01\tnews\n"
    "assert\tSyria\tdiplomatic_relations\tUkraine\t\"severed\"\t2022-06-30\t+inf\n"
    "tx\t2024-12-31\tkyivpost\n"
    "assert\tSyria\tdiplomatic_relations\tUkraine\t\"talks\"\t2024-12-30\t+inf\n";

TEST_F(CliTest, UsageHelpAndUnknownCommands) {
  CommandResult r = Hindsight("");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(r.err, "usage: hindsight COMMAND"));
  r = Hindsight("frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(r.err, "unknown command 'frobnicate'"));
  for (const char* cmd : {"--help", "import --help", "replay --help", "query --help"}) {
    r = Hindsight(cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_TRUE(absl::StartsWith(r.out, "usage: hindsight")) << cmd << ": " << r.out;
  }
  EXPECT_EQ(Hindsight("replay --bogus a b").exit_code, 2);
  // A wrong number of arguments is said, with the usage line.
  r = Hindsight("import onlyone");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "hindsight import: takes 2 arguments, not 1\n"
            "usage: hindsight import [--no-sync] [--bulk | --commits | --atomic] [--memory SIZE] DB_DIR OPS_FILE\n"
            "(hindsight import --help says more)\n");
  EXPECT_TRUE(absl::StartsWith(Hindsight("status").err, "hindsight status: takes at least 1 argument, not 0\n"));
  // An unquoted statement, which the shell split.
  r = Hindsight("query db Syria '*' Ukraine at 2025");
  EXPECT_TRUE(absl::StartsWith(r.err, "hindsight query: takes 2 arguments, not 6: the statement is one argument, "
                                      "quoted whole ('Syria * Ukraine at 2025')")) << r.err;
}

TEST_F(CliTest, ImportPrintsASummaryAndQueryAnswers) {
  CommandResult r = Hindsight(absl::StrCat("import ", Db(), " ", Ops(kTwoTransactions)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "imported 2 transactions, 2 operations in ")) << r.out;
  r = Hindsight(absl::StrCat("query ", Db(), " 'Syria * Ukraine at 2025-10-01 as of 2025-01-01'"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "subject | predicate            | object  | value   | from       | to\n"
            "--------+----------------------+---------+---------+------------+-----\n"
            "Syria   | diplomatic_relations | Ukraine | \"talks\" | 2024-12-30 | +inf\n"
            "(1 row)\n");
  r = Hindsight(absl::StrCat("query --format tsv ", Db(), " 'history Syria * *;'"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "Syria\tdiplomatic_relations\tUkraine\t\"severed\"\t2022-06-30T00:00:00Z\t+inf\t2022-07-01T00:00:00Z\t2024-12-31T00:00:00Z\n"
            "Syria\tdiplomatic_relations\tUkraine\t\"severed\"\t2022-06-30T00:00:00Z\t2024-12-30T00:00:00Z\t2024-12-31T00:00:00Z\t+inf\n"
            "Syria\tdiplomatic_relations\tUkraine\t\"talks\"\t2024-12-30T00:00:00Z\t+inf\t2024-12-31T00:00:00Z\t+inf\n");
}

TEST_F(CliTest, TheLogListsTransactionsAndPrintsItselfAsAnOperationsFile) {
  ASSERT_EQ(Hindsight(absl::StrCat("import ", Db(), " ", Ops(kTwoTransactions))).exit_code, 0);
  ASSERT_EQ(Hindsight(absl::StrCat("import ", Db(), " ",
                                   Ops("tx\t2025-01-01\tcourt order\nerase\tSyria\tdiplomatic_relations\tUkraine\n"
                                       "assert\tSyria\tdiplomatic_relations\tUkraine\t\"restored\"\t2025-09-25\t+inf\n")))
                .exit_code,
            0);
  CommandResult r = Hindsight("log " + Db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "1\t2022-07-01T00:00:00Z\tnews\t0\n"
            "2\t2024-12-31T00:00:00Z\tkyivpost\t0\n"
            "3\t2025-01-01T00:00:00Z\tcourt order\t2\n");
  r = Hindsight("log --ops " + Db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The erase keeps the key's digest, not its names (SHA-256 of the names).
  EXPECT_EQ(r.out,
            "tx\t2022-07-01T00:00:00Z\tnews\n"
            "tx\t2024-12-31T00:00:00Z\tkyivpost\n"
            "tx\t2025-01-01T00:00:00Z\tcourt order\n"
            "erase-digest\t" + absl::BytesToHexString(KeyDigest({"Syria", "diplomatic_relations", "Ukraine"})) + "\n"
            "assert\tSyria\tdiplomatic_relations\tUkraine\t\"restored\"\t2025-09-25T00:00:00Z\t+inf\n");
  const std::string copy = dir_.Sub("copy");
  ASSERT_EQ(Hindsight(absl::StrCat("import ", copy, " ", Ops(r.out))).exit_code, 0);
  EXPECT_EQ(Hindsight("log " + copy).out, Hindsight("log " + Db()).out);
  EXPECT_EQ(Hindsight("query --format tsv " + copy + " 'history * * *'").out,
            Hindsight("query --format tsv " + Db() + " 'history * * *'").out);
  r = Hindsight(absl::StrCat("import ", Db(), " ", Ops(r.out)));  // into its own database: nothing new
  EXPECT_TRUE(absl::StartsWith(r.out, "skipped the first 3 transactions of the file")) << r.out;
}

// TSV and CSV answers are written a batch (4,096 rows) at a time: the
// same rows, one header, whatever the batches.
TEST_F(CliTest, BigAnswersComeWholeInEveryFormat) {
  // More rows than a table draws at once (tools/shell/render.h), its later
  // objects wider than the first piece's.
  constexpr int kRows = 12000;
  std::string ops = "tx\t2022-07-01\tbulk\n";
  for (int i = 0; i < kRows; ++i) absl::StrAppend(&ops, "assert\tS", i % 3, "\tp\tO", i, "\t", i, "\t2020\t+inf\n");
  ASSERT_EQ(Hindsight(absl::StrCat("import ", Db(), " ", Ops(ops))).exit_code, 0);
  for (const char* q : {"* * *", "history * * *", "S1 * * limit 3001", "history * * * limit 11001"}) {
    const CommandResult tsv = Hindsight(absl::StrCat("query --format tsv ", Db(), " '", q, "'"));
    const CommandResult csv = Hindsight(absl::StrCat("query --format csv ", Db(), " '", q, "'"));
    const CommandResult json = Hindsight(absl::StrCat("query --format json ", Db(), " '", q, "'"));
    const CommandResult table = Hindsight(absl::StrCat("query ", Db(), " '", q, "'"));
    ASSERT_EQ(tsv.exit_code, 0) << tsv.err;
    ASSERT_EQ(table.exit_code, 0) << table.err;
    const bool limited = absl::StrContains(q, "limit");
    const size_t rows = std::count(tsv.out.begin(), tsv.out.end(), '\n');
    EXPECT_EQ(rows, absl::StrContains(q, "3001") ? 3001u : absl::StrContains(q, "11001") ? 11001u : size_t{kRows}) << q;
    EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), rows + 1) << q;  // one header
    EXPECT_TRUE(absl::StartsWith(csv.out, "subject,predicate,object,value,from,to")) << q;
    EXPECT_EQ(std::count(json.out.begin(), json.out.end(), '{'), rows) << q;
    // The table: a header and its rule, the rows, their count (and the
    // limit's line).
    const std::vector<std::string> lines = absl::StrSplit(table.out, '\n');
    ASSERT_EQ(lines.size(), rows + 4 + (limited ? 1 : 0)) << q;
    EXPECT_TRUE(absl::StartsWith(lines[0], "subject ")) << q;
    EXPECT_EQ(lines[rows + 2], absl::StrCat("(", rows, " rows)")) << q;
    // Row by row, the TSV, CSV and table answers agree on the subject and
    // object.
    size_t at = csv.out.find('\n') + 1;
    for (size_t line = 0, t = 0; line < rows; ++line) {
      const size_t t_end = tsv.out.find('\n', t);
      const size_t c_end = csv.out.find('\n', at);
      const std::vector<std::string> tsv_fields = absl::StrSplit(tsv.out.substr(t, t_end - t), '\t');
      const std::string csv_line = csv.out.substr(at, c_end - at);
      ASSERT_TRUE(absl::StartsWith(csv_line, absl::StrCat(tsv_fields[0], ",", tsv_fields[1], ",", tsv_fields[2], ",")))
          << q << " row " << line;
      const std::vector<std::string> cells = absl::StrSplit(lines[line + 2], " | ");
      ASSERT_GE(cells.size(), 3u) << q << " row " << line;
      ASSERT_EQ(absl::StripTrailingAsciiWhitespace(cells[0]), tsv_fields[0]) << q << " row " << line;
      ASSERT_EQ(absl::StripTrailingAsciiWhitespace(cells[2]), tsv_fields[2]) << q << " row " << line;
      t = t_end + 1;
      at = c_end + 1;
    }
    // The shell, reading a script into a pipe or a file, writes the same
    // rows as they come.
    for (const CommandResult* answer : {&tsv, &csv, &json, &table}) {
      const char* format = answer == &tsv ? "tsv" : answer == &csv ? "csv" : answer == &json ? "json" : "table";
      const std::string script = Ops(absl::StrCat(".format ", format, "\n", q, ";\n"));
      const CommandResult shell = RunCommand(absl::StrCat(ToolPath(), " shell ", Db(), " < ", script));
      EXPECT_EQ(shell.out, answer->out) << format << " " << q;
    }
  }
  // Expanded, records are numbered on from piece to piece.
  const CommandResult expanded =
      RunCommand(absl::StrCat(ToolPath(), " shell ", Db(), " < ", Ops(".expanded on\n* * *;\n")));
  const std::vector<std::string> records = absl::StrSplit(expanded.out, "-[ RECORD ");
  EXPECT_EQ(records.size() - 1, size_t{kRows});
  EXPECT_TRUE(absl::StrContains(expanded.out, absl::StrCat("-[ RECORD ", kRows, " ]"))) << expanded.out.substr(0, 200);
  EXPECT_TRUE(absl::EndsWith(expanded.out, absl::StrCat("(", kRows, " rows)\n")));
}

TEST_F(CliTest, ImportReadsStandardInput) {
  CommandResult r = RunCommand(absl::StrCat(ToolPath(), " import ", Db(), " - < ", Ops(kTwoTransactions)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "imported 2 transactions")) << r.out;
}

TEST_F(CliTest, ABadLineStopsTheImportAndItsTransactionIsNotApplied) {
  const std::string ops = Ops(std::string(kTwoTransactions) +
                              "tx\t2025-09-26\tcaliber.az\n"
                              "assert\tSyria\tdiplomatic_relations\tUkraine\t\"restored\"\t2025-09-25\t+inf\n"
                              "assert\tSyria\tembassy\tUkraine\t\"open\"\t2025-02-30\t+inf\n");
  CommandResult r = Hindsight(absl::StrCat("import ", Db(), " ", ops));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, ops + ":7: FROM: invalid time literal '2025-02-30'")) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "the 2 transactions before it were committed: fix the file and run the same "
                                       "command again to import the rest")) << r.err;
  r = Hindsight(absl::StrCat("query --format tsv ", Db(), " 'Syria * * at 2025-10-01'"));
  EXPECT_EQ(r.out, "Syria\tdiplomatic_relations\tUkraine\t\"talks\"\t2024-12-30T00:00:00Z\t+inf\n");
  // Fixed, the same command goes on from the third transaction.
  WriteFile(ops, std::string(kTwoTransactions) +
                     "tx\t2025-09-26\tcaliber.az\n"
                     "assert\tSyria\tdiplomatic_relations\tUkraine\t\"restored\"\t2025-09-25\t+inf\n"
                     "assert\tSyria\tembassy\tUkraine\t\"open\"\t2025-02-28\t+inf\n");
  r = Hindsight(absl::StrCat("import ", Db(), " ", ops));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "skipped the first 2 transactions of the file: the database has them "
                                      "(transactions 1..2)\nimported 1 transaction, 2 operations")) << r.out;
  // One transaction before the bad line: said in the singular.
  const std::string one = Ops(std::string(kTwoTransactions).substr(0, std::string(kTwoTransactions).find("tx\t2024")) +
                              "tx\t2022-07-02\tnews\nassert\tSyria\n");
  r = Hindsight(absl::StrCat("import ", dir_.Sub("one"), " ", one));
  EXPECT_TRUE(absl::StrContains(r.err, "stopped; the 1 transaction before it was committed: fix the file")) << r.err;
  // Another file over the same times is refused.
  const std::string other = Ops(absl::StrReplaceAll(kTwoTransactions, {{"kyivpost", "elsewhere"}}));
  r = Hindsight(absl::StrCat("import ", Db(), " ", other));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, other + ":3: the database already has transactions from this file's time on, "
                                               "but its source is not that of transaction 2 ('kyivpost')")) << r.err;
}

TEST_F(CliTest, AnAtomicImportWritesNothingOnError) {
  const std::string ops = Ops(std::string(kTwoTransactions) + "tx\t2023\tlate\n");
  CommandResult r = Hindsight(absl::StrCat("import --atomic ", Db(), " ", ops));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, ops + ":5: transaction time 2023-01-01T00:00:00Z is not after")) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "nothing was imported (--atomic)")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(Db()));  // the import made the directory; it is gone again
  r = Hindsight(absl::StrCat("import --atomic --bulk ", Db(), " ", ops));
  EXPECT_EQ(r.exit_code, 2);
  r = Hindsight(absl::StrCat("import --atomic ", Db(), " ", Ops(kTwoTransactions)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "imported 2 transactions")) << r.out;
}

TEST_F(CliTest, ANonIncreasingTransactionTimeNamesItsTxLine) {
  const std::string ops = Ops(std::string(kTwoTransactions) + "tx\t2024-12-31\tagain\n" +
                              "assert\ta\tb\tc\t1\t2000\t2001\n");
  CommandResult r = Hindsight(absl::StrCat("import ", Db(), " ", ops));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, ops + ":5: transaction time 2024-12-31T00:00:00Z is not after")) << r.err;
  r = Hindsight(absl::StrCat("query --format tsv ", Db(), " 'a b c'"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
}

TEST_F(CliTest, EmptyAndMissingFiles) {
  CommandResult r = Hindsight(absl::StrCat("import ", Db(), " ", Ops("# nothing\n\n")));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "no transactions")) << r.err;
  r = Hindsight(absl::StrCat("import ", Db(), " ", dir_.Sub("absent.tsv")));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "cannot open")) << r.err;
}

TEST_F(CliTest, MissingOrDamagedDatabases) {
  CommandResult r = Hindsight(absl::StrCat("replay ", dir_.Sub("nowhere"), " ", Ops("history\t*\t*\t*\n")));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "no database at")) << r.err;
  r = Hindsight(absl::StrCat("query ", dir_.Sub("nowhere"), " '* * *'"));
  EXPECT_EQ(r.exit_code, 1);
  // The shell makes a new database where there is none, and says so (the
  // path may be mistyped); not again once it is there.
  r = Hindsight(absl::StrCat("shell ", dir_.Sub("new"), " -c 'count * * *'"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, absl::StrCat("hindsight shell: no database at ", dir_.Sub("new"), ": created a new, empty one\n"));
  r = Hindsight(absl::StrCat("shell ", dir_.Sub("new"), " -c 'count * * *'"));
  EXPECT_EQ(r.err, "");
  ASSERT_EQ(Hindsight(absl::StrCat("import ", Db(), " ", Ops(kTwoTransactions))).exit_code, 0);
  std::filesystem::remove(Db() + "/CURRENT");
  r = Hindsight(absl::StrCat("query ", Db(), " '* * *'"));
  EXPECT_EQ(r.exit_code, 1);
  r = Hindsight(absl::StrCat("import ", Db(), " ", Ops(kTwoTransactions)));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "holds no database")) << r.err;
}

// A database of an earlier format is brought up to date at its first open
// to write, which can take a while on a large one: the command says so.
TEST_F(CliTest, AnUpgradeOfAnEarlierFormatIsNoted) {
  ASSERT_EQ(Hindsight(absl::StrCat("import ", Db(), " ", Ops(kTwoTransactions))).exit_code, 0);
  {
    RawRocks raw(Db(), /*read_only=*/false);
    raw.SetFormatVersion(7);
  }
  CommandResult r = Hindsight(absl::StrCat("query ", Db(), " 'count * * *'"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, absl::StrCat("hindsight query: upgrading the database from format 7 to ", internal::kFormatVersion,
                                ": it reads its keys and its whole log once (2 transactions)\n"));
  r = Hindsight(absl::StrCat("query ", Db(), " 'count * * *'"));
  EXPECT_EQ(r.err, "");
}

TEST_F(CliTest, CheckSaysADatabaseIsSoundOrWhereItIsDamaged) {
  ASSERT_EQ(Hindsight(absl::StrCat("import ", Db(), " ", Ops(kTwoTransactions))).exit_code, 0);
  CommandResult r = Hindsight("check " + Db());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, Db() + " is sound (")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "; 2 transactions; 1 keys with their index entries")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.err, "hindsight check: 0.0 s: table files against their checksums\n")) << r.err;
  EXPECT_EQ(Hindsight("check --help").exit_code, 0);
  r = Hindsight(absl::StrCat("check ", dir_.Sub("nowhere")));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "no database at")) << r.err;
  {
    RawRocks raw(Db(), /*read_only=*/false);
    ASSERT_TRUE(raw.db()->Delete(rocksdb::WriteOptions(), raw.Family("txinfo"), internal::TxKey(1)).ok());
  }
  r = Hindsight("check " + Db());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "hindsight check: damaged: transaction 1: has no summary (column family txinfo)"))
      << r.err;
}

TEST_F(CliTest, StatusOfADatabasesDirectorySaysItAsksServers) {
  ASSERT_EQ(Hindsight(absl::StrCat("import ", Db(), " ", Ops(kTwoTransactions))).exit_code, 0);
  const CommandResult r = Hindsight(absl::StrCat("status ", Db()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.out, "a database's directory, not a server")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, absl::StrCat("hindsight log ", Db()))) << r.out;
}

TEST_F(CliTest, QueryErrorsPointAtTheColumn) {
  ASSERT_EQ(Hindsight(absl::StrCat("import ", Db(), " ", Ops(kTwoTransactions))).exit_code, 0);
  CommandResult r = Hindsight(absl::StrCat("query ", Db(), " 'Syria * Ukraine at 2025-02-30'"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "hindsight query: invalid time literal '2025-02-30': no such day in that month\n"
                   "  Syria * Ukraine at 2025-02-30\n"
                   "                     ^\n");
  // A long line shows the columns around the error, as psql does.
  r = Hindsight(absl::StrCat("query ", Db(), " 'Syria * ", std::string(200, 'x'), " at 2025-13 as of 2026 limit 5'"));
  EXPECT_EQ(r.err, absl::StrCat("hindsight query: invalid time literal '2025-13': month must be 01..12\n  ...",
                                std::string(43, 'x'), " at 2025-13 as of 2026 lim...\n", std::string(52, ' '), "^\n"));
  r = Hindsight(absl::StrCat("query --format json ", Db(), " 'Syria * Ukraine at 2025'"));
  EXPECT_TRUE(absl::StartsWith(r.out, "[{\"subject\": \"Syria\"")) << r.out;
  r = Hindsight(absl::StrCat("query --format xml ", Db(), " 'Syria * Ukraine at 2025'"));
  EXPECT_EQ(r.exit_code, 2);
  r = Hindsight(absl::StrCat("query ", Db(), " 'select * from facts'"));
  EXPECT_TRUE(absl::StrContains(r.err, "\nhint: Hindsight reads its own language, not SQL")) << r.err;
  r = Hindsight(absl::StrCat("query ", Db(), " 'Syria * Ukraine at 2025 as of tx 9'"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "no transaction 9")) << r.err;
  // After "--" a statement may start with a comment (or a dash).
  r = Hindsight(absl::StrCat("query --format tsv ", Db(), " -- '-- the pair\nSyria * Ukraine /* now */ at 2025'"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "Syria\tdiplomatic_relations\tUkraine\t\"talks\"")) << r.out;
  EXPECT_EQ(Hindsight(absl::StrCat("query ", Db(), " -- --help")).exit_code, 1);  // a statement, not the option
}

TEST_F(CliTest, ControlCharactersAreShownNotSentToTheTerminal) {
  // A name holding ESC (a terminal's colour sequence) and a C1 control.
  const std::string ops = Ops(
      "tx\t2022-07-01\tnews\x1b]0;title\x07\n"
      "assert\tSyria\x1b[31m\tp\tUkraine\xc2\x9b\t\"x\"\t2022-06-30\t+inf\n"
      "assert\tback\\\\slash\\ttab\tp\tB\t1\t2022-06-30\t+inf\n");
  ASSERT_EQ(Hindsight(absl::StrCat("import ", Db(), " ", ops)).exit_code, 0);
  CommandResult r = Hindsight(absl::StrCat("query ", Db(), " 'history * p *'"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "Syria\\x1B[31m    | p         | Ukraine\\u009B |")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "| news\\x1B]0;title\\x07\n")) << r.out;
  EXPECT_FALSE(absl::StrContains(r.out, "\x1b")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "back\\\\slash\\ttab | p ")) << r.out;  // the TSV escapes too
  // TSV keeps the names as the contract writes them.
  r = Hindsight(absl::StrCat("query --format tsv ", Db(), " '* p *'"));
  EXPECT_TRUE(absl::StartsWith(r.out, "Syria\x1b[31m\tp\tUkraine\xc2\x9b\t")) << r.out;
  // An error quotes what was typed visibly, its caret under the right
  // column (a tab shown as a space).
  r = Hindsight(absl::StrCat("query ", Db(), " \"$(printf '\\tSyria\\033 * * at 2025-13')\""));
  EXPECT_EQ(r.err, "hindsight query: invalid time literal '2025-13': month must be 01..12\n"
                   "   Syria\\x1B * * at 2025-13\n"
                   "                    ^\n");
  // A NUL byte in a script does not cut the message short.
  const std::string script = Ops(std::string("Syria p * at \"a\0b\";\ncount * * *;\n", 31));
  r = Hindsight(absl::StrCat("shell ", Db(), " -f ", script));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "error: invalid value '\"a\\x00b\"': raw control character in a string\n  "))
      << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "count\n-----\n2\n")) << r.out;
  // ... nor does a mistyped command.
  r = Hindsight(absl::StrCat("shell ", Db(), " -f ", Ops(".tx\x1b[2J 3\n\\d\x1b[2J\n")));
  EXPECT_TRUE(absl::StrContains(r.err, "error: unknown command '.tx\\x1B[2J 3' (")) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "error: \\d\\x1B[2J is psql's;")) << r.err;
  EXPECT_FALSE(absl::StrContains(r.err, "\x1b")) << r.err;
}

TEST_F(CliTest, EveryMalformedFileLeavesTheDatabaseAsItWas) {
  ASSERT_EQ(Hindsight(absl::StrCat("import ", Db(), " ", Ops(kTwoTransactions))).exit_code, 0);
  const auto state = [&]() {
    return Hindsight(absl::StrCat("log ", Db())).out +
           Hindsight(absl::StrCat("query --format tsv ", Db(), " 'history * * *'")).out;
  };
  const std::string before = state();
  const std::string tx = "tx\t2030-01-01\tlater\n";
  const std::string ok = "assert\tS\tP\tO\t1\t2000\t2001\n";
  const struct {
    std::string text;
    std::string error;  // after FILE:
  } kCases[] = {
      {tx + ok + "assert\tS\tP\tO\t1\t2000-02-30\t2001\n", "3: FROM: invalid time literal '2000-02-30'"},
      {tx + "assert\tS\tP\tO\t1\t2001\t2000\n", "2: FROM 2001 is not before TO 2000"},
      {tx + "assert\t\tP\tO\t1\t2000\t2001\n", "2: subject: empty name"},
      {tx + "assert\tS\tP\t\xc3\x28\t1\t2000\t2001\n", "2: object: name is not valid UTF-8"},
      {tx + std::string("assert\tS\0\tP\tO\t1\t2000\t2001\n", 24), "2: subject: NUL byte in name"},
      {tx + "assert\tS\t" + std::string(4097, 'p') + "\tO\t1\t2000\t2001\n", "2: predicate: name of 4097 bytes"},
      {tx + "assert\tS\\q\tP\tO\t1\t2000\t2001\n", "2: subject: bad escape '\\q'"},
      {tx + "assert\tS\tP\tO\tnull\t2000\t2001\n", "2: invalid value 'null'"},
      {tx + "assert\tS\tP\tO\t99999999999999999999\t2000\t2001\n", "2: invalid value '99999999999999999999': integer out of int64 range"},
      {tx + "retract\tS\tP\tO\t\"x\"\t2000\t2001\n", "2: a retract carries no value"},
      {tx + "upsert\tS\tP\tO\t1\t2000\t2001\n", "2: unknown operation 'upsert'"},
      {tx + "assert\tS\tP\tO\t1\t2000\n", "2: 'assert' has 7 fields, found 6"},
      {"tx\t2024-12-31\tagain\n" + ok,
       "1: the database already has transactions from this file's time on, but its source is not that of "
       "transaction 2 ('kyivpost')"},
      {"tx\t2023-01-01\tagain\n" + ok,
       "1: the database already has transactions from this file's time on, but none at this block's time "
       "2023-01-01T00:00:00Z"},
      {"tx\t+inf\tnever\n" + ok, "1: TX_TIME must be finite"},
      {ok, "1: an operation before the first tx line"},
      {tx + "assert\tS\tP\tO\t1\t2000\t2001\r\n", "2: raw carriage return"},
      {"\x7f""ELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00>\x00", "1: unknown operation"},
      {tx + "assert\tS\tP\tO\t\"trunc", "2: 'assert' has 7 fields, found 5"},
      {"", " no transactions (empty file?)"},
  };
  for (const auto& c : kCases) {
    const std::string file = Ops(c.text);
    CommandResult r = Hindsight(absl::StrCat("import ", Db(), " ", file));
    EXPECT_EQ(r.exit_code, 1) << c.error;
    EXPECT_TRUE(absl::StrContains(r.err, absl::StrCat(file, ":", c.error))) << "want: " << c.error << "\ngot: " << r.err;
    EXPECT_EQ(state(), before) << c.error;
  }
}

TEST_F(CliTest, ASecondWriterIsToldTheDatabaseIsInUseAndAReaderReadsBesideIt) {
  ASSERT_EQ(Hindsight(absl::StrCat("import ", Db(), " ", Ops(kTwoTransactions))).exit_code, 0);
  // An import that holds the database open while it waits for its input,
  // given a second to open it first (a slow start under a sanitizer must
  // not let the import below take the database before it).
  std::system(absl::StrCat("(sleep 8 | ", ToolPath(), " import ", Db(), " - >/dev/null 2>&1) &").c_str());
  usleep(1'000'000);
  bool refused = false;
  for (int i = 0; i < 30 && !refused; ++i) {
    usleep(100'000);
    CommandResult r = Hindsight(absl::StrCat("import ", Db(), " ", Ops(kTwoTransactions)));
    refused = r.exit_code == 1 && absl::StrContains(r.err, "in use by another process");
  }
  EXPECT_TRUE(refused);
  CommandResult read = Hindsight(absl::StrCat("query --format tsv ", Db(), " 'count * * *'"));
  EXPECT_EQ(read.exit_code, 0) << read.err;
  EXPECT_EQ(read.out, "2\n");
  CommandResult write = Hindsight(absl::StrCat("shell ", Db(), " -c 'assert a b c;'"));
  EXPECT_EQ(write.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(write.err, "hindsight serve")) << write.err;
}

TEST_F(CliTest, ShellRunsScriptsAndReportsFailures) {
  const std::string script = Ops(
      "-- a script on standard input\n"
      "begin at 2022-07-01 source news;\n"
      "assert Syria diplomatic_relations Ukraine = \"severed\"\n"
      "  from 2022-06-30;\n"
      "commit;\n"
      "Syria * Ukraine at 2023;\n");
  CommandResult r = RunCommand(absl::StrCat(ToolPath(), " shell --format tsv ", Db(), " < ", script));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "committed transaction 1 at 2022-07-01 (1 operation)\n")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "Syria\tdiplomatic_relations\tUkraine\t\"severed\"\t2022-06-30T00:00:00Z\t+inf\n"))
      << r.out;
  // SQL gets a hint: the shell reads the language.
  for (const char* sql : {"SELECT * FROM facts;", "show tables;", "describe facts;"}) {
    r = Hindsight(absl::StrCat("shell -c '", sql, "' ", Db()));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(absl::StrContains(r.err, "\nhint: Hindsight reads its own language, not SQL: a read is a pattern such "
                                         "as Syria * Ukraine at 2025-10-01")) << r.err;
  }
  EXPECT_FALSE(absl::StrContains(Hindsight(absl::StrCat("shell -c 'Syria * * at' ", Db())).err, "hint:"));
  // exit; and quit; end the session, as exit and quit do.
  r = Hindsight(absl::StrCat("shell -c 'exit;' -c 'count * * *;' ", Db()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "") << r.out;
  // A script saved with a byte order mark runs as without it.
  const std::string marked = Ops("\xEF\xBB\xBF" "count Syria * *;\n");
  r = Hindsight(absl::StrCat("shell --format tsv -f ", marked, " ", Db()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1\n") << r.out;
  // -f, and a failing statement among good ones: the rest run, the status is 1.
  const std::string bad = Ops("Syria * Ukraine at 2023-13;\ncount * * *;\n");
  r = Hindsight(absl::StrCat("shell -f ", bad, " ", Db()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, absl::StrCat(bad, ":1: error: invalid time literal '2023-13': month must be 01..12\n"
                                "  Syria * Ukraine at 2023-13;\n"
                                "                     ^\n"));
  EXPECT_TRUE(absl::StrContains(r.out, "count\n-----\n1\n(1 row)\n")) << r.out;
  // --bail stops at the first error.
  r = Hindsight(absl::StrCat("shell --bail -f ", bad, " ", Db()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(absl::StrContains(r.out, "count")) << r.out;
  // An error names the line it is on: in a statement over several lines,
  // one that starts after another on the same line, and the last one,
  // without ';', at the end of the script.
  const std::string lines = Ops(
      "count * * *; Syria *\n"
      "  Ukraine at\n"
      "  2023-13;\n"
      "count * *\n"
      "  Ukraine at 2023 x;\n"
      "count Syria\n\n");
  r = Hindsight(absl::StrCat("shell -f ", lines, " ", Db()));
  EXPECT_EQ(r.err, absl::StrCat(lines, ":3: error: invalid time literal '2023-13': month must be 01..12\n",
                                "    2023-13;\n",  // the script's line, as indented there
                                "    ^\n",
                                lines, ":5: error: expected 'as of' or the end of the statement (count takes no limit), ",
                                "found 'x'\n",
                                "    Ukraine at 2023 x;\n",
                                "                    ^\n",
                                lines, ":6: error: expected a predicate, found the end (SUBJECT PREDICATE OBJECT: three terms, * for any)\n",
                                "  count Syria\n",
                                "             ^\n"));
}

TEST_F(CliTest, ShellDotCommandsReadWriteAndList) {
  ASSERT_EQ(Hindsight(absl::StrCat("import ", Db(), " ", Ops(kTwoTransactions))).exit_code, 0);
  const std::string script = Ops("count * * *;\nSyria * Ukraine at 2023-13;\n");
  const std::string once = Db() + "-once.txt", all = Db() + "-all.txt";
  CommandResult r = Hindsight(absl::StrCat("shell --format tsv -c '.once ", once, "' -c 'count * * *;' -c 'count * * *;' -c '.output ",
                                           all, "' -c '.read ", script, "' -c '.output' -c '.names Syr' -c '.names Syr*' ", Db()));
  EXPECT_EQ(r.exit_code, 1);  // the script read has a bad statement
  EXPECT_EQ(ReadFile(once), "2\n");
  EXPECT_EQ(ReadFile(all), "2\n");
  EXPECT_EQ(r.out, "2\nSyria\n(1 name)\nSyria\n(1 name)\n");
  EXPECT_TRUE(absl::StrContains(r.err, absl::StrCat(script, ":2: error: invalid time literal"))) << r.err;
  r = Hindsight(absl::StrCat("shell --format tsv -c .stats ", Db()));
  EXPECT_TRUE(absl::StartsWith(r.out, "keys\t1\ncurrent segments\t2\ntransactions\t2\nfirst transaction\t")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\nbytes on disk\t")) << r.out;
  r = Hindsight(absl::StrCat("shell --format tsv -c .predicates ", Db()));
  EXPECT_EQ(r.out, "diplomatic_relations\t1\t2\n");
  r = Hindsight(absl::StrCat("shell -c '.read /no/such/file' ", Db()));
  EXPECT_TRUE(absl::StrContains(r.err, "cannot open '/no/such/file': No such file or directory")) << r.err;
}

TEST_F(CliTest, ShellFormatsAndCharts) {
  ASSERT_EQ(Hindsight(absl::StrCat("import ", Db(), " ", Ops(kTwoTransactions))).exit_code, 0);
  CommandResult r = Hindsight(absl::StrCat("shell --format csv -c 'Syria * Ukraine at 2023;' ", Db()));
  EXPECT_EQ(r.out,
            "subject,predicate,object,value,from,to\r\n"
            "Syria,diplomatic_relations,Ukraine,severed,2022-06-30T00:00:00Z,2024-12-30T00:00:00Z\r\n");
  r = Hindsight(absl::StrCat("shell --format json -c 'Syria * Ukraine at 2025;' ", Db()));
  EXPECT_EQ(r.out,
            "[{\"subject\": \"Syria\", \"predicate\": \"diplomatic_relations\", \"object\": \"Ukraine\", "
            "\"value\": \"talks\", \"from\": \"2024-12-30T00:00:00Z\", \"to\": \"+inf\"}]\n");
  r = Hindsight(absl::StrCat("shell -c 'timeline Syria * *;' ", Db()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "timeline Syria * * (as of now)\nvalid time across; 1 key, 2 segments\n"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\nSyria diplomatic_relations Ukraine  [\"severed\"===")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "[\"talks\"")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, ">\n")) << r.out;  // until further notice
  EXPECT_TRUE(absl::StrContains(r.out, "---+---")) << r.out;  // ticks
  EXPECT_TRUE(absl::StrContains(r.out, " 2023 ")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "legend:  = \"severed\"  # \"talks\"\n")) << r.out;
  // A window, the bitemporal picture, a cap on keys.
  r = Hindsight(absl::StrCat("shell -c 'timeline Syria * * during [2024-06, 2025-06) limit 1;' ", Db()));
  EXPECT_TRUE(absl::StrContains(r.out, "<\"severed\"")) << r.out;  // it began before the window
  EXPECT_TRUE(absl::StrContains(r.out, "2024-07")) << r.out;
  r = Hindsight(absl::StrCat("shell -c 'timeline history * * Ukraine;' ", Db()));
  EXPECT_TRUE(absl::StrContains(r.out, "\n  tx 1 2022-07-01 news ")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\n  tx 2 2024-12-31 kyivpost ")) << r.out;
  r = Hindsight(absl::StrCat("shell -c 'timeline history * * Ukraine as of tx 1;' ", Db()));
  EXPECT_TRUE(absl::StrContains(r.err, "expected 'during', 'limit', 'svg FILE' or the end of the statement")) << r.err;
  // Keys past the cap are counted, not kept.
  const std::string two_keys = dir_.Sub("two_keys");
  ASSERT_EQ(Hindsight(absl::StrCat("import ", two_keys, " ",
                                   Ops(std::string(kTwoTransactions) + "assert\tTurkey\tborders\tSyria\t\t2020\t+inf\n")))
                .exit_code,
            0);
  r = Hindsight(absl::StrCat("shell -c 'timeline * * * limit 1;' ", two_keys));
  EXPECT_TRUE(absl::StrContains(r.out, "1 key, 2 segments")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "… 1 more key: add 'limit N' to draw more")) << r.out;
  const std::string svg = dir_.Sub("chart.svg");
  r = Hindsight(absl::StrCat("shell -c 'timeline Syria * * svg ", svg, ";' ", Db()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, absl::StrCat("wrote ", svg, " (1 key, 2 segments, 1000x166 px)\n"));
  const std::string chart = ReadFile(svg);
  EXPECT_TRUE(absl::StartsWith(chart, "<svg xmlns=\"http://www.w3.org/2000/svg\"")) << chart;
  EXPECT_EQ(std::count(chart.begin(), chart.end(), '\n') > 5, true);
  EXPECT_TRUE(absl::StrContains(chart, "&quot;talks&quot; [2024-12-30, +inf)")) << chart;
  r = Hindsight(absl::StrCat("shell -c '.tx' ", Db()));
  EXPECT_TRUE(absl::StrContains(r.out, "2  | 2024-12-31 | kyivpost | 1\n")) << r.out;
}

TEST_F(CliTest, ShellDisplaySettings) {
  ASSERT_EQ(Hindsight(absl::StrCat("import ", Db(), " ", Ops(kTwoTransactions))).exit_code, 0);
  const std::string read = "-c 'Syria * Ukraine at 2023;' ";
  CommandResult r = Hindsight(absl::StrCat("shell -c '.expanded on' ", read, "-c '.expanded' ", Db()));
  EXPECT_EQ(r.out,
            "-[ RECORD 1 ]-------------------\n"
            "subject   | Syria\n"
            "predicate | diplomatic_relations\n"
            "object    | Ukraine\n"
            "value     | \"severed\"\n"
            "from      | 2022-06-30\n"
            "to        | 2024-12-30\n"
            "(1 row)\n"
            "on\n");
  // Expanded only when wider than a terminal: not in a script.
  r = Hindsight(absl::StrCat("shell -c '.expanded auto' ", read, Db()));
  EXPECT_TRUE(absl::StartsWith(r.out, "subject | predicate ")) << r.out;
  r = Hindsight(absl::StrCat("shell -c '.maxwidth 7' -c '.headers off' ", read, "-c '.maxwidth' -c '.headers' ", Db()));
  EXPECT_EQ(r.out, "Syria | diplom… | Ukraine | \"sever… | 2022-0… | 2024-1…\n(1 row)\n7\noff\n");
  r = Hindsight(absl::StrCat("shell --format tsv -c '.headers on' ", read, "-c '.format csv' -c '.headers off' ", read, Db()));
  EXPECT_EQ(r.out,
            "subject\tpredicate\tobject\tvalue\tfrom\tto\n"
            "Syria\tdiplomatic_relations\tUkraine\t\"severed\"\t2022-06-30T00:00:00Z\t2024-12-30T00:00:00Z\n"
            "Syria,diplomatic_relations,Ukraine,severed,2022-06-30T00:00:00Z,2024-12-30T00:00:00Z\r\n");
  r = Hindsight(absl::StrCat("shell -c '.expanded sideways' -c '.maxwidth 0' -c '.pager maybe' -c '.pager' ", Db()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "on\n");
  EXPECT_EQ(r.err,
            "error: .expanded takes off, on or auto\n"
            "error: .maxwidth takes a positive number of columns, or off\n"
            "error: .pager takes on or off\n");
  // The errors of dot commands that fail, each its own -c.
  const auto errors_of = [&](const std::vector<std::string>& commands) {
    std::string args = "shell";
    for (const std::string& c : commands) absl::StrAppend(&args, " -c '", c, "'");
    const CommandResult failed = Hindsight(absl::StrCat(args, " ", Db()));
    EXPECT_EQ(failed.exit_code, 1);
    return failed.err;
  };
  // A command with the wrong number of words says how it is used.
  EXPECT_EQ(errors_of({".once", ".predicates all", ".read a b"}),
            "error: usage: .once FILE\n"
            "error: usage: .predicates (no arguments)\n"
            "error: usage: .read FILE\n");
  // An unknown command names the one meant: sqlite3's name for it, or a near miss.
  EXPECT_EQ(errors_of({".mode csv", ".fromat csv", ".tables", ".frobnicate"}),
            "error: unknown command '.mode csv' (did you mean .format? try .help)\n"
            "error: unknown command '.fromat csv' (did you mean .format? try .help)\n"
            "error: unknown command '.tables' (did you mean .predicates? try .help)\n"
            "error: unknown command '.frobnicate' (try .help)\n");
  // psql's backslash commands: those with a dot command of the same use run
  // it, \x and \timing alone toggling; the others say what to type.
  r = Hindsight(absl::StrCat("shell -c '\\x' ", read, "-c '\\x' -c '.expanded' -c '\\timing on' -c '.timer' -c '\\q' ",
                             "-c '.timer off' -c '.timer' ", Db()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "-[ RECORD 1 ]")) << r.out;
  EXPECT_TRUE(absl::EndsWith(r.out, "(1 row)\noff\non\n")) << r.out;
  EXPECT_EQ(errors_of({"\\d", "\\copy x"}),
            "error: \\d is psql's; this shell's commands start with '.' (Hindsight has no tables: .predicates lists "
            "the predicates, .names the names)\n"
            "error: \\copy is psql's; this shell's commands start with '.' (.help lists them)\n");
}

TEST_F(CliTest, ReplayAnswersAndStats) {
  ASSERT_EQ(Hindsight(absl::StrCat("import ", Db(), " ", Ops(kTwoTransactions))).exit_code, 0);
  const std::string queries = Ops("at\tSyria\t*\t*\t2023\t\nbogus\nhistory\t*\t*\tUkraine\n");
  CommandResult r = Hindsight(absl::StrCat("replay --stats ", Db(), " ", queries));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "#\t1\t1\nSyria\tdiplomatic_relations\tUkraine\t\"severed\"\t"));
  EXPECT_TRUE(absl::StrContains(r.out, "#\t2\terror\n#\t3\t3\n")) << r.out;
  EXPECT_TRUE(absl::StartsWith(r.err, absl::StrCat("class\tops", files_, "\t2\t4\t"))) << r.err;
}

TEST_F(CliTest, NewsDemoAnswersItsQuestions) {
  CommandResult r = RunCommand(absl::StrCat(SourceDir(), "/demo/ask.sh ", ToolPath(), " ", Db()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // What was true, and what was known when.
  EXPECT_TRUE(absl::StrContains(r.out, "Syria   | diplomatic_relations | Ukraine | \"severed\" | 2022-06-30 | 2024-12-30\n"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "Syria   | diplomatic_relations | Ukraine | \"talks\" | 2024-12-30 | +inf\n(1 row)"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "Syria   | diplomatic_relations | Ukraine     | \"restored\"    | 2025-09-25 | +inf"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "Tartus Naval Base | \"awaiting evacuation ships\" | 2024-12-30 | +inf")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "Tartus Naval Base | \"operating\" | 2017-01-01 | +inf")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "(5 rows)")) << r.out;  // the history of Syria-Ukraine relations
  // At least 30 facts, every transaction dated and sourced.
  r = RunCommand(absl::StrCat(ToolPath(), " query --format tsv ", Db(), " 'history * * *'"));
  EXPECT_GE(std::count(r.out.begin(), r.out.end(), '\n'), 30);
}

}  // namespace
}  // namespace hindsight::testing
