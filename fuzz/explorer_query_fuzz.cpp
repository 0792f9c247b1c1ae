// Any bytes as the query string of the explorer's GET /api/traces:
//  * parse_trace_query never crashes; it refuses with a message or gives a query whose
//    limit is within 1..kMaxPageSize and whose time range is not empty;
//  * a cursor it accepted is the one format_cursor writes back: read again, it is equal.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "explorer/trace_query_params.h"

using namespace tracechat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string target = "/api/traces?" + std::string(reinterpret_cast<const char*>(data), size);
  const auto query = explorer::parse_trace_query(target);
  if (!query) {
    if (query.error().message.empty()) std::abort();
    return 0;
  }
  if (query->limit < 1 || query->limit > explorer::kMaxPageSize) std::abort();
  if (query->start_from_unix_nano && query->start_to_unix_nano &&
      *query->start_from_unix_nano >= *query->start_to_unix_nano) {
    std::abort();
  }
  if (query->after) {
    const auto again = explorer::parse_trace_query("/api/traces?after=" + explorer::format_cursor(*query->after));
    if (!again || !again->after || again->after->start_unix_nano != query->after->start_unix_nano ||
        again->after->trace_id != query->after->trace_id) {
      std::abort();
    }
  }
  return 0;
}
