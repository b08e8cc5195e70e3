// Text as a terminal shows it: UTF-8 everywhere, and widths in columns.
#ifndef HINDSIGHT_TOOLS_TERMINAL_TEXT_H_
#define HINDSIGHT_TOOLS_TERMINAL_TEXT_H_

#include <string>
#include <string_view>

namespace hindsight::tools {

// Sets the program's character type (LC_CTYPE) to the environment's if that
// is UTF-8, otherwise to C.UTF-8: names are UTF-8 whatever the terminal's
// locale says, and the line editor and widths follow LC_CTYPE. Call once,
// first thing in main.
void UseUtf8Locale();

// The columns `text` takes on a terminal: a wide character (CJK, most
// emoji) takes two, a combining mark none, others one. Bytes that are not
// UTF-8 count one each.
size_t DisplayWidth(std::string_view text);

// The longest prefix of `text` that fits in `columns`, on a character
// boundary.
std::string_view PrefixFitting(std::string_view text, size_t columns);
// The longest suffix of `text` that fits in `columns`, on a character
// boundary.
std::string_view SuffixFitting(std::string_view text, size_t columns);

// A name (or a transaction's source) as tables and charts for people show
// it: escaped as in TSV (\\ \t \n \r), and any other character a
// terminal would act on written as internal::VisibleText does.
std::string ShownName(std::string_view name);

}  // namespace hindsight::tools

#endif  // HINDSIGHT_TOOLS_TERMINAL_TEXT_H_
