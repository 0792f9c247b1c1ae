// Where a request to the bridge goes on the upstream: its path, cleaned of
// dot-segments, under the upstream's base path, and its query after the base's.
#pragma once

#include <string>
#include <string_view>

#include "tracechat/net/url.h"
#include "tracechat/result.h"

namespace tracechat::bridge::detail {

// `request_target` is the request line's target: origin-form ("/a/b?q") or
// absolute-form ("http://host/a/b?q", whose authority is ignored: the bridge only
// ever talks to its upstream, RFC 9112 §3.2.2). Dot-segments, raw or percent-encoded,
// are removed as RFC 3986 §5.2.4 says; one that would climb above the base is an
// error, as are an encoded '/', '\' or NUL in a segment (an upstream that decodes them
// would see a different path), a fragment, and every other form of target. Errors
// are meant for a 400 answer.
Result<std::string> upstream_target(const net::Url& base, std::string_view request_target);

}  // namespace tracechat::bridge::detail
