#include "tracechat/trace/propagation.h"

#include <boost/beast/core/string.hpp>

namespace tracechat::trace {
namespace {

constexpr std::string_view kTraceparent = "traceparent";
constexpr std::string_view kTracestate = "tracestate";

// Says how the value was put together when it came in several lines: the value the
// message then quotes is not any one line the sender wrote.
std::string from_lines(const CombinedField& field, std::string_view name) {
  if (field.lines < 2) return {};
  return " (" + std::to_string(field.lines) + " " + std::string(name) + " field lines, combined as RFC 9110 §5.2 says)";
}

}  // namespace

// RFC 9110 §5.2: "When a field name is repeated within a section, its combined field
// value consists of the list of corresponding field line values within that section,
// concatenated in order, with each field line value separated by a comma." §5.3 suggests
// comma SP; the space is optional whitespace to both parsers.
CombinedField combined_field(std::span<const FieldLine> lines, std::string_view name) {
  CombinedField out;
  for (const auto& line : lines) {
    if (!boost::beast::iequals(line.name, name)) continue;
    if (out.lines++ > 0) out.value += ", ";
    out.value += line.value;
  }
  return out;
}

ExtractedContext extract_context(std::span<const FieldLine> lines) {
  ExtractedContext out;
  const CombinedField traceparent = combined_field(lines, kTraceparent);
  out.traceparent_lines = traceparent.lines;
  if (traceparent.lines == 0) return out;
  auto parsed = parse_traceparent(traceparent.value);
  if (!parsed) {
    // "If the vendor failed to parse traceparent, it MUST NOT attempt to parse tracestate."
    out.traceparent_error = parsed.error().message + from_lines(traceparent, kTraceparent);
    return out;
  }
  SpanContext context;
  context.trace_id = parsed->trace_id;
  context.span_id = parsed->parent_id;
  context.flags = parsed->flags;
  context.remote = true;
  out.version = parsed->version;

  const CombinedField tracestate = combined_field(lines, kTracestate);
  out.tracestate_lines = tracestate.lines;
  if (tracestate.lines > 0) {
    auto state = TraceState::parse(tracestate.value, &out.tracestate_dropped);
    if (state) {
      context.trace_state = std::move(*state);
    } else {
      // "failure to parse tracestate MUST NOT affect the parsing of traceparent"
      out.tracestate_error = state.error().message + from_lines(tracestate, kTracestate);
      out.tracestate_dropped.clear();
    }
  }
  out.parent = std::move(context);
  return out;
}

}  // namespace tracechat::trace
