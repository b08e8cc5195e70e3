// RocksDB's diagnostic log of a database (DB_DIR/LOG), written so that a
// full disk costs only the lines it cannot take.
//
// RocksDB's own logger, as Debian builds RocksDB (assertions on), aborts the
// process at the first line it writes after one the disk refused: on a full
// disk a commit's failure (which RocksDB's error handler logs) killed the
// process, and so did every later open of the database. This one writes
// each line with one write(2) and drops what the disk refuses.
#ifndef HINDSIGHT_STORAGE_INFO_LOG_H_
#define HINDSIGHT_STORAGE_INFO_LOG_H_

#include <memory>
#include <string>

#include <rocksdb/env.h>

namespace hindsight::internal {

// Starts a new `LOG` in the existing directory `dir`, keeping the previous
// one as `LOG.old.<microseconds since 1970>`, as RocksDB starts its own
// (RocksDB deletes the oldest of those past DBOptions::keep_log_file_num,
// when it opens the database and every six hours). A LOG past 16 MiB is
// kept the same way and a new one started (`roll_bytes`). If `LOG` cannot be created the
// logger drops every line: a diagnostic log never keeps a database from
// opening. The caller holds the database's lock, or `dir` is its own; else
// it would rotate another process's log.
std::shared_ptr<rocksdb::Logger> StartInfoLog(const std::string& dir, size_t roll_bytes = size_t{16} << 20);

// A logger that drops every line: for an open that is to fail because
// another process holds the database, which must not rotate its log.
std::shared_ptr<rocksdb::Logger> DiscardingInfoLog();

}  // namespace hindsight::internal

#endif  // HINDSIGHT_STORAGE_INFO_LOG_H_
