// A cursor, as SQL's DECLARE makes it and FETCH and MOVE walk it: the rows
// of one read, computed when the cursor is declared (so it answers from the
// database as it was then, as PostgreSQL's cursors do) and held by the
// connection (server/cursor_rows.h: in memory up to a budget, then in a
// temporary file) until CLOSE, the end of its transaction or of the
// session.
//
// Its position is PostgreSQL's: before the first row (0), on row k
// (1..n), or after the last (n + 1). A fresh cursor is before the first
// row.
#ifndef HINDSIGHT_SERVER_CURSOR_H_
#define HINDSIGHT_SERVER_CURSOR_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "server/cursor_rows.h"

namespace hindsight::server {

// Where a FETCH or MOVE goes.
//   NEXT = FORWARD 1, PRIOR = BACKWARD 1, FIRST = ABSOLUTE 1,
//   LAST = ABSOLUTE -1, n = FORWARD n, ALL = FORWARD ALL.
struct CursorStep {
  enum class Kind { kForward, kBackward, kAbsolute, kRelative };
  static constexpr int64_t kAll = std::numeric_limits<int64_t>::max();

  Kind kind = Kind::kForward;
  // kForward, kBackward: how many rows (kAll: every one; a negative count
  // goes the other way; 0 is the current row). kAbsolute: the row (negative
  // counts from the end, 0 is before the first). kRelative: the row this
  // many from the current one.
  int64_t count = 1;
};

// What one step returns and where it leaves the cursor.
struct CursorWalk {
  size_t first = 0;       // 0-based index of the first row returned
  size_t count = 0;       // rows returned: first, then first+1 ... (or first-1 ... going back)
  bool backward = false;
  size_t position = 0;    // afterwards
  bool goes_back = false; // it returns or moves to rows before the position: only a scrollable cursor may
};

// The walk of `step` over a cursor of `rows` rows at `position` (at most
// rows + 1). Pure; costs nothing but a few comparisons.
CursorWalk Walk(size_t rows, size_t position, CursorStep step);

struct Cursor {
  std::vector<std::string> columns;
  CursorRows rows;
  bool binary = false;      // DECLARE ... BINARY: rows in binary format
  bool scroll = true;       // false: NO SCROLL, which refuses to go back
  bool hold = false;        // WITH HOLD: outlives the transaction that declared it, if it commits
  bool in_transaction = false;  // declared in the transaction still open
  uint64_t serial = 0;          // the session's DECLAREs before it, and it: 1, 2, ...
  size_t position = 0;
};

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_CURSOR_H_
