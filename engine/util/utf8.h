// UTF-8 one character at a time: the one encoder and decoder the engine and
// the tools share.
#ifndef HINDSIGHT_UTIL_UTF8_H_
#define HINDSIGHT_UTIL_UTF8_H_

#include <string>
#include <string_view>

namespace hindsight::internal {

// Appends code point `c` (at most U+10FFFF) to `out` in UTF-8.
inline void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// The UTF-8 byte order mark (U+FEFF) that some editors and spreadsheets
// write at the start of a text file: no part of its text.
inline constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// `text` without the byte order mark it starts with, if it has one.
inline std::string_view WithoutByteOrderMark(std::string_view text) {
  return text.substr(0, kByteOrderMark.size()) == kByteOrderMark ? text.substr(kByteOrderMark.size()) : text;
}

// Decodes the character at the start of `text` (REQUIRES: not empty) and
// sets `*len` to its length; U+FFFD with length 1 for a byte that does not
// start a valid character.
inline char32_t DecodeUtf8(std::string_view text, size_t* len) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char b0 = byte(0);
  const size_t n = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || n > text.size()) {
    *len = 1;
    return n == 1 ? b0 : U'\uFFFD';
  }
  char32_t c = n == 1 ? b0 : b0 & (0x7F >> n);
  for (size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xC0) != 0x80) {
      *len = 1;
      return U'\uFFFD';
    }
    c = (c << 6) | (byte(i) & 0x3F);
  }
  *len = n;
  return c;
}

// `text` cut to at most `bytes`, not inside a character.
inline std::string_view PrefixAtCharacter(std::string_view text, size_t bytes) {
  if (text.size() <= bytes) return text;
  size_t end = bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

// `text` as an error message quotes it: whole up to 60 bytes, else its
// first 50 and "..." (a pasted document is not echoed back whole).
inline std::string Excerpt(std::string_view text) {
  if (text.size() <= 60) return std::string(text);
  std::string out(PrefixAtCharacter(text, 50));
  out += "...";
  return out;
}

}  // namespace hindsight::internal

#endif  // HINDSIGHT_UTIL_UTF8_H_
