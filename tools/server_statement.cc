#include "server_statement.h"

#include <libpq-fe.h>

#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace hindsight::tools {

bool IsServerUri(const std::string& target) { return target.find("://") != std::string::npos; }

std::string QuoteLiteral(const std::string& text) {
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "''"}}), "'");
}

std::unique_ptr<Database> OpenIdle(const CommandLine& cl, const std::string& dir, const std::string& if_served) {
  Options options;
  NoteUpgrades(cl, &options);
  options.create_if_missing = false;
  options.read_only_if_in_use = true;  // (to tell a database in use from one that does not open)
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(dir, options);
  if (!db.ok()) {
    cl.Error(std::string(db.status().message()));
    return nullptr;
  }
  if (const absl::Status refusal = (*db)->WriteRefusal(); !refusal.ok()) {
    cl.Error(absl::IsFailedPrecondition(refusal)  // (held by another process, not a full disk)
                 ? absl::StrCat(dir, " is in use by another process (hindsight serve?): ", if_served)
                 : absl::StrCat("cannot write to ", dir, ": ", refusal.message()));
    return nullptr;
  }
  return *std::move(db);
}

int RunOnServer(const CommandLine& cl, const std::string& uri, const std::string& statement) {
  PGconn* conn = PQconnectdb(uri.c_str());
  std::string notice;
  PQsetNoticeReceiver(
      conn,
      [](void* arg, const PGresult* r) {
        if (const char* m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)) *static_cast<std::string*>(arg) = m;
      },
      &notice);
  int exit = kExitOk;
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string reason = PQerrorMessage(conn);
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
    cl.Error(absl::StrCat("cannot connect to ", uri, ": ", reason));
    exit = kExitFailure;
  } else {
    PGresult* r = PQexec(conn, statement.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      const char* m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
      cl.Error(m != nullptr ? m : PQerrorMessage(conn));
      exit = kExitFailure;
    } else {
      std::printf("%s\n", notice.c_str());
    }
    PQclear(r);
  }
  PQfinish(conn);
  return exit;
}

}  // namespace hindsight::tools
