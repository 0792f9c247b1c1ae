// How a request's Transfer-Encoding decides its framing (RFC 9112 §6.1, §6.3). Kept
// apart from the server so that the rule is one small function a test can read.
#pragma once

#include <string>
#include <string_view>

namespace tracechat::net::detail {

struct FramingRefusal {
  int status = 0;  // 400: the framing cannot be trusted; 501: a coding we do not decode
  std::string reason;
};

// `codings` is every Transfer-Encoding field value of the request, joined with ','.
// A request that has the field is acceptable only when its codings are exactly
// "chunked": a final coding other than chunked leaves the body length unknown (400 —
// reading it as "no body" is how a second request gets smuggled inside the first);
// chunked applied twice is malformed (400); any other coding before chunked is one
// the server does not implement (501), and is never passed on still encoded.
// HTTP/1.0 has no Transfer-Encoding at all (400).
// Returns a refusal, or status 0 when the framing is sound.
FramingRefusal check_transfer_encoding(std::string_view codings, unsigned http_version);

}  // namespace tracechat::net::detail
