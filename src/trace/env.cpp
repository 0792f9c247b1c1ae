#include "tracechat/trace/env.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "text.h"

namespace tracechat::trace {
namespace {

std::mutex g_handler_mutex;
DiagnosticHandler& handler() {
  static DiagnosticHandler h;
  return h;
}

}  // namespace

std::optional<std::string> env_string(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::uint64_t env_uint(const char* name, std::uint64_t default_value) {
  const auto text = env_string(name);
  if (!text) return default_value;
  std::uint64_t value = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end) {
    diagnostic(std::string(name) + "='" + *text + "' is not a non-negative integer; using " +
               std::to_string(default_value));
    return default_value;
  }
  return value;
}

std::optional<std::string> env_string_first(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (auto value = env_string(name)) return value;
  }
  return std::nullopt;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return Error{"truncated %-escape"};
    const int hi = hex_value(s[i + 1]);
    const int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return Error{"invalid %-escape"};
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}
}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> parse_key_value_list(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> items;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = detail::trim_ows(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return Error{"'" + std::string(item) + "' is not key=value"};
    const std::string_view key = detail::trim_ows(item.substr(0, eq));
    if (key.empty()) return Error{"'" + std::string(item) + "' has an empty key"};
    auto value = percent_decode(detail::trim_ows(item.substr(eq + 1)));
    if (!value) return Error{"value of '" + std::string(key) + "': " + value.error().message};
    items.emplace_back(std::string(key), std::move(*value));
  }
  return items;
}

void set_diagnostic_handler(DiagnosticHandler h) {
  std::lock_guard lock(g_handler_mutex);
  handler() = std::move(h);
}

void diagnostic(std::string_view message) {
  std::lock_guard lock(g_handler_mutex);
  if (handler()) {
    handler()(message);
  } else {
    std::fprintf(stderr, "tracechat: %.*s\n", static_cast<int>(message.size()), message.data());
  }
}

}  // namespace tracechat::trace
