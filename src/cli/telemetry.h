// The tracer provider of a CLI command that makes spans (chat, bridge): OTLP/HTTP export
// when an endpoint is given by flag or by the OTEL_EXPORTER_OTLP_* variables, through a
// batch processor so that exporting never blocks the command's own work.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tracechat/result.h"
#include "tracechat/trace/tracer.h"

namespace tracechat::cli {

// Without an endpoint nothing is exported; spans still get ids, so context propagates.
Result<std::unique_ptr<trace::TracerProvider>> make_tracer_provider(std::string_view default_service_name,
                                                                    const std::string& otlp_endpoint);

inline constexpr const char* kOtlpEndpointHelp =
    "export spans over OTLP/HTTP to this base URL (e.g. http://127.0.0.1:4318);\n"
    "OTEL_EXPORTER_OTLP_* variables are honoured too. Without either nothing is exported";

}  // namespace tracechat::cli
