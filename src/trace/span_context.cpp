#include "tracechat/trace/span_context.h"

#include "tracechat/trace/propagation.h"

namespace tracechat::trace {

// One line of each, read by the same rules as a request's lines (trace/propagation.h).
Result<SpanContext> SpanContext::from_headers(std::string_view traceparent, std::string_view tracestate) {
  std::vector<FieldLine> lines{{"traceparent", traceparent}};
  if (!tracestate.empty()) lines.push_back({"tracestate", tracestate});
  auto extracted = extract_context(lines);
  if (!extracted.parent) return Error{std::move(extracted.traceparent_error)};
  return std::move(*extracted.parent);
}

}  // namespace tracechat::trace
