// Reading OTEL_* environment variables with the spec's error behaviour: a value that
// cannot be used is reported through the diagnostic log and the default applies.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tracechat/result.h"

namespace tracechat::trace {

std::optional<std::string> env_string(const char* name);  // unset or empty -> nullopt
// The first of `names` that is set (signal-specific variables before generic ones).
std::optional<std::string> env_string_first(std::initializer_list<const char*> names);
std::uint64_t env_uint(const char* name, std::uint64_t default_value);

// The `key1=value1,key2=value2` syntax of OTEL_RESOURCE_ATTRIBUTES and
// OTEL_EXPORTER_OTLP_HEADERS: whitespace around items is ignored, values are
// %-decoded. Any malformed item makes the whole list an error.
Result<std::vector<std::pair<std::string, std::string>>> parse_key_value_list(std::string_view text);

// Diagnostics from the SDK (bad configuration, export failures). The default
// handler writes "tracechat: <message>" to stderr. Messages never contain secrets.
using DiagnosticHandler = std::function<void(std::string_view message)>;
void set_diagnostic_handler(DiagnosticHandler handler);
void diagnostic(std::string_view message);

}  // namespace tracechat::trace
