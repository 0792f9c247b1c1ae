// The headers a proxy passes on: everything but the hop-by-hop fields, which describe
// one connection and not the message (RFC 9110 §7.6.1).
#pragma once

#include <initializer_list>
#include <string_view>
#include <vector>

#include "tracechat/net/http.h"

namespace tracechat::bridge::detail {

// `headers` without the standard hop-by-hop set (Connection, Keep-Alive,
// Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE, Trailer,
// Transfer-Encoding, Upgrade, HTTP2-Settings), without every field that a Connection
// header names ("Connection: close, X-Secret" drops X-Secret), and without `also_drop`.
// Repeated fields keep every value, in order.
std::vector<net::HttpHeader> end_to_end_headers(const std::vector<net::HttpHeader>& headers,
                                                std::initializer_list<std::string_view> also_drop);

}  // namespace tracechat::bridge::detail
