// The credentials of an `Authorization: Basic …` header (RFC 7617): what the Data Action
// bridge checks of its callers and what the emulator's token endpoint checks of OAuth
// clients.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace tracechat::common {

// The user and password of "Basic base64(user:password)"; nullopt when the header is not
// that. The scheme is compared case-insensitively and may be followed by more than one
// space (RFC 9110 §11.4: 1*SP); trailing spaces and tabs are ignored. The user ends at the
// first ':' (RFC 7617 §2: a user-id cannot contain one), so the password may hold any
// number; either may be empty. More than kMaxBasicCredentialsChars base64 characters is
// refused before decoding.
inline constexpr std::size_t kMaxBasicCredentialsChars = 4096;
std::optional<std::pair<std::string, std::string>> parse_basic_authorization(std::string_view header);

}  // namespace tracechat::common
