// From a trace to its conversation and back, the way `tracechat find` and `tracechat demo`
// both do it:
//   trace → conversation: the trace store first (the bridge records the conversation id
//     on its Data Action span, so no platform search is needed); otherwise an analytics
//     details job over an interval, matching otel_trace_id on this side, because the
//     synchronous query returns no attributes and cannot filter on them.
//   conversation → trace: GET the conversation; its customer's otel_trace_id attribute.
//   message → conversation: the message details endpoint, then as above.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tracechat/platform/details_job.h"
#include "tracechat/platform/platform_client.h"

namespace tracechat::platform {

// The trace store's answer for one trace id: the conversation id one of its spans
// carries (chat.conversation.id), nullopt when the store has no such span.
using StoredConversation = std::function<Result<std::optional<std::string>>(const std::string& trace_id)>;

struct LookupSources {
  StoredConversation trace_store;      // null: no trace store to read
  PlatformClient* platform = nullptr;  // null: no platform configured
  std::string platform_unavailable;    // why platform is null, for the error
};

// The window a details job searches, in milliseconds since the epoch.
struct SearchWindow {
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
  DetailsJobOptions job;
};

struct Found {
  std::string trace_id;  // empty when the conversation carries none
  std::string conversation_id;
  std::string message_id;  // when the lookup started from one
  std::string found_by;    // how, in words
  std::vector<std::string> warnings;
};

// nullopt: not found (with the reason in `not_found`). Errors: the platform's.
using LookupResult = Result<std::optional<Found>, PlatformError>;

LookupResult find_by_trace_id(const LookupSources& sources, const std::string& trace_id, const SearchWindow& window,
                              std::string& not_found);
LookupResult find_by_conversation_id(const LookupSources& sources, const std::string& conversation_id,
                                     std::string& not_found);
LookupResult find_by_message_id(const LookupSources& sources, const std::string& message_id, std::string& not_found);

}  // namespace tracechat::platform
