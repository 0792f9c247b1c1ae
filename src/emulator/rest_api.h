// The platform's REST endpoints on the emulator's port, in the shapes of Genesys Cloud's
// Platform API: a conversation with its participants' attributes, the PATCH that sets
// participant attributes (same rules as set-attributes), and the conversation details
// query of the Analytics API (filter by conversation id, interval, and participant
// attribute value — "which conversation has otel_trace_id X").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "platform.h"
#include "tracechat/net/http.h"

namespace tracechat::emulator {

// Answers a request under /api/v2/, or nullopt when the path is not one of the API's.
std::optional<net::HttpResponse> handle_rest_request(Platform& platform, const net::HttpRequest& request);

// "2026-11-25T10:31:59.123Z" (fraction optional, UTC only) as milliseconds since the epoch.
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text);

}  // namespace tracechat::emulator
