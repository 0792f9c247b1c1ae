// Base64 as RFC 4648 §4 defines it (the standard alphabet, '=' padding): the encoding of
// HTTP Basic credentials and of the OTLP/JSON bytes fields. One implementation, over
// OpenSSL's block coder, for every part that needs it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tracechat::common {

// Padded to a multiple of four characters, no line breaks.
std::string base64_encode(std::string_view bytes);

// The bytes of padded base64; nullopt for anything else: a length that is not a multiple
// of four, a character outside the alphabet (whitespace and line breaks included), or '='
// anywhere but as the last one or two characters. Unpadded input is refused, as Go's
// base64.StdEncoding (and so net/http's BasicAuth) refuses it: every HTTP client pads.
// Non-zero bits under the padding ("QR==") are tolerated, as RFC 4648 §3.5 allows.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace tracechat::common
