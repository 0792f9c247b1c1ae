// The checks every generator applies to the values it is given, with errors that name
// the option and what is wrong with it ("name: contains a control character (U+000A)").
#pragma once

#include <cstddef>
#include <string_view>

#include "tracechat/result.h"

namespace tracechat::generators::detail {

// One line of text: not empty, UTF-8, no control character, at most `max_characters`
// code points (0: no limit).
Result<void> check_text(std::string_view what, std::string_view value, std::size_t max_characters = 0);

// A value that a Terraform provider or the emulator puts into a double-quoted YAML scalar
// as raw text (a flow's {{placeholder}}): besides check_text, no `"` or `\`, which would
// end or change the scalar, and no `{{` or `}}`, which would make a placeholder.
Result<void> check_substituted(std::string_view what, std::string_view value, std::size_t max_characters = 0);

// A Data Action input or output name, which is also a flow variable's name:
// [A-Za-z_][A-Za-z0-9_]*, at most 64 characters.
bool is_identifier(std::string_view name);

// A participant data key the flow reads: a letter, then letters, digits, _ . or -, at most
// 64 characters.
bool is_attribute_key(std::string_view key);

}  // namespace tracechat::generators::detail
