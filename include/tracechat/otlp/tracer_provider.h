// A tracer provider that exports over OTLP/HTTP when an endpoint is given (by argument,
// or by the OTEL_EXPORTER_OTLP_* variables), through a batch processor so that exporting
// never blocks the caller's own work. What the CLI's commands and the C ABI's sessions
// make their spans with.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tracechat/result.h"
#include "tracechat/trace/tracer.h"

namespace tracechat::otlp {

// `endpoint` is a base URL (http://127.0.0.1:4318); empty: the OTEL_EXPORTER_OTLP_*
// variables, and without them nothing is exported (spans still get ids, so context
// propagates). `default_service_name` is the resource's service.name unless
// OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) names one.
Result<std::unique_ptr<trace::TracerProvider>> make_tracer_provider(std::string_view default_service_name,
                                                                    const std::string& endpoint);

}  // namespace tracechat::otlp
