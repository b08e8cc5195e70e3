// hindsight status HOST:PORT...: each server's SHOW hindsight_status.
#include <libpq-fe.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "command_line.h"
#include "commands.h"
#include "table.h"

namespace hindsight::tools {
namespace {

constexpr char kHelp[] =
    "usage: hindsight status [--user NAME] HOST:PORT|URI...\n"
    "\n"
    "Asks each server (hindsight serve) for its state, all at once, and prints one\n"
    "row each: the node, the last transaction it has applied, and for a node of a\n"
    "cluster (docs/cluster.md) the stream's first transaction (1 unless trimmed),\n"
    "its last, and how far behind it the node is. A server that does not answer\n"
    "gets a row saying why. Exits 1 if any did not, or a node is not following.\n"
    "A password comes from PGPASSWORD or ~/.pgpass, as for psql.\n"
    "\n"
    "  --user NAME   the user to connect as (default: $PGUSER, else hindsight)\n";

constexpr const char* kColumns[] = {"node", "applied", "log_first", "log_last", "lag", "state"};
constexpr size_t kState = std::size(kColumns) - 1;

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};

// A connection string for `target`: a URI or key=value string as is, else
// HOST:PORT.
std::string ConnInfo(const std::string& target, const std::string& user) {
  if (target.find("://") != std::string::npos || target.find('=') != std::string::npos) return target;
  const size_t colon = target.rfind(':');
  const std::string host = colon == std::string::npos ? target : target.substr(0, colon);
  const std::string port = colon == std::string::npos ? "5433" : target.substr(colon + 1);
  return absl::StrCat("host='", host, "' port='", port, "' user='", user, "' dbname=hindsight connect_timeout=5");
}

// A libpq message, which can run over lines ("...refused\n\tIs the server
// running..."), as one line for a table's cell.
std::string OneLine(const char* message) {
  std::vector<absl::string_view> lines = absl::StrSplit(message, '\n', absl::SkipWhitespace());
  for (absl::string_view& line : lines) line = absl::StripAsciiWhitespace(line);
  return absl::StrJoin(lines, " ");
}

// The status row of one server: kColumns, or an error in "state".
std::vector<std::string> StatusOf(const std::string& target, const std::string& user) {
  std::vector<std::string> row(std::size(kColumns));
  row[0] = target;
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::path(target) / "CURRENT", ec)) {
    row[kState] = absl::StrCat("a database's directory, not a server: status asks a running server (HOST:PORT); "
                          "hindsight log ", target, " lists the database's transactions");
    return row;
  }
  std::unique_ptr<PGconn, ConnDeleter> conn(PQconnectdb(ConnInfo(target, user).c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    row[kState] = absl::StrCat("unreachable: ", OneLine(PQerrorMessage(conn.get())));
    return row;
  }
  std::unique_ptr<PGresult, ResultDeleter> result(PQexec(conn.get(), "SHOW hindsight_status"));
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK || PQntuples(result.get()) != 1) {
    row[kState] = absl::StrCat("error: ", OneLine(PQresultErrorMessage(result.get())));
    return row;
  }
  for (int c = 0; c < PQnfields(result.get()); ++c) {
    const std::string name = PQfname(result.get(), c);
    for (size_t i = 0; i < std::size(kColumns); ++i) {
      if (name == kColumns[i]) row[i] = PQgetvalue(result.get(), 0, c);
    }
  }
  if (row[0].empty()) row[0] = target;
  if (row[kState].empty()) row[kState] = "single node";
  return row;
}

}  // namespace

int RunStatus(const Args& args) {
  CommandLine cl("status", kHelp);
  const char* env_user = std::getenv("PGUSER");
  std::string user = env_user != nullptr ? env_user : "hindsight";
  cl.Value("--user", &user);
  if (auto exit = cl.Parse(args, 1, SIZE_MAX)) return *exit;
  // The servers are asked at once: one that does not answer (a node whose
  // log is down takes its request timeout to say so) holds up no other.
  const std::vector<std::string>& targets = cl.positional();
  std::vector<std::vector<std::string>> rows(targets.size());
  std::vector<std::thread> askers;
  for (size_t i = 0; i < targets.size(); ++i) {
    askers.emplace_back([&, i] { rows[i] = StatusOf(targets[i], user); });
  }
  for (std::thread& t : askers) t.join();
  Table table({kColumns, kColumns + std::size(kColumns)});
  bool ok = true;
  for (const std::vector<std::string>& row : rows) {
    // A server that did not answer has its reason in "state".
    ok = ok && (row[kState] == "following" || row[kState] == "single node");
    table.AddRow(row);
  }
  std::fputs(table.Render().c_str(), stdout);
  return ok ? kExitOk : kExitFailure;
}

}  // namespace hindsight::tools
