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

// `text` as a message or a table for people shows it: what a terminal
// would act on instead of showing, and what is not text, written as
// escapes. Tab, line feed and carriage return as \t \n \r; the other
// control characters of ASCII (NUL, ESC, DEL, ...) and bytes that are not
// UTF-8 as \xNN; the C1 controls U+0080-U+009F as \u00NN. Everything
// else as it is, a backslash too: for reading, not for reading back.
// AppendVisible appends it to `out`.
inline void AppendVisible(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b >= 0x20 && b < 0x7F) {
      out->push_back(static_cast<char>(b));
      ++i;
      continue;
    }
    size_t len = 1;
    const char32_t c = DecodeUtf8(text.substr(i), &len);
    if (b == '\t' || b == '\n' || b == '\r') {
      out->push_back('\\');
      out->push_back(b == '\t' ? 't' : b == '\n' ? 'n' : 'r');
    } else if (b < 0x80 || (c == U'\uFFFD' && len == 1)) {
      out->append({'\\', 'x', kHex[b >> 4], kHex[b & 0xF]});
    } else if (c <= 0x9F) {
      out->append({'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]});
    } else {
      out->append(text.substr(i, len));
    }
    i += len;
  }
}
inline std::string VisibleText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendVisible(text, &out);
  return out;
}

// `text` as an error message quotes it: whole up to 60 bytes, else its
// first 50 and "..." (a pasted document is not echoed back whole), as
// VisibleText shows it.
inline std::string Excerpt(std::string_view text) {
  if (text.size() <= 60) return VisibleText(text);
  std::string out = VisibleText(PrefixAtCharacter(text, 50));
  out += "...";
  return out;
}

}  // namespace hindsight::internal

#endif  // HINDSIGHT_UTIL_UTF8_H_
