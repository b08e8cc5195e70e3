// The news demo (demo/news.tsv), compiled into the tool.
#ifndef HINDSIGHT_TOOLS_DEMO_DATA_H_
#define HINDSIGHT_TOOLS_DEMO_DATA_H_

#include <string_view>

namespace hindsight::tools {
extern const std::string_view kDemoNewsOps;
}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_DEMO_DATA_H_
