#include "common/terminal_text.h"

namespace tracechat::common {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// The length of the valid UTF-8 sequence at the start of `s` (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0.
std::size_t utf8_sequence(std::string_view s) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto continuation = [&](std::size_t i) { return i < s.size() && (byte(i) & 0xc0) == 0x80; };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) return continuation(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (b0 == 0xe0 && byte(1) < 0xa0) return 0;  // overlong
    if (b0 == 0xed && byte(1) > 0x9f) return 0;  // surrogate
    return 3;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (b0 == 0xf0 && byte(1) < 0x90) return 0;  // overlong
    if (b0 == 0xf4 && byte(1) > 0x8f) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

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
