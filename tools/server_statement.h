// Maintenance a running server does on its own database, asked from the
// command line: `hindsight checkpoint URI DIR` and `hindsight compact URI`
// send the server's CHECKPOINT and COMPACT statements (docs/server.md).
#ifndef HINDSIGHT_TOOLS_SERVER_STATEMENT_H_
#define HINDSIGHT_TOOLS_SERVER_STATEMENT_H_

#include <memory>
#include <string>

#include "command_line.h"
#include "hindsight/db.h"

namespace hindsight::tools {

// Whether `target` names a server (postgresql://USER@HOST:PORT/hindsight)
// rather than a database directory.
bool IsServerUri(const std::string& target);

// `text` as a string literal of the server's statements: in single quotes,
// each quote doubled.
std::string QuoteLiteral(const std::string& text);

// Opens the existing database in `dir` to write. When another process (a
// server) holds it, reports that and then `if_served`, what to do instead;
// nullptr on any failure, reported through `cl`.
std::unique_ptr<Database> OpenIdle(const CommandLine& cl, const std::string& dir, const std::string& if_served);

// Connects to the server at `uri` (a password from PGPASSWORD or ~/.pgpass,
// as for psql), runs `statement` and prints the notice it answers with.
// Returns the command's exit status; a failure to connect or the server's
// error is reported through `cl`.
int RunOnServer(const CommandLine& cl, const std::string& uri, const std::string& statement);

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_SERVER_STATEMENT_H_
