#include "tracechat/trace/resource.h"

#include <errno.h>  // program_invocation_short_name (glibc)

#include "tracechat/trace/env.h"
#include "tracechat/version.h"

namespace tracechat::trace {
Result<Attributes> Resource::parse_attribute_list(std::string_view text) {
  auto items = parse_key_value_list(text);
  if (!items) return items.error();
  Attributes attributes;
  for (auto& [key, value] : *items) attributes.set(key, AttributeValue(std::move(value)));
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
