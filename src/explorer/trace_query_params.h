// The query string of GET /api/traces, read into a store query. Every parameter is
// checked and a wrong one named in the error, which the API answers as a 400: the page
// shows it, so it must say what to write instead.
#pragma once

#include <string>
#include <string_view>

#include "tracechat/collector/span_store.h"
#include "tracechat/result.h"

namespace tracechat::explorer {

inline constexpr std::size_t kDefaultPageSize = 50;
inline constexpr std::size_t kMaxPageSize = 200;

// From a request target ("/api/traces?service=x&…"): trace_id, conversation_id,
// service, span_name, attr (repeatable key=value), errors, from, to (RFC 3339 UTC),
// limit, after (a cursor from a previous answer's "next").
Result<collector::TraceQuery> parse_trace_query(std::string_view target);

// The cursor as the API hands it out: "<start ns>-<trace id>", opaque to the page.
std::string format_cursor(const collector::TraceQuery::Cursor& cursor);

}  // namespace tracechat::explorer
