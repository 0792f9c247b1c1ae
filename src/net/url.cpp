#include "tracechat/net/url.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>

namespace tracechat::net {

Result<Url> Url::parse(std::string_view text) {
  const auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) return Error{"invalid URL '" + std::string(text) + "': " + parsed.error().message()};
  const boost::urls::url_view& u = *parsed;
  Url url;
  url.scheme = u.scheme();
  for (auto& c : url.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (url.scheme != "http" && url.scheme != "https" && url.scheme != "ws" && url.scheme != "wss") {
    return Error{"unsupported URL scheme '" + url.scheme + "' in '" + std::string(text) + "' (http, https, ws, wss)"};
  }
  if (u.has_userinfo()) return Error{"URL must not contain credentials: put them in headers instead"};
  if (u.has_fragment()) return Error{"URL must not contain a fragment: '" + std::string(text) + "'"};
  url.host = u.host_type() == boost::urls::host_type::ipv6 ? std::string(u.encoded_host_address())
                                                           : std::string(u.encoded_host());
  if (url.host.empty()) return Error{"URL has no host: '" + std::string(text) + "'"};
  if (u.has_port()) {
    const auto port_text = u.port();
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return Error{"invalid port '" + std::string(port_text) + "' in '" + std::string(text) + "'"};
    }
    url.port = static_cast<std::uint16_t>(value);
  } else {
    url.port = url.tls() ? 443 : 80;
  }
  url.target = std::string(u.encoded_path());
  if (url.target.empty()) url.target = "/";
  if (u.has_query()) url.target += "?" + std::string(u.encoded_query());
  return url;
}

std::string Url::origin() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return scheme + "://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Url Url::with_path_appended(std::string_view path) const {
  Url out = *this;
  std::string base = target.substr(0, target.find('?'));
  while (!base.empty() && base.back() == '/') base.pop_back();
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  out.target = base + "/" + std::string(path);
  return out;
}

Result<std::pair<std::string, std::uint16_t>> parse_listen_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return Error{"listen address '" + std::string(text) + "' is not host:port"};
  std::string host(text.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "127.0.0.1";
  const auto port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port > 65535) {
    return Error{"invalid port '" + std::string(port_text) + "' in listen address '" + std::string(text) + "'"};
  }
  return std::pair{host, static_cast<std::uint16_t>(port)};
}

}  // namespace tracechat::net
