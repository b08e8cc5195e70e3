// What `help` and `help TOPIC` print in the shell.
#ifndef HINDSIGHT_TOOLS_SHELL_HELP_TEXT_H_
#define HINDSIGHT_TOOLS_SHELL_HELP_TEXT_H_

#include <string>

namespace hindsight::tools {

// The help for `topic` ("" for the overview), or a list of topics when it
// is unknown.
std::string HelpText(const std::string& topic);

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_SHELL_HELP_TEXT_H_
