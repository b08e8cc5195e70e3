#include "server/cursor.h"

#include <algorithm>

namespace hindsight::server {

CursorWalk Walk(size_t rows, size_t position, CursorStep step) {
  using Wide = __int128;  // positions plus any int64 count, without overflow
  const Wide n = rows;
  const Wide p = position;
  CursorWalk w;
  w.position = position;
  // ABSOLUTE, RELATIVE and a count of 0: row t if there is one, else
  // before the first or after the last.
  const auto to_row = [&](Wide t) {
    if (t >= 1 && t <= n) {
      w.first = static_cast<size_t>(t - 1);
      w.count = 1;
      w.position = static_cast<size_t>(t);
    } else {
      w.position = static_cast<size_t>(t > n ? n + 1 : 0);
    }
  };
  Wide count = step.count == CursorStep::kAll ? n + 2 : Wide{step.count};
  switch (step.kind) {
    case CursorStep::Kind::kAbsolute:
      to_row(count >= 0 ? count : n + 1 + count);
      break;
    case CursorStep::Kind::kRelative:
      to_row(p + count);
      break;
    case CursorStep::Kind::kBackward:
      count = -count;
      [[fallthrough]];
    case CursorStep::Kind::kForward:
      if (count == 0) {
        to_row(p);
      } else if (count > 0) {
        const Wide available = p >= n ? 0 : n - p;
        w.first = static_cast<size_t>(p);
        w.count = static_cast<size_t>(std::min(count, available));
        w.position = static_cast<size_t>(count > available ? n + 1 : p + count);
      } else {
        const Wide available = p <= 1 ? 0 : std::min(p - 1, n);
        w.backward = true;
        w.count = static_cast<size_t>(std::min(-count, available));
        if (w.count > 0) w.first = static_cast<size_t>(p - 2);
        w.position = static_cast<size_t>(-count > available ? 0 : p + count);
      }
      break;
  }
  w.goes_back = w.position < position || (w.count > 0 && w.first + 1 < position);
  return w;
}

}  // namespace hindsight::server
