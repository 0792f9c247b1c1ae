#include "value_checks.h"

#include <cstdio>
#include <string>

#include "tracechat/generators/escaping.h"

namespace tracechat::generators::detail {
namespace {

bool is_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::size_t code_points(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

}  // namespace

Result<void> check_text(std::string_view what, std::string_view value, std::size_t max_characters) {
  const std::string name(what);
  if (value.empty()) return Error{name + ": must not be empty"};
  if (!is_utf8(value)) return Error{name + ": is not valid UTF-8"};
  if (const long c = first_control_character(value); c >= 0) {
    // A control character is at most U+009F: four hex digits always hold it.
    char code[8];
    std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(c) & 0xFFFFu);
    return Error{name + ": contains a control character (" + code + "); it must be one line of text"};
  }
  if (max_characters > 0 && code_points(value) > max_characters) {
    return Error{name + ": longer than " + std::to_string(max_characters) + " characters"};
  }
  return {};
}

Result<void> check_substituted(std::string_view what, std::string_view value, std::size_t max_characters) {
  TRACECHAT_CHECK(check_text(what, value, max_characters));
  const std::string name(what);
  const std::string why = " (it is put into the flow's YAML as it is, inside double quotes)";
  if (value.find('"') != std::string_view::npos) return Error{name + ": must not contain \"" + why};
  if (value.find('\\') != std::string_view::npos) return Error{name + ": must not contain \\" + why};
  if (value.find("{{") != std::string_view::npos || value.find("}}") != std::string_view::npos) {
    return Error{name + ": must not contain {{ or }} (the flow's placeholders are written so)"};
  }
  return {};
}

bool is_identifier(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (!(is_letter(name[0]) || name[0] == '_')) return false;
  for (const char c : name) {
    if (!(is_letter(c) || is_digit(c) || c == '_')) return false;
  }
  return true;
}

bool is_attribute_key(std::string_view key) {
  if (key.empty() || key.size() > 64 || !is_letter(key[0])) return false;
  for (const char c : key) {
    if (!(is_letter(c) || is_digit(c) || c == '_' || c == '.' || c == '-')) return false;
  }
  return true;
}

}  // namespace tracechat::generators::detail
