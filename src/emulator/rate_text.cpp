#include "rate_text.h"

#include <charconv>

namespace tracechat::emulator {

std::string format_rate(double rate) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, rate);
  if (ec != std::errc()) return std::to_string(rate);
  return std::string(buffer, end);
}

}  // namespace tracechat::emulator
