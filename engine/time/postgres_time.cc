#include "time/postgres_time.h"

#include "absl/strings/ascii.h"

namespace hindsight::internal {
namespace {

bool Digits(std::string_view s, size_t at, size_t n) {
  if (at + n > s.size()) return false;
  for (size_t i = at; i < at + n; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// A zone as PostgreSQL reads one (Z, ±HH, ±HHMM, ±HH:MM, and ±HH:MM:00,
// as Go's pgx writes an offset) in the literal's form (Z or ±HH:MM); ""
// when `zone` is none of these.
std::string Zone(std::string_view zone) {
  if (zone == "Z") return "Z";
  if (zone.size() < 3 || (zone[0] != '+' && zone[0] != '-') || !Digits(zone, 1, 2)) return "";
  const std::string hours(zone.substr(0, 3));
  if (zone.size() == 3) return hours + ":00";
  if (zone.size() == 5 && Digits(zone, 3, 2)) return hours + ":" + std::string(zone.substr(3));
  if (zone.size() == 6 && zone[3] == ':' && Digits(zone, 4, 2)) return std::string(zone);
  if (zone.size() == 9 && zone[3] == ':' && Digits(zone, 4, 2) && zone.substr(6) == ":00") {
    return std::string(zone.substr(0, 6));
  }
  return "";
}

}  // namespace

std::string PostgresTimeAsLiteral(std::string_view text) {
  std::string_view t = text;
  while (!t.empty() && absl::ascii_isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  while (!t.empty() && absl::ascii_isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  const std::string lower = absl::AsciiStrToLower(std::string(t));
  if (lower == "infinity" || lower == "+infinity") return "+inf";
  if (lower == "-infinity") return "-inf";
  // YYYY-MM-DD, then a space or T and HH:MM[:SS[.f...]], then a zone.
  if (t.size() <= 10 || !Digits(t, 0, 4) || t[4] != '-' || !Digits(t, 5, 2) || t[7] != '-' || !Digits(t, 8, 2) ||
      (t[10] != ' ' && t[10] != 'T') || !Digits(t, 11, 2) || t.size() < 16 || t[13] != ':' || !Digits(t, 14, 2)) {
    return std::string(text);
  }
  size_t i = 16;
  if (i < t.size() && t[i] == ':' && Digits(t, i + 1, 2)) {
    i += 3;
    if (i < t.size() && t[i] == '.' && Digits(t, i + 1, 1)) {
      for (++i; i < t.size() && absl::ascii_isdigit(static_cast<unsigned char>(t[i])); ++i) {
      }
    }
  }
  std::string literal = std::string(t.substr(0, 10)) + "T" + std::string(t.substr(11, i - 11));
  if (i == t.size()) return literal;
  const std::string zone = Zone(t.substr(i));
  if (zone.empty()) return std::string(text);
  return literal + zone;
}

bool IsPostgresTimeType(std::string_view type) {
  return type == "timestamptz" || type == "timestamp" || type == "date";
}

}  // namespace hindsight::internal
