// Small text helpers shared by the header parsers. Internal to the trace core.
#pragma once

#include <string>
#include <string_view>

namespace tracechat::trace::detail {

inline bool is_ows(char c) { return c == ' ' || c == '\t'; }

// Optional whitespace (RFC 9110: space and tab) removed from both ends.
inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// Input from outside quoted for an error message, cut to a readable length.
inline std::string quoted(std::string_view s, std::size_t max_chars = 64) {
  std::string out = "'";
  out.append(s.substr(0, max_chars));
  if (s.size() > max_chars) out.append("...");
  out.append("'");
  return out;
}

}  // namespace tracechat::trace::detail
