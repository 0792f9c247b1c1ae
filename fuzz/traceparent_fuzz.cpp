// Any input, split on '\n' into `traceparent` header lines, read by extract_context as a
// request's lines are:
//  * it never crashes, and its verdict on the lines is parse_traceparent's on their
//    combined value (RFC 9110: the lines joined with ", "), with a reason whenever it
//    refuses;
//  * what it accepts has valid ids and is not version ff, and round-trips: format ->
//    parse -> format gives the same version 00 header with the known flags only.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tracechat/trace/propagation.h"

using namespace tracechat::trace;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<FieldLine> lines;
  std::string joined;
  while (true) {
    const auto at = input.find('\n');
    const std::string_view line = input.substr(0, at);
    joined.append(lines.empty() ? "" : ", ").append(line);
    lines.push_back({"TraceParent", line});
    if (at == std::string_view::npos) break;
    input.remove_prefix(at + 1);
  }
  const auto extracted = extract_context(lines);
  const auto parsed = parse_traceparent(joined);
  if (parsed.ok() != extracted.parent.has_value() || extracted.traceparent_lines != lines.size()) std::abort();
  if (!parsed.ok()) {
    if (extracted.traceparent_error.empty() || parsed.error().message.empty()) std::abort();
    return 0;
  }
  if (!extracted.traceparent_error.empty()) std::abort();
  if (!parsed->trace_id.valid() || !parsed->parent_id.valid() || parsed->version == 0xff) std::abort();
  const SpanContext& parent = *extracted.parent;
  if (parent.trace_id != parsed->trace_id || parent.span_id != parsed->parent_id ||
      parent.flags.bits() != parsed->flags.bits() || extracted.version != parsed->version) {
    std::abort();
  }

  const std::string formatted = format_traceparent(parsed->trace_id, parsed->parent_id, parsed->flags);
  if (formatted != parent.traceparent()) std::abort();
  const auto again = parse_traceparent(formatted);
  if (!again.ok() || again->version != 0 || again->trace_id != parsed->trace_id ||
      again->parent_id != parsed->parent_id || again->flags.bits() != (parsed->flags.bits() & TraceFlags::kKnown)) {
    std::abort();
  }
  if (format_traceparent(again->trace_id, again->parent_id, again->flags) != formatted) std::abort();
  return 0;
}
