#include "tracechat/generators/escaping.h"

#include <cstdint>
#include <cstdio>

namespace tracechat::generators {
namespace {

struct CodePoint {
  char32_t value;
  std::size_t size;  // bytes; 0 when the bytes at the position are not well-formed UTF-8
};

// The code point at text[i], by the table of well-formed sequences in Unicode §3.9.
CodePoint decode(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return {b0, 1};
  std::size_t size = 0;
  char32_t value = 0;
  unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    size = 2;
    value = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    size = 3;
    value = b0 & 0x0F;
    if (b0 == 0xE0) low = 0xA0;   // no overlong form
    if (b0 == 0xED) high = 0x9F;  // no surrogate
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    size = 4;
    value = b0 & 0x07;
    if (b0 == 0xF0) low = 0x90;   // no overlong form
    if (b0 == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return {0, 0};
  }
  if (i + size > text.size()) return {0, 0};
  for (std::size_t k = 1; k < size; ++k) {
    const unsigned char b = byte(i + k);
    if (b < (k == 1 ? low : 0x80) || b > (k == 1 ? high : 0xBF)) return {0, 0};
    value = (value << 6) | (b & 0x3F);
  }
  return {value, size};
}

bool is_control(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

std::string hex_escape(const char* prefix, char32_t c) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%s%04X", prefix, static_cast<unsigned>(c));
  return buffer;
}

// Calls `f(code point, its bytes)` for each code point; a byte that is not well-formed
// UTF-8 comes as U+FFFD (callers check is_utf8 first; this only keeps them safe).
template <typename F>
void for_each_code_point(std::string_view text, F f) {
  for (std::size_t i = 0; i < text.size();) {
    const CodePoint cp = decode(text, i);
    if (cp.size == 0) {
      f(char32_t{0xFFFD}, std::string_view("\xEF\xBF\xBD"));
      ++i;
      continue;
    }
    f(cp.value, text.substr(i, cp.size));
    i += cp.size;
  }
}

// The escapes of a double-quoted string that HCL and YAML share (C's): true when `c` was
// one of them and its escape was appended.
bool append_quoted_escape(char32_t c, std::string& out) {
  switch (c) {
    case '\\': out += "\\\\"; return true;
    case '"': out += "\\\""; return true;
    case '\n': out += "\\n"; return true;
    case '\r': out += "\\r"; return true;
    case '\t': out += "\\t"; return true;
    default: return false;
  }
}

}  // namespace

bool is_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const CodePoint cp = decode(text, i);
    if (cp.size == 0) return false;
    i += cp.size;
  }
  return true;
}

long first_control_character(std::string_view text) {
  long found = -1;
  for_each_code_point(text, [&](char32_t c, std::string_view) {
    if (found < 0 && is_control(c)) found = static_cast<long>(c);
  });
  return found;
}

std::string hcl_string(std::string_view text) {
  std::string out = "\"";
  char previous = 0;
  for_each_code_point(text, [&](char32_t c, std::string_view bytes) {
    if (append_quoted_escape(c, out)) {
      // done: none of those is the `$` or `%` that `previous` watches for
    } else if (c == '{') {
      // `${` and `%{` open an interpolation or a directive even after a `$` or `%`:
      // `$${` is the escape, so the `$` of the text's `${` becomes `$$` and Terraform
      // reads `$$${` back as `$` followed by the escaped `${`.
      if (previous == '$' || previous == '%') out.push_back(previous);
      out += '{';
    } else if (is_control(c) || c == 0x2028 || c == 0x2029) {
      out += hex_escape("\\u", c);
    } else {
      out += bytes;
    }
    previous = c < 0x80 ? static_cast<char>(c) : 0;
  });
  return out + "\"";
}

std::string yaml_string(std::string_view text) {
  std::string out = "\"";
  for_each_code_point(text, [&](char32_t c, std::string_view bytes) {
    if (append_quoted_escape(c, out)) return;
    if (is_control(c) || c == 0x2028 || c == 0x2029 || c == 0xFEFF || c == 0xFFFE || c == 0xFFFF) {
      out += hex_escape("\\u", c);
    } else {
      out += bytes;
    }
  });
  return out + "\"";
}

std::string velocity_literal(std::string_view text) {
  if (text.find_first_of("$#") == std::string_view::npos) return std::string(text);
  // Inside #[[...]]# everything is text up to the first `]]#`. Where the text itself has
  // one, the content is closed after its `]]` and reopened before its `#`.
  std::string out = "#[[";
  for (std::size_t i = 0; i < text.size();) {
    if (text.substr(i, 3) == "]]#") {
      out += "]]]]##[[#";
      i += 3;
    } else {
      out.push_back(text[i]);
      ++i;
    }
  }
  return out + "]]#";
}

std::string shell_word(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

}  // namespace tracechat::generators
