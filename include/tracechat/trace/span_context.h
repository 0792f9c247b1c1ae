// SpanContext: the part of a span that crosses process boundaries.
#pragma once

#include <string>
#include <string_view>

#include "tracechat/trace/ids.h"
#include "tracechat/trace/traceparent.h"
#include "tracechat/trace/tracestate.h"

namespace tracechat::trace {

struct SpanContext {
  TraceId trace_id;
  SpanId span_id;
  TraceFlags flags;
  TraceState trace_state;
  bool remote = false;  // extracted from a carrier rather than created here

  bool valid() const noexcept { return trace_id.valid() && span_id.valid(); }
  bool sampled() const noexcept { return flags.sampled(); }

  std::string traceparent() const { return format_traceparent(trace_id, span_id, flags); }

  // A remote context from one `traceparent` (+ one `tracestate`) value, read as
  // extract_context (trace/propagation.h) reads a request with those two lines: an
  // invalid traceparent is an error; an invalid tracestate is dropped (W3C: it must not
  // affect traceparent) and the context carries an empty one. A request's header lines go
  // to extract_context itself, which sees every line.
  static Result<SpanContext> from_headers(std::string_view traceparent, std::string_view tracestate = {});
};

}  // namespace tracechat::trace
