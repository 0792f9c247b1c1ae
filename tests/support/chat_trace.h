// A chat's trace as the client, the bridge and a backend record it, for the explorer's
// tests: a chat.session span; per guest message a chat.send_message span and under it
// (with per-message context) or beside it (without) the bridge's Data Action span, its
// upstream span and the backend's; per reply a chat.receive_message span.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tracechat/conventions.h"
#include "tracechat/trace/span_data.h"

namespace tracechat::test_support {

struct ChatTraceOptions {
  std::string trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  std::string conversation_id = "3f9c2a1e-8d2b-4c1a-9b7e-5a6d4c3b2a10";
  std::uint64_t start = 1'764'950'000'000'000'000ULL;
  int messages = 2;
  bool per_message_context = true;  // actions under their message's span
  bool failing_action = false;      // the last action fails
  bool record_text = false;
};

inline std::vector<std::unique_ptr<trace::SpanData>> chat_trace(const ChatTraceOptions& o = {}) {
  using namespace tracechat::trace;
  const auto origin = [](const char* service, const char* scope) {
    auto out = std::make_shared<SpanOrigin>();
    out->resource = std::make_shared<const Resource>(Attributes{{"service.name", std::string(service)}});
    out->scope = InstrumentationScope{scope, "", ""};
    return out;
  };
  const auto client = origin("chat-ui", "tracechat.client");
  const auto bridge = origin("tracechat-bridge", "tracechat.bridge");
  const auto backend = origin("orders-service", "orders");
  const TraceId trace_id = *TraceId::from_hex(o.trace_id);
  std::uint64_t next_id = 1;
  std::vector<std::unique_ptr<SpanData>> spans;
  const auto add = [&](const std::shared_ptr<SpanOrigin>& from, std::string name, const SpanData* parent,
                       std::uint64_t start_ms, std::uint64_t end_ms) -> SpanData& {
    auto s = std::make_unique<SpanData>();
    s->context.trace_id = trace_id;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(next_id++));
    s->context.span_id = *SpanId::from_hex(hex);
    s->context.flags = TraceFlags(TraceFlags::kSampled);
    if (parent != nullptr) s->parent_span_id = parent->context.span_id;
    s->name = std::move(name);
    s->start_time_unix_nano = o.start + start_ms * 1'000'000ULL;
    s->end_time_unix_nano = o.start + end_ms * 1'000'000ULL;
    s->origin = from;
    spans.push_back(std::move(s));
    return *spans.back();
  };
  const std::uint64_t per = 1000;  // ms per exchange
  SpanData& session = add(client, std::string(conventions::kSessionSpan), nullptr, 0,
                          static_cast<std::uint64_t>(o.messages) * per + 500);
  session.kind = SpanKind::client;
  session.attributes.set(conventions::kConversationIdKey, o.conversation_id);
  session.attributes.set(conventions::kSessionIdKey, "session-1");
  for (int m = 0; m < o.messages; ++m) {
    const std::uint64_t at = static_cast<std::uint64_t>(m) * per + 100;
    SpanData& sent = add(client, std::string(conventions::kSendMessageSpan), &session, at, at + 50);
    sent.kind = SpanKind::producer;
    sent.attributes.set(conventions::kMessageIdKey, "guest-message-" + std::to_string(m));
    if (o.record_text) sent.attributes.set(conventions::kMessageTextKey, "question " + std::to_string(m));
    SpanData& action = add(bridge, std::string(conventions::kDataActionSpanPrefix) + "lookupOrder",
                           o.per_message_context ? &sent : &session, at + 200, at + 600);
    action.kind = SpanKind::server;
    action.attributes.set(conventions::kConversationIdKey, o.conversation_id);
    action.attributes.set(conventions::kDataActionNameKey, "lookupOrder");
    const SpanData* action_ptr = &action;
    SpanData& upstream = add(bridge, std::string(conventions::kDataActionSpanPrefix) + "lookupOrder upstream",
                             action_ptr, at + 240, at + 560);
    upstream.kind = SpanKind::client;
    const SpanData* upstream_ptr = &upstream;
    SpanData& call = add(backend, "GET /orders", upstream_ptr, at + 250, at + 550);
    call.kind = SpanKind::server;
    call.attributes.set("http.response.status_code", std::int64_t{200});
    if (o.failing_action && m == o.messages - 1) {
      call.status = SpanStatus{StatusCode::error, "upstream 503"};
      call.attributes.set("http.response.status_code", std::int64_t{503});
    }
    SpanData& reply = add(client, std::string(conventions::kReceiveMessageSpan), &session, at + 700, at + 701);
    reply.kind = SpanKind::consumer;
    reply.attributes.set(conventions::kMessageIdKey, "reply-" + std::to_string(m));
    reply.attributes.set(conventions::kSenderRoleKey, "bot");
    if (o.record_text) reply.attributes.set(conventions::kMessageTextKey, "answer " + std::to_string(m));
  }
  return spans;
}

}  // namespace tracechat::test_support
