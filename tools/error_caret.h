// A statement error as a person reads it: the reason, then the statement's
// line with a caret under the column the error carries (ErrorColumn), if it
// carries one. Shared by the shell and `hindsight query`.
#ifndef HINDSIGHT_TOOLS_ERROR_CARET_H_
#define HINDSIGHT_TOOLS_ERROR_CARET_H_

#include <string>

#include "absl/status/status.h"

namespace hindsight::tools {

// "REASON\n" and, when the error has a column, "  LINE\n  ^\n" (the caret
// placed by display width, so it sits under the right character of any
// script).
std::string DescribeError(const std::string& statement, const absl::Status& status);

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_ERROR_CARET_H_
