#include "tracechat/otlp/tracer_provider.h"

#include <cstdlib>

#include "tracechat/otlp/http_exporter.h"
#include "tracechat/trace/batch_span_processor.h"
#include "tracechat/trace/resource.h"

namespace tracechat::otlp {

Result<std::unique_ptr<trace::TracerProvider>> make_tracer_provider(std::string_view default_service_name,
                                                                    const std::string& endpoint) {
  trace::TracerProviderOptions options;
  options.resource = std::make_shared<trace::Resource>(trace::Resource::from_env(default_service_name));
  const bool from_env = std::getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != nullptr ||
                        std::getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != nullptr;
  if (!endpoint.empty() || from_env) {
    auto exporter_options = OtlpHttpExporterOptions::from_env();
    if (!exporter_options) return exporter_options.error();
    if (!endpoint.empty()) {
      auto url = OtlpHttpExporterOptions::traces_url_from_base(endpoint);
      if (!url) return Error{"the OTLP endpoint: " + url.error().message};
      exporter_options->endpoint = *url;
    }
    options.processor =
        std::make_shared<trace::BatchSpanProcessor>(std::make_unique<OtlpHttpExporter>(std::move(*exporter_options)));
  }
  return std::make_unique<trace::TracerProvider>(std::move(options));
}

}  // namespace tracechat::otlp
