// OTLP protobuf encoding of spans: an ExportTraceServiceRequest with
// opentelemetry-proto's field numbers, written by a small hand-written encoder.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "tracechat/trace/span_data.h"

namespace tracechat::otlp {

std::string encode_traces_protobuf(std::span<const trace::SpanData* const> spans);
std::string encode_traces_protobuf(std::span<const std::unique_ptr<trace::SpanData>> spans);

}  // namespace tracechat::otlp
