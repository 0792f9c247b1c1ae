// application/x-www-form-urlencoded, the encoding of the OAuth token request's body and
// of a URL's query string.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracechat::emulator {

// name=value pairs joined by '&', '+' for a space and %XX escapes; nullopt when an
// escape is malformed. Repeated names are all kept, in order.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(std::string_view text);

// The query string of a request target ("/a?b=c" -> "b=c"), empty when it has none.
std::string_view query_of(std::string_view target);

}  // namespace tracechat::emulator
