#include "tracechat/trace/env.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <mutex>

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
