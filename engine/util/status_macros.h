// Early-return helpers for absl::Status (Debian's Abseil 20220623 has none).
#ifndef HINDSIGHT_UTIL_STATUS_MACROS_H_
#define HINDSIGHT_UTIL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define HS_CONCAT_INNER_(a, b) a##b
#define HS_CONCAT_(a, b) HS_CONCAT_INNER_(a, b)

// Returns the status of `expr` from the current function when it is not OK.
#define HS_RETURN_IF_ERROR(expr)                \
  do {                                          \
    ::absl::Status hs_status_ = (expr);         \
    if (!hs_status_.ok()) return hs_status_;    \
  } while (0)

// `lhs = value of expr` when OK; returns its status otherwise.
#define HS_ASSIGN_OR_RETURN(lhs, expr) \
  HS_ASSIGN_OR_RETURN_IMPL_(HS_CONCAT_(hs_statusor_, __LINE__), lhs, expr)
#define HS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

#endif  // HINDSIGHT_UTIL_STATUS_MACROS_H_
