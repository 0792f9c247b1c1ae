// Resource: the attributes of the entity producing telemetry (service.name, ...),
// and the instrumentation scope that names the code that created a span.
#pragma once

#include <string>

#include "tracechat/result.h"
#include "tracechat/trace/attribute.h"

namespace tracechat::trace {

class Resource {
 public:
  Resource() = default;
  explicit Resource(Attributes attributes, std::string schema_url = {})
      : attributes_(std::move(attributes)), schema_url_(std::move(schema_url)) {}

  // The SDK's own attributes (telemetry.sdk.*), overlaid with OTEL_RESOURCE_ATTRIBUTES,
  // overlaid with OTEL_SERVICE_NAME; service.name defaults to
  // "unknown_service:<executable>". An unparsable OTEL_RESOURCE_ATTRIBUTES is
  // reported through the diagnostic log and ignored as a whole.
  static Resource from_env();
  // As from_env, but with `service_name` as the default service.name (the
  // environment still wins, as OpenTelemetry specifies).
  static Resource from_env(std::string_view default_service_name);

  // OTEL_RESOURCE_ATTRIBUTES syntax: key1=value1,key2=value2 with %-encoded values.
  static Result<Attributes> parse_attribute_list(std::string_view text);

  const Attributes& attributes() const noexcept { return attributes_; }
  const std::string& schema_url() const noexcept { return schema_url_; }
  // Attributes of `other` win on conflict.
  Resource merged_with(const Resource& other) const;

  friend bool operator==(const Resource&, const Resource&) = default;

 private:
  Attributes attributes_;
  std::string schema_url_;
};

struct InstrumentationScope {
  std::string name;
  std::string version;
  std::string schema_url;
  friend bool operator==(const InstrumentationScope&, const InstrumentationScope&) = default;
};

}  // namespace tracechat::trace
