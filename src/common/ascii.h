// ASCII case for ids and protocol tokens (UUIDs, hex trace ids, region names, header
// names): never the locale's idea of case, which would change with the user's settings.
#pragma once

#include <string>
#include <string_view>

namespace tracechat::common {

inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = ascii_lower(c);
  return out;
}

}  // namespace tracechat::common
