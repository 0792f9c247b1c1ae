// One guest message on its way out: the text, its producer span (chat.send_message,
// started when the caller sends, so queueing and rate-limit waits are inside it) and
// the traceparent that travels with the request.
#pragma once

#include <cstdint>
#include <string>

#include "attribute_state.h"
#include "tracechat/trace/tracer.h"

namespace tracechat::client {

struct Outgoing {
  std::uint64_t client_id = 0;
  std::string text;
  trace::Span span;
  std::string traceparent;
  int attempts = 0;
  AttributeChanges carried;  // Web Messaging: attributes sent along with it
};

Outgoing start_outgoing(const trace::Tracer& tracer, const trace::SpanContext& session,
                        const std::string& messaging_system, std::uint64_t client_id, std::string text);

}  // namespace tracechat::client
