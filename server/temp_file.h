// Unnamed temporary files, where the server puts what it would rather not
// hold in memory (COPY FROM STDIN's data, a large cursor's rows).
#ifndef HINDSIGHT_SERVER_TEMP_FILE_H_
#define HINDSIGHT_SERVER_TEMP_FILE_H_

#include <fstream>

#include "absl/status/status.h"

namespace hindsight::server {

// Opens `*file` for reading and writing on a new, empty file in $TMPDIR
// (else /tmp) that has no name left: its space goes back when the stream
// closes, whatever happens to the process. Fails with SQLSTATE 58030
// (server/sql_error.h), naming `purpose` ("hold COPY's data").
absl::Status OpenUnnamedTempFile(const char* purpose, std::fstream* file);

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_TEMP_FILE_H_
