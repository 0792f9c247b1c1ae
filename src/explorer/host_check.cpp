#include "host_check.h"

#include <algorithm>
#include <boost/url/authority_view.hpp>
#include <boost/url/ipv4_address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>

namespace tracechat::explorer {
namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// localhost, [::1], or an IPv4 literal in 127.0.0.0/8 — a literal, so that a name such
// as 127.0.0.1.attacker.example is not taken for one. `host` is lowercase.
bool loopback_name(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  const auto v4 = boost::urls::parse_ipv4_address(host);
  return v4 && (v4->to_uint() >> 24) == 127;
}

// A Host header's (or an Origin's) authority as host and port, lowercase: nullopt for
// anything else (user info, a port that is not digits, stray characters after a
// bracketed address).
struct HostAndPort {
  std::string host;
  std::string port;
  bool has_port = false;  // a ':' after the host, even with no digits after it
  bool operator==(const HostAndPort& other) const { return host == other.host && port == other.port; }
};
std::optional<HostAndPort> parse_host(std::string_view authority) {
  const auto parsed = boost::urls::parse_authority(authority);
  if (!parsed || parsed->has_userinfo() || parsed->encoded_host().empty()) return std::nullopt;
  const std::string_view port = parsed->port();
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  return HostAndPort{lowercase(parsed->encoded_host()), std::string(port), parsed->has_port()};
}

}  // namespace

Result<HostCheck> HostCheck::make(std::string_view listen_host, const std::vector<std::string>& allowed) {
  HostCheck check;
  for (const auto& name : allowed) {
    const auto parsed = parse_host(name);
    if (!parsed || parsed->has_port) {
      return Error{"allowed host '" + name +
                   "': give a host name without scheme, port or path, e.g. traces.example.com"};
    }
    check.allowed_.push_back(parsed->host);
  }
  check.applies_ = loopback_name(lowercase(listen_host)) || !check.allowed_.empty();
  return check;
}

bool HostCheck::allowed(std::string_view host_name) const {
  return loopback_name(host_name) || std::find(allowed_.begin(), allowed_.end(), host_name) != allowed_.end();
}

std::optional<std::string> HostCheck::refusal(std::optional<std::string_view> host,
                                              std::optional<std::string_view> origin) const {
  if (!applies_) return std::nullopt;
  const auto to = host ? parse_host(*host) : std::nullopt;
  if (!to || !allowed(to->host)) {
    return allowed_.empty() ? "this explorer answers requests for localhost only (see docs/explorer.md)"
                            : "this explorer answers requests for localhost and its allowed hosts only "
                              "(see docs/explorer.md)";
  }
  // Only the explorer's own pages: the same host and port as the request was sent to
  // (a proxy in front must pass the Host the browser used, port included).
  if (origin) {
    const auto url = boost::urls::parse_absolute_uri(*origin);
    const auto from = url ? parse_host(url->encoded_host_and_port()) : std::nullopt;
    if (!from || *from != *to) return "cross-origin requests are not answered";
  }
  return std::nullopt;
}

}  // namespace tracechat::explorer
