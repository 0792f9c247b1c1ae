#include "tracechat/platform/conversation_lookup.h"

#include <algorithm>

#include "common/ascii.h"
#include "common/rfc3339.h"
#include "common/terminal_text.h"
#include "tracechat/conventions.h"
#include "tracechat/trace/ids.h"

namespace tracechat::platform {

namespace {

Result<PlatformClient*, PlatformError> need_platform(const LookupSources& sources, std::string_view why) {
  if (sources.platform != nullptr) return sources.platform;
  return PlatformError{PlatformError::Kind::configuration,
                       std::string(why) + ", and no platform is configured: " + sources.platform_unavailable, 0};
}

// The trace id a conversation's participant data holds, if it is one (W3C's form: 32
// hex digits, not all zero), lower-cased.
std::optional<std::string> trace_id_of(const std::optional<std::string>& attribute) {
  if (!attribute) return std::nullopt;
  const std::string id = common::ascii_lower(*attribute);
  const auto parsed = trace::TraceId::from_hex(id);
  if (!parsed || !parsed->valid()) return std::nullopt;
  return id;
}

}  // namespace

LookupResult find_by_trace_id(const LookupSources& sources, const std::string& trace_id_text,
                              const SearchWindow& window, std::string& not_found) {
  const std::string trace_id = common::ascii_lower(trace_id_text);
  if (!trace_id_of(trace_id)) {
    return PlatformError{PlatformError::Kind::configuration,
                         "'" + trace_id_text.substr(0, 64) + "' is not a trace id (32 hex digits, not all zero)", 0};
  }
  if (sources.trace_store) {
    auto stored = sources.trace_store(trace_id);
    if (!stored) return PlatformError{PlatformError::Kind::failed, "trace store: " + stored.error().message, 0};
    if (*stored) {
      return std::optional<Found>(
          Found{trace_id,
                **stored,
                {},
                "trace store: a span of the trace carries " + std::string(conventions::kConversationIdKey),
                {}});
    }
  }
  TRACECHAT_TRY(auto* platform,
                need_platform(sources, !sources.trace_store ? "no trace store to read"
                                                            : "no span of the stored trace names its conversation"));

  // A job sees data only up to the availability date: search up to there, and say so
  // when that cuts the window short.
  Found found;
  SearchWindow w = window;
  TRACECHAT_TRY(const auto available_text, platform->get_details_job_availability());
  const auto available = common::parse_rfc3339_ms(available_text);
  if (!available) {
    found.warnings.push_back("the platform's data availability date '" +
                             common::terminal_safe(available_text.substr(0, 64)) +
                             "' is unreadable; searching the whole interval");
  } else if (*available < w.to_ms) {
    found.warnings.push_back("the platform's analytics data is complete only up to " + available_text +
                             "; conversations after that cannot be searched yet");
    w.to_ms = *available;
  }
  if (w.to_ms <= w.from_ms) {
    not_found = "no analytics data is available yet for the interval searched";
    if (!found.warnings.empty()) not_found += " (" + found.warnings.front() + ")";
    return std::optional<Found>();
  }
  DetailsQuery query;
  query.interval = format_interval(w.from_ms, w.to_ms);
  query.segment_filters.push_back({"and", {{"dimension", "mediaType", "message"}}});
  std::string conversation_id;
  TRACECHAT_TRY(const bool hit, run_details_job(*platform, query, w.job, [&](const auto& c) {
                  if (trace_id_of(find_attribute(c, conventions::kTraceIdAttribute)) != trace_id) return false;
                  conversation_id = c.conversation_id;
                  return true;
                }));
  if (!hit) {
    not_found =
        "no conversation in " + query.interval + " has " + std::string(conventions::kTraceIdAttribute) + " " + trace_id;
    for (const auto& warning : found.warnings) not_found += "; " + warning;
    return std::optional<Found>();
  }
  found.trace_id = trace_id;
  found.conversation_id = conversation_id;
  found.found_by = "analytics details job over " + query.interval + ", matching participant attribute " +
                   std::string(conventions::kTraceIdAttribute);
  return std::optional<Found>(std::move(found));
}

LookupResult find_by_conversation_id(const LookupSources& sources, const std::string& conversation_id,
                                     std::string& not_found) {
  TRACECHAT_TRY(auto* platform, need_platform(sources, "a conversation is looked up on the platform"));
  auto conversation = platform->get_conversation(conversation_id);
  if (!conversation) {
    if (conversation.error().kind != PlatformError::Kind::not_found) return conversation.error();
    not_found = "the platform has no conversation " + conversation_id.substr(0, 64);
    return std::optional<Found>();
  }
  Found found;
  found.conversation_id = conversation->id;
  found.found_by =
      "GET /api/v2/conversations/{id}: participant attribute " + std::string(conventions::kTraceIdAttribute);
  const auto trace_id = trace_id_of(find_attribute(*conversation, conventions::kTraceIdAttribute));
  if (!trace_id) {
    not_found = "conversation " + conversation->id + " has no valid " + std::string(conventions::kTraceIdAttribute) +
                " attribute: its guest's client did not attach a trace context";
    return std::optional<Found>();
  }
  found.trace_id = *trace_id;
  return std::optional<Found>(std::move(found));
}

LookupResult find_by_message_id(const LookupSources& sources, const std::string& message_id, std::string& not_found) {
  TRACECHAT_TRY(auto* platform, need_platform(sources, "a message is looked up on the platform"));
  auto message = platform->get_message_details(message_id);
  if (!message) {
    if (message.error().kind != PlatformError::Kind::not_found) return message.error();
    not_found = "the platform has no message " + message_id.substr(0, 64);
    return std::optional<Found>();
  }
  TRACECHAT_TRY(auto found, find_by_conversation_id(sources, message->conversation_id, not_found));
  if (!found) return found;
  found->message_id = message->id;
  found->found_by = "GET /api/v2/conversations/messages/{id}/details, then " + found->found_by;
  return found;
}

}  // namespace tracechat::platform
