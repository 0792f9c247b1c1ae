// OTLP/JSON encoding of spans: an ExportTraceServiceRequest as the OTLP JSON mapping
// specifies it (hex trace/span ids, lowerCamelCase field names, enums as integers,
// 64-bit integers as decimal strings). Spans are grouped by resource, then scope.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "tracechat/trace/span_data.h"

namespace tracechat::otlp {

std::string encode_traces_json(std::span<const trace::SpanData* const> spans);
std::string encode_traces_json(std::span<const std::unique_ptr<trace::SpanData>> spans);

}  // namespace tracechat::otlp
