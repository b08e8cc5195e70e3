// How to open a database.
#ifndef HINDSIGHT_OPTIONS_H_
#define HINDSIGHT_OPTIONS_H_

#include <cstddef>
#include <functional>
#include <string_view>

#include "hindsight/time.h"

namespace hindsight {

// The source of default transaction times. Tests pass their own to control
// time; the database never reads the system clock except through this.
class Clock {
 public:
  virtual ~Clock() = default;
  // Now, as microseconds since the epoch. Must be thread-safe.
  virtual Instant Now() = 0;
};

// The system's real-time clock (thread-safe, never destroyed).
Clock* SystemClock();

struct Options {
  // Behaviour.
  bool create_if_missing = true;   // else opening a missing database is NotFound
  bool error_if_exists = false;    // else opening an existing one is fine
  Clock* clock = nullptr;          // nullptr: SystemClock(); not owned
  // Read the database beside the process that holds it (`hindsight serve`,
  // say) as a RocksDB secondary instance: a view of what it has committed,
  // refreshed by Database::CatchUp; writes fail. The database must exist.
  bool read_only = false;
  // Open to write, but read-only as above when another process holds it or
  // the disk is too full to open it to write (opening replays the
  // write-ahead log into table files; Database::WriteRefusal says which).
  bool read_only_if_in_use = false;

  // Durability versus speed. true: every commit reaches the disk (fsync of
  // the write-ahead log) before Commit returns, surviving a power loss.
  // false: a commit survives a crash of the process, not of the machine.
  bool sync = true;

  // Memory for decompressed table blocks, shared by all of the database's
  // data; taken as used, up to this bound. Reads of blocks outside it
  // decompress them again from the operating system's file cache or the
  // disk. A database that fits reads at memory speed.
  size_t block_cache_bytes = size_t{1} << 30;

  // Memory for whole records found by point reads (a key's timeline record,
  // a transaction's info), kept as found: a record read again is one hash
  // lookup, without searching a table's index and block. Taken as used, up
  // to this bound; 0: none. It holds what reads found in table files (not
  // in the write buffers), so a commit never makes it stale. Worth it where
  // the same keys are read again (a server, the shell); `hindsight import`
  // opens with none, as it reads each record once. Not used where the
  // database is read beside the process that holds it (read_only, or
  // read_only_if_in_use when it is in use: docs/storage.md).
  size_t row_cache_bytes = size_t{128} << 20;

  // A key's closed rows (its versions no longer current) are kept in one
  // record with its live timeline while they take up to this many bytes,
  // so that a key's history, and its state as of a recent time, are one
  // point read. Past it, a commit moves them to a separate column family
  // in chunks of about this size: a read further back in time than the
  // rows the record keeps reads the chunks from the one holding its time
  // on, and stops at the first after which no row it sees is alive (one
  // chunk for a key corrected again and again). Bounds what a commit to a
  // key with a long history costs.
  size_t closed_bytes_in_record = 16 << 10;

  // A key's live timeline (its current segments) past twice this many
  // segments is kept in chunks of about this many, each a record of its
  // own: a commit to the key reads and rewrites the chunks its operations
  // reach and the key's last segments, and a read at an instant reads one
  // chunk, however many segments the key has. A read of the key's whole
  // timeline or history reads every chunk. Must be positive.
  size_t live_chunk_segments = 128;

  // Database::BulkLoad holds the changes of the transactions it has planned
  // in memory until they take about this many bytes, then writes them to
  // table files and ingests them: its memory is bounded whatever the size
  // of the load (beside the transactions given to it).
  size_t bulk_load_memory_bytes = size_t{1} << 30;

  // Database::CommitAll writes the transactions it has planned as one
  // atomic write once their changes take about this many bytes.
  size_t commit_group_bytes = size_t{256} << 20;

  // ... as a write batch and one sync, or, when the group's changes take
  // over this many bytes, as sorted table files ingested at once (as
  // BulkLoad): a batch that large would go through the write-ahead log and
  // the memtables only to be flushed and compacted right after.
  size_t commit_ingest_bytes = size_t{64} << 20;

  // Told, in a sentence, that the database opening is of an earlier format
  // and is being brought up to date, before that starts: it reads every
  // key and the whole log once (about 9 s per million logged operations on
  // the machine of docs/performance.md). Called only within Open, on its
  // thread; unset: nothing is told.
  std::function<void(std::string_view note)> upgrade_notes;
};

}  // namespace hindsight

#endif  // HINDSIGHT_OPTIONS_H_
