#include "tracechat/protocol/attribute_text.h"

#include <algorithm>

namespace tracechat::protocol {

bool is_valid_attribute_key(std::string_view key) noexcept {
  if (key.empty() || key.size() > 64) return false;
  const auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (!alpha(key.front())) return false;
  return std::all_of(key.begin() + 1, key.end(),
                     [&](char c) { return alpha(c) || (c >= '0' && c <= '9') || c == '.' || c == '-'; });
}

std::size_t count_code_points(std::string_view text) noexcept {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace tracechat::protocol
