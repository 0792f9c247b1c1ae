#include "tracechat/trace/span_context.h"

namespace tracechat::trace {

Result<SpanContext> SpanContext::from_headers(std::string_view traceparent, std::string_view tracestate) {
  auto parent = parse_traceparent(traceparent);
  if (!parent) return parent.error();
  SpanContext context;
  context.trace_id = parent->trace_id;
  context.span_id = parent->parent_id;
  context.flags = parent->flags;
  context.remote = true;
  if (!tracestate.empty()) {
    auto state = TraceState::parse(tracestate);
    if (state) context.trace_state = std::move(*state);
  }
  return context;
}

}  // namespace tracechat::trace
