// How to open a database.
#ifndef HINDSIGHT_OPTIONS_H_
#define HINDSIGHT_OPTIONS_H_

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

  // Durability versus speed. true: every commit reaches the disk (fsync of
  // the write-ahead log) before Commit returns, surviving a power loss.
  // false: a commit survives a crash of the process, not of the machine.
  bool sync = true;
};

}  // namespace hindsight

#endif  // HINDSIGHT_OPTIONS_H_
