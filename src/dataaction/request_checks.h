// What a Data Action's rendered request must satisfy before it is sent. An input value
// is untrusted (it comes from a chat), so it may fill the URL's path, query or fragment
// but never pick the host, climb out of the path the template names, or add a header.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tracechat::dataaction::detail {

// The length of a leading "http://" or "https://" (any case) in `text`; 0 if there is none.
std::size_t scheme_length(std::string_view text);

// Where the URL's scheme and authority end: at the first '/', '?' or '#' after "://"
// (none of them can appear raw inside an authority).
std::size_t authority_end(std::string_view url);

// Why the rendered URL is refused, or nothing when it may be sent. `literal_start` is the
// template's own leading text: the rendered scheme and authority must lie inside it.
std::optional<std::string> check_rendered_url(std::string_view rendered, std::string_view literal_start);

// RFC 9110 §5.5: a field value has no control character but horizontal tab.
bool valid_field_value(std::string_view value);

}  // namespace tracechat::dataaction::detail
