// The subcommands of the `hindsight` tool. Each takes the arguments after
// its name and returns the process exit status.
#ifndef HINDSIGHT_TOOLS_COMMANDS_H_
#define HINDSIGHT_TOOLS_COMMANDS_H_

#include <string>
#include <vector>

namespace hindsight::tools {

using Args = std::vector<std::string>;

int RunImport(const Args& args);
int RunReplay(const Args& args);
int RunQuery(const Args& args);
int RunLog(const Args& args);
int RunCompact(const Args& args);
int RunCheck(const Args& args);
int RunShell(const Args& args);
int RunDemo(const Args& args);
int RunServe(const Args& args);
int RunUser(const Args& args);
int RunStatus(const Args& args);
int RunCheckpoint(const Args& args);
int RunCluster(const Args& args);

// Exit statuses shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // bad input, a failed database call
inline constexpr int kExitUsage = 2;    // bad command line

// True when `args` asks for help (-h or --help anywhere).
bool WantsHelp(const Args& args);

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_COMMANDS_H_
