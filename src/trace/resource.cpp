#include "tracechat/trace/resource.h"

#include <errno.h>  // program_invocation_short_name (glibc)

#include "text.h"
#include "tracechat/trace/env.h"

namespace tracechat::trace {
namespace {

using detail::trim_ows;

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

Result<Attributes> Resource::parse_attribute_list(std::string_view text) {
  Attributes attributes;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = trim_ows(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return Error{"'" + std::string(item) + "' is not key=value"};
    const std::string_view key = trim_ows(item.substr(0, eq));
    if (key.empty()) return Error{"'" + std::string(item) + "' has an empty key"};
    auto value = percent_decode(trim_ows(item.substr(eq + 1)));
    if (!value) return Error{"value of '" + std::string(key) + "': " + value.error().message};
    attributes.set(key, AttributeValue(std::move(*value)));
  }
  return attributes;
}

Resource Resource::from_env() { return from_env({}); }

Resource Resource::from_env(std::string_view default_service_name) {
  Attributes attributes;
  attributes.set("telemetry.sdk.name", "tracechat");
  attributes.set("telemetry.sdk.language", "cpp");
  attributes.set("telemetry.sdk.version", TRACECHAT_VERSION);
  attributes.set("service.name", default_service_name.empty()
                                     ? "unknown_service:" + std::string(program_invocation_short_name)
                                     : std::string(default_service_name));
  if (const auto text = env_string("OTEL_RESOURCE_ATTRIBUTES")) {
    auto parsed = parse_attribute_list(*text);
    if (parsed) {
      for (const auto& a : parsed->items()) attributes.set(a.key, a.value);
    } else {
      diagnostic("OTEL_RESOURCE_ATTRIBUTES ignored: " + parsed.error().message);
    }
  }
  if (const auto name = env_string("OTEL_SERVICE_NAME")) attributes.set("service.name", *name);
  return Resource(std::move(attributes));
}

Resource Resource::merged_with(const Resource& other) const {
  Attributes merged = attributes_;
  for (const auto& a : other.attributes_.items()) merged.set(a.key, a.value);
  return Resource(std::move(merged), other.schema_url_.empty() ? schema_url_ : other.schema_url_);
}

}  // namespace tracechat::trace
