#include "common/terminal_text.h"

#include "common/utf8.h"

namespace tracechat::common {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_hex(std::string& out, const char* prefix, unsigned char value) {
  out += prefix;
  out.push_back(kHex[value >> 4]);
  out.push_back(kHex[value & 0xf]);
}

}  // namespace

void append_terminal_safe(std::string& out, std::string_view text) {
  while (!text.empty()) {
    const auto b0 = static_cast<unsigned char>(text.front());
    const std::size_t n = utf8_sequence(text);
    if (n == 0) {
      append_hex(out, "\\x", b0);
      text.remove_prefix(1);
      continue;
    }
    if (n == 1 && (b0 < 0x20 || b0 == 0x7f)) {
      if (b0 == '\t') {
        out += "\\t";
      } else if (b0 == '\n') {
        out += "\\n";
      } else if (b0 == '\r') {
        out += "\\r";
      } else {
        append_hex(out, "\\x", b0);
      }
    } else if (n == 2 && b0 == 0xc2 && static_cast<unsigned char>(text[1]) <= 0x9f) {
      append_hex(out, "\\u00", static_cast<unsigned char>(text[1]));  // C1: U+0080–U+009F
    } else {
      out.append(text.substr(0, n));
    }
    text.remove_prefix(n);
  }
}

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_terminal_safe(out, text);
  return out;
}

}  // namespace tracechat::common
