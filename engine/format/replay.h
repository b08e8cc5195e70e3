// Answers a query file (workload/README.md section 3) in the expected-answer
// format (section 4): what `hindsight replay` prints.
#ifndef HINDSIGHT_FORMAT_REPLAY_H_
#define HINDSIGHT_FORMAT_REPLAY_H_

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "format/query_file.h"
#include "hindsight/db.h"

namespace hindsight::internal {

// A query file, parsed: each query in file order, or the reason it is invalid.
struct ParsedQuery {
  absl::StatusOr<FileQuery> query;
};
std::vector<ParsedQuery> ReadQueryFile(std::istream* in);

// Appends the answer block of one query: the `#\tN\tROWS` header and the
// rows, or `#\tN\terror`. `*row_count` gets the number of rows (0 on error).
// Returns an error only when the database failed (not for invalid queries).
absl::Status AnswerQuery(const Database& db, const ParsedQuery& q, size_t number, std::string* out,
                         size_t* row_count);

}  // namespace hindsight::internal

#endif  // HINDSIGHT_FORMAT_REPLAY_H_
