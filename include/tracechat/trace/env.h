// Reading OTEL_* environment variables with the spec's error behaviour: a value that
// cannot be used is reported through the diagnostic log and the default applies.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tracechat::trace {

std::optional<std::string> env_string(const char* name);  // unset or empty -> nullopt
std::uint64_t env_uint(const char* name, std::uint64_t default_value);

// Diagnostics from the SDK (bad configuration, export failures). The default
// handler writes "tracechat: <message>" to stderr. Messages never contain secrets.
using DiagnosticHandler = std::function<void(std::string_view message)>;
void set_diagnostic_handler(DiagnosticHandler handler);
void diagnostic(std::string_view message);

}  // namespace tracechat::trace
