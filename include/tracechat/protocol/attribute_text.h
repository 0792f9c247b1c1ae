// The text rules for conversation attributes that both sides must agree on
// (guest-chat-v1 §3 set-attributes; the platform applies the same to Web Messaging's
// customAttributes): which keys are valid, and how a value's length is counted.
#pragma once

#include <cstddef>
#include <string_view>

namespace tracechat::protocol {

// ^[A-Za-z_][A-Za-z0-9_.-]{0,63}$
bool is_valid_attribute_key(std::string_view key) noexcept;
inline constexpr std::string_view kAttributeKeyPattern = "^[A-Za-z_][A-Za-z0-9_.-]{0,63}$";

// Unicode code points in UTF-8 text (continuation bytes are not counted): the unit of
// maxAttributeValueChars and maxMessageChars.
std::size_t count_code_points(std::string_view text) noexcept;

}  // namespace tracechat::protocol
