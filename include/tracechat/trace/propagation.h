// HTTP field lines -> the caller's trace context: the one place that decides what a
// request's `traceparent` and `tracestate` lines mean, so the bridge, `tracechat chat
// --parent`, `tracechat context parse` and every later reader agree.
//
// The rules, from W3C Trace Context Level 2 (https://www.w3.org/TR/trace-context-2/) and
// RFC 9110:
//   * names match in any case ("Vendors MUST expect the header name in any case");
//   * every line of a field counts: the lines of one name make one value, their values
//     joined with ", " in order (RFC 9110 §5.2). Two `traceparent` lines therefore make a
//     value that is not a traceparent, and the trace restarts; `tracestate` members split
//     over lines are all read, and the 32-member limit applies to the combined list;
//   * `tracestate` is read only when `traceparent` was usable, and a `tracestate` that is
//     not usable is dropped without touching the traceparent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tracechat/trace/span_context.h"

namespace tracechat::trace {

// One header line as received: its name and its value.
struct FieldLine {
  std::string_view name;
  std::string_view value;
};

// The combined field value of `name` (any case) in `lines`, and how many lines made it.
struct CombinedField {
  std::string value;
  std::size_t lines = 0;  // 0: the field was not sent
};
CombinedField combined_field(std::span<const FieldLine> lines, std::string_view name);

struct ExtractedContext {
  // The caller's context (remote, with the tracestate members kept), or nullopt: the
  // request starts a new trace.
  std::optional<SpanContext> parent;
  std::uint8_t version = 0;  // the traceparent's version, as received, when `parent` is set

  std::size_t traceparent_lines = 0;
  std::size_t tracestate_lines = 0;
  // Why there is no parent; empty when no traceparent line was sent at all.
  std::string traceparent_error;
  // Why the tracestate was dropped (the parent then carries none); empty when it was kept,
  // absent, or not read because there is no parent.
  std::string tracestate_error;
  // Members left out of a kept tracestate (later duplicates of a key), one line each.
  std::vector<std::string> tracestate_dropped;
};

ExtractedContext extract_context(std::span<const FieldLine> lines);

}  // namespace tracechat::trace
