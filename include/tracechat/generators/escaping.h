// Writing a value someone gave into the text of another language so that it reads back
// as exactly that value: it cannot end the string it stands in, add a line, a key or a
// resource, or become code. Each function takes well-formed UTF-8 (check with is_utf8
// first and refuse what is not: every file the generators write is UTF-8).
#pragma once

#include <string>
#include <string_view>

namespace tracechat::generators {

// Well-formed UTF-8: no stray continuation byte, no overlong form, no surrogate, nothing
// above U+10FFFF.
bool is_utf8(std::string_view text);

// The first control character of `text` (C0, DEL or C1 — U+0080..U+009F, which some
// readers take as line breaks), or -1 when there is none. A code point, not a byte.
long first_control_character(std::string_view text);

// An HCL (Terraform) quoted string, quotes included. \ " LF CR TAB as \\ \" \n \r \t, the
// other control characters and U+2028/U+2029 as \uXXXX, and the template introducers
// `${` and `%{` as `$${` and `%%{`, so that Terraform reads the text as it is instead of
// interpolating it.
std::string hcl_string(std::string_view text);

// A YAML double-quoted scalar, quotes included: \ and " escaped, and every code point
// YAML does not allow unescaped (C0, DEL, C1) or that an editor may show as a line break
// (U+2028, U+2029) or hide (U+FEFF) as an escape, so the value stays on its line.
std::string yaml_string(std::string_view text);

// Velocity template text that renders as `text` itself. Text without `$` or `#` is
// already literal (a `\` is literal unless a `$` or `#` follows it); otherwise it is
// wrapped in Velocity's unparsed content `#[[...]]#`, split where `text` holds the
// closing `]]#`: `a]]#b` becomes `#[[a]]]]##[[#b]]#`.
std::string velocity_literal(std::string_view text);

// A POSIX shell word: in single quotes, each ' as '\''.
std::string shell_word(std::string_view text);

}  // namespace tracechat::generators
