#include "allowed_origins.h"

#include <algorithm>
#include <cctype>

#include "common/ascii.h"

namespace tracechat::emulator {

namespace {

bool host_char(char c) {
  // Registered names, IPv4, and bracketed IPv6 literals; nothing that could start a
  // path, query, fragment or user info.
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' || c == '[' || c == ']' ||
         c == ':';
}

}  // namespace

std::optional<std::string> normalize_origin(std::string_view text) {
  if (text.ends_with('/')) text.remove_suffix(1);
  const auto colon = text.find("://");
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string scheme = common::ascii_lower(text.substr(0, colon));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  std::string_view authority = text.substr(colon + 3);
  if (authority.empty() || !std::ranges::all_of(authority, host_char)) return std::nullopt;
  // The port is what follows the last ':' outside an IPv6 literal's brackets.
  std::string_view host = authority;
  std::string_view port;
  int port_number = 0;
  const auto bracket = authority.rfind(']');
  const auto port_colon = authority.rfind(':');
  if (port_colon != std::string_view::npos && (bracket == std::string_view::npos || port_colon > bracket)) {
    host = authority.substr(0, port_colon);
    port = authority.substr(port_colon + 1);
    if (port.empty() || port.size() > 5 || !std::ranges::all_of(port, [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    port_number = std::stoi(std::string(port));
    if (port_number < 1 || port_number > 65535) return std::nullopt;
  }
  if (host.empty() || (host.front() == '[') != (host.back() == ']')) return std::nullopt;
  if (host.front() != '[' && host.find_first_of("[]:") != std::string_view::npos) return std::nullopt;
  // Browsers leave a default port out of `Origin`; a configured one must compare equal.
  if ((scheme == "http" && port_number == 80) || (scheme == "https" && port_number == 443)) port_number = 0;
  std::string out = scheme + "://" + common::ascii_lower(host);
  if (port_number != 0) out.append(":").append(std::to_string(port_number));
  return out;
}

bool origin_allowed(const EmulatorConfig& config, const std::string& deployment_id,
                    std::optional<std::string_view> origin) {
  auto it = config.allowed_origins.find(deployment_id);
  if (it == config.allowed_origins.end()) return true;
  if (!origin) return false;
  const auto normalized = normalize_origin(*origin);
  return normalized && std::ranges::find(it->second, *normalized) != it->second.end();
}

}  // namespace tracechat::emulator
