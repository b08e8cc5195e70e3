#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "hindsight/time.h"
#include "time/civil.h"
#include "util/utf8.h"

namespace hindsight {
namespace {

using internal::kMicrosPerDay;
using internal::kMicrosPerSecond;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A cursor over the literal that reads fixed-width decimal fields.
class LiteralReader {
 public:
  explicit LiteralReader(std::string_view s) : s_(s) {}

  bool AtEnd() const { return pos_ == s_.size(); }
  bool Peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  bool Consume(char c) {
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }
  bool PeekDigit() const { return pos_ < s_.size() && IsDigit(s_[pos_]); }
  // Reads exactly `width` ASCII digits, not followed by another.
  bool Digits(int width, int64_t* out) {
    if (s_.size() - pos_ < static_cast<size_t>(width)) return false;
    int64_t v = 0;
    for (int i = 0; i < width; ++i) {
      const char c = s_[pos_ + i];
      if (!IsDigit(c)) return false;
      v = v * 10 + (c - '0');
    }
    if (pos_ + width < s_.size() && IsDigit(s_[pos_ + width])) return false;
    pos_ += width;
    *out = v;
    return true;
  }
  // Reads 1..6 fraction digits as microseconds.
  bool Fraction(int64_t* micros) {
    int n = 0;
    int64_t v = 0;
    while (PeekDigit()) {
      if (++n > 6) return false;
      v = v * 10 + (s_[pos_++] - '0');
    }
    if (n == 0) return false;
    for (int i = n; i < 6; ++i) v *= 10;
    *micros = v;
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

absl::Status Invalid(std::string_view literal, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid time literal '", internal::Excerpt(literal), "': ", std::string(why)));
}

}  // namespace

absl::StatusOr<Instant> ParseInstant(std::string_view literal) {
  if (literal == "-inf") return kNegInf;
  if (literal == "+inf") return kPosInf;
  LiteralReader r(literal);
  int64_t year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, micros = 0;
  int64_t offset_minutes = 0;
  if (!r.Digits(4, &year)) {
    if (r.PeekDigit()) return Invalid(literal, "year must be 0001..9999");
    return Invalid(literal, "expected YYYY, YYYY-MM, YYYY-MM-DD[THH:MM...], -inf or +inf");
  }
  if (year < 1) return Invalid(literal, "year must be 0001..9999");
  if (r.Consume('-')) {
    if (!r.Digits(2, &month) || month < 1 || month > 12) return Invalid(literal, "month must be 01..12");
    if (r.Consume('-')) {
      if (!r.Digits(2, &day)) return Invalid(literal, "day must be 01..31");
      if (day < 1 || day > internal::DaysInMonth(year, static_cast<int>(month))) {
        return Invalid(literal, "no such day in that month");
      }
      if (r.Consume('T')) {
        if (!r.Digits(2, &hour) || hour > 23) return Invalid(literal, "hour must be 00..23");
        if (!r.Consume(':') || !r.Digits(2, &minute) || minute > 59) {
          return Invalid(literal, "minute must be :00..:59");
        }
        if (r.Consume(':')) {
          if (!r.Digits(2, &second) || second > 59) return Invalid(literal, "second must be 00..59");
          if (r.Consume('.') && !r.Fraction(&micros)) {
            return Invalid(literal, "a fraction has 1 to 6 digits");
          }
        }
        if (r.Consume('Z')) {
          // UTC.
        } else if (r.Peek('+') || r.Peek('-')) {
          const int64_t sign = r.Consume('+') ? 1 : (r.Consume('-'), -1);
          int64_t oh = 0, om = 0;
          if (!r.Digits(2, &oh) || oh > 23 || !r.Consume(':') || !r.Digits(2, &om) || om > 59) {
            return Invalid(literal, "offset must be ±HH:MM within 00:00..23:59");
          }
          offset_minutes = sign * (oh * 60 + om);
        }
      }
    }
  }
  if (!r.AtEnd()) return Invalid(literal, "unexpected text after the literal");
  const int64_t days = internal::DaysFromCivil(year, static_cast<int>(month), static_cast<int>(day));
  const int64_t instant = days * kMicrosPerDay +
                          ((hour * 60 + minute - offset_minutes) * 60 + second) * kMicrosPerSecond +
                          micros;
  if (instant < internal::kMinLiteral || instant >= internal::kEndLiteral) {
    return Invalid(literal, "the instant falls outside years 0001..9999");
  }
  return instant;
}

namespace {

struct Broken {
  internal::CivilDate date;
  int hour, minute, second, micros;
};

Broken Break(Instant instant) {
  int64_t days = instant / kMicrosPerDay;
  int64_t rem = instant % kMicrosPerDay;
  if (rem < 0) {
    rem += kMicrosPerDay;
    --days;
  }
  const int64_t secs = rem / kMicrosPerSecond;
  return {internal::CivilFromDays(days), static_cast<int>(secs / 3600),
          static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60),
          static_cast<int>(rem % kMicrosPerSecond)};
}

}  // namespace

std::string FormatInstant(Instant instant) {
  if (instant == kNegInf) return "-inf";
  if (instant == kPosInf) return "+inf";
  const Broken b = Break(instant);
  // YYYY-MM-DDTHH:MM:SS[.ffffff]Z, written digit by digit (hot in answers).
  char buf[32];
  const auto put = [&buf](int at, int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) buf[at + i] = static_cast<char>('0' + v % 10);
  };
  put(0, b.date.year, 4);
  buf[4] = '-';
  put(5, b.date.month, 2);
  buf[7] = '-';
  put(8, b.date.day, 2);
  buf[10] = 'T';
  put(11, b.hour, 2);
  buf[13] = ':';
  put(14, b.minute, 2);
  buf[16] = ':';
  put(17, b.second, 2);
  int n = 19;
  if (b.micros != 0) {
    buf[n++] = '.';
    put(n, b.micros, 6);
    n += 6;
  }
  buf[n++] = 'Z';
  return std::string(buf, n);
}

std::string FormatInstantShort(Instant instant) {
  if (instant == kNegInf) return "-inf";
  if (instant == kPosInf) return "+inf";
  const Broken b = Break(instant);
  std::string out = absl::StrFormat("%04d-%02d-%02d", b.date.year, b.date.month, b.date.day);
  if (b.hour == 0 && b.minute == 0 && b.second == 0 && b.micros == 0) return out;
  absl::StrAppendFormat(&out, "T%02d:%02d", b.hour, b.minute);
  if (b.second != 0 || b.micros != 0) absl::StrAppendFormat(&out, ":%02d", b.second);
  if (b.micros != 0) {
    std::string frac = absl::StrFormat("%06d", b.micros);
    frac.erase(frac.find_last_not_of('0') + 1);
    absl::StrAppend(&out, ".", frac);
  }
  out.push_back('Z');
  return out;
}

}  // namespace hindsight
