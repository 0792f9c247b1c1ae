#include <array>

#include "tracechat/trace/span_processor.h"

namespace tracechat::trace {

SimpleSpanProcessor::SimpleSpanProcessor(std::unique_ptr<SpanExporter> exporter) : exporter_(std::move(exporter)) {}

void SimpleSpanProcessor::on_end(std::unique_ptr<SpanData> span) {
  if (!span || !span->context.sampled()) return;
  std::array<std::unique_ptr<SpanData>, 1> batch{std::move(span)};
  (void)exporter_->export_spans(batch, std::chrono::milliseconds(30000));
}

bool SimpleSpanProcessor::force_flush(std::chrono::milliseconds timeout) { return exporter_->force_flush(timeout); }

bool SimpleSpanProcessor::shutdown(std::chrono::milliseconds timeout) { return exporter_->shutdown(timeout); }

}  // namespace tracechat::trace
