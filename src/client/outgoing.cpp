#include "outgoing.h"

namespace tracechat::client {

Outgoing start_outgoing(const trace::Tracer& tracer, const trace::SpanContext& session,
                        const std::string& messaging_system, std::uint64_t client_id, std::string text) {
  Outgoing out;
  out.client_id = client_id;
  out.text = std::move(text);
  // Messaging semantic conventions: a producer span per message sent.
  trace::StartSpanOptions options;
  options.kind = trace::SpanKind::producer;
  options.parent = session;
  options.attributes.set("messaging.system", messaging_system);
  options.attributes.set("messaging.operation.type", "send");
  options.attributes.set("messaging.operation.name", "send_message");
  options.attributes.set("messaging.message.body.size", static_cast<std::int64_t>(out.text.size()));
  options.attributes.set("chat.client_message_id", static_cast<std::int64_t>(client_id));
  out.span = tracer.start_span("chat.send_message", options);
  out.traceparent = out.span.traceparent();
  return out;
}

}  // namespace tracechat::client
