// UTF-8 as RFC 3629 has it: no overlong forms, no surrogates, nothing above U+10FFFF.
// Terminal-safe text escapes what is not valid; the C ABI refuses it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tracechat::common {

// The length of the valid UTF-8 sequence at the start of `s`, or 0 (also for empty `s`).
std::size_t utf8_sequence(std::string_view s);

// Whether all of `s` is valid UTF-8.
bool valid_utf8(std::string_view s);

// `s` with each byte that starts no valid sequence replaced by U+FFFD, as a browser
// decodes it: what JSON for a page holds of text that senders wrote (span names and
// attributes are bytes on the wire; JSON must be UTF-8).
std::string valid_utf8_or_replaced(std::string_view s);

}  // namespace tracechat::common
