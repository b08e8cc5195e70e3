#include "terminal_text.h"

#include <langinfo.h>

#include <clocale>
#include <cstring>
#include <cwchar>

#include "util/utf8.h"

namespace hindsight::tools {

using internal::DecodeUtf8;

void UseUtf8Locale() {
  if (std::setlocale(LC_CTYPE, "") != nullptr && std::strcmp(nl_langinfo(CODESET), "UTF-8") == 0) return;
  std::setlocale(LC_CTYPE, "C.UTF-8");
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

std::string_view SuffixFitting(std::string_view text, size_t columns) {
  size_t width = 0, start = text.size();
  while (start > 0) {
    size_t prev = start - 1;
    while (prev > 0 && (static_cast<unsigned char>(text[prev]) & 0xC0) == 0x80) --prev;
    const size_t w = DisplayWidth(text.substr(prev, start - prev));
    if (width + w > columns) break;
    width += w;
    start = prev;
  }
  return text.substr(start);
}

std::string ShownName(std::string_view name) {
  // In one pass: VisibleText writes \t \n \r as TSV does; a backslash
  // is doubled here.
  std::string out;
  out.reserve(name.size());
  for (size_t start = 0;;) {
    const size_t slash = name.find('\\', start);
    internal::AppendVisible(name.substr(start, slash - start), &out);
    if (slash == std::string_view::npos) return out;
    out += "\\\\";
    start = slash + 1;
  }
}

}  // namespace hindsight::tools
