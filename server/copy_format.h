// The lines of COPY ... TO STDOUT, in PostgreSQL's two text formats:
//
//   text: fields separated by tabs, NULL as \N, and backslash, tab,
//         newline and carriage return escaped as \\ \t \n \r;
//   csv:  fields separated by commas, NULL as nothing, and a field quoted
//         ("...", a quote doubled) when it is empty or holds a comma, a
//         quote, a newline or a carriage return.
//
// Each line ends with a newline.
#ifndef HINDSIGHT_SERVER_COPY_FORMAT_H_
#define HINDSIGHT_SERVER_COPY_FORMAT_H_

#include <optional>
#include <string>
#include <vector>

namespace hindsight::server {

// Appends one line of `fields` (nullopt: NULL) to `out`.
void AppendCopyLine(const std::vector<std::optional<std::string>>& fields, bool csv, std::string* out);

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_COPY_FORMAT_H_
