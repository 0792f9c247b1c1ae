// An absolute http(s) URL split into what a client needs to connect.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "tracechat/result.h"

namespace tracechat::net {

struct Url {
  std::string scheme;  // "http" or "https" ("ws"/"wss" accepted where a caller allows them)
  std::string host;    // without brackets for IPv6
  std::uint16_t port = 0;
  std::string target = "/";  // path + query, never empty

  bool tls() const noexcept { return scheme == "https" || scheme == "wss"; }
  std::string origin() const;  // scheme://host:port
  std::string to_string() const { return origin() + target; }
  // origin() and the path, without the query (which may hold a key): for logs.
  std::string without_query() const { return origin() + target.substr(0, target.find('?')); }

  // Parses with Boost.URL; rejects relative URLs, userinfo (credentials do not belong
  // in a URL that may be logged), fragments and schemes other than http(s)/ws(s).
  static Result<Url> parse(std::string_view text);
  // The same URL with `path` appended to its path (one '/' between them).
  Url with_path_appended(std::string_view path) const;
};

// "host:port", "[v6]:port" or ":port" (loopback), as the servers' --listen options take it.
Result<std::pair<std::string, std::uint16_t>> parse_listen_address(std::string_view text);

}  // namespace tracechat::net
