// Text from outside (span names, attribute values, commands a client sent) on its way
// to a terminal or a log a terminal will show: every control character is escaped, so
// no input can move the cursor, clear the screen, set the window title or hide a line.
#pragma once

#include <string>
#include <string_view>

namespace tracechat::common {

// Appends `text` with each C0 control and DEL as \xHH (\t, \n and \r by name), each C1
// control (U+0080–U+009F, which some terminals obey as ESC sequences) as \u00HH, and
// each byte that is not part of valid UTF-8 as \xHH. Everything else, including all
// printable Unicode, passes unchanged.
void append_terminal_safe(std::string& out, std::string_view text);
std::string terminal_safe(std::string_view text);

}  // namespace tracechat::common
