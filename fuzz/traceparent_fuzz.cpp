// Any input: parse_traceparent never crashes, and what it accepts formats back into a
// version 00 header that parses to the same ids and known flags.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tracechat/trace/traceparent.h"

using namespace tracechat::trace;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_traceparent(input);
  if (!parsed.ok()) {
    if (parsed.error().message.empty()) std::abort();
    return 0;
  }
  if (!parsed->trace_id.valid() || !parsed->parent_id.valid() || parsed->version == 0xff) std::abort();
  const std::string formatted = format_traceparent(parsed->trace_id, parsed->parent_id, parsed->flags);
  const auto again = parse_traceparent(formatted);
  if (!again.ok() || again->version != 0 || again->trace_id != parsed->trace_id ||
      again->parent_id != parsed->parent_id || again->flags.bits() != (parsed->flags.bits() & TraceFlags::kKnown)) {
    std::abort();
  }
  return 0;
}
