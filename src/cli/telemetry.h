// The --otlp-endpoint flag of the commands that make spans (chat, bridge, load), whose
// provider otlp::make_tracer_provider makes.
#pragma once

#include "tracechat/otlp/tracer_provider.h"

namespace tracechat::cli {

inline constexpr const char* kOtlpEndpointHelp =
    "export spans over OTLP/HTTP to this base URL (e.g. http://127.0.0.1:4318);\n"
    "OTEL_EXPORTER_OTLP_* variables are honoured too. Without either nothing is exported";

}  // namespace tracechat::cli
