#include "hop_by_hop.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <string>

namespace tracechat::bridge::detail {

namespace {

constexpr std::string_view kHopByHop[] = {
    "connection",          "keep-alive", "proxy-connection", "proxy-authenticate", "te",
    "proxy-authorization", "trailer",    "upgrade",          "transfer-encoding",  "http2-settings"};

}  // namespace

std::vector<net::HttpHeader> end_to_end_headers(const std::vector<net::HttpHeader>& headers,
                                                std::initializer_list<std::string_view> also_drop) {
  std::vector<std::string_view> named;  // the options of every Connection field
  for (const auto& h : headers) {
    if (!boost::beast::iequals(h.name, "connection")) continue;
    for (const auto option : net::split_field_list(h.value)) named.push_back(option);
  }
  const auto in = [](std::string_view name, const auto& names) {
    return std::any_of(std::begin(names), std::end(names),
                       [&](std::string_view n) { return boost::beast::iequals(name, n); });
  };
  std::vector<net::HttpHeader> out;
  out.reserve(headers.size());
  for (const auto& h : headers) {
    if (in(h.name, kHopByHop) || in(h.name, named) || in(h.name, also_drop)) continue;
    out.push_back(h);
  }
  return out;
}

}  // namespace tracechat::bridge::detail
