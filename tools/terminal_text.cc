#include "terminal_text.h"

#include <langinfo.h>

#include <clocale>
#include <cstring>
#include <cwchar>

namespace hindsight::tools {

void UseUtf8Locale() {
  if (std::setlocale(LC_CTYPE, "") != nullptr && std::strcmp(nl_langinfo(CODESET), "UTF-8") == 0) return;
  std::setlocale(LC_CTYPE, "C.UTF-8");
}

char32_t DecodeUtf8(std::string_view text, size_t* len) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char b0 = byte(0);
  size_t n = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
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

void AppendUtf8(char32_t c, std::string* out) {
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

namespace {

// Columns of one character: glibc's table for the UTF-8 locale; a control
// or unknown character counts one (it is printed escaped or as a box).
size_t CharWidth(char32_t c) {
  const int w = wcwidth(static_cast<wchar_t>(c));
  return w < 0 ? 1 : static_cast<size_t>(w);
}

}  // namespace

size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0, len = 0; i < text.size(); i += len) width += CharWidth(DecodeUtf8(text.substr(i), &len));
  return width;
}

std::string_view PrefixFitting(std::string_view text, size_t columns) {
  size_t width = 0, i = 0;
  for (size_t len = 0; i < text.size(); i += len) {
    const size_t w = CharWidth(DecodeUtf8(text.substr(i), &len));
    if (width + w > columns) break;
    width += w;
  }
  return text.substr(0, i);
}

}  // namespace hindsight::tools
