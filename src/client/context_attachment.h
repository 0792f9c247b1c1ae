// Putting the session's trace context on the conversation (docs/client.md, "The trace
// context on the conversation"). Right after each handshake, before the session reports
// active, one request carries the context keys — and, the first time, the caller's
// initial attributes — or, when nothing changed, a ping stands in: its answer marks the
// end of the resume replay, since the server answers in order. The context goes whole or
// not at all: a shortened trace id would point nowhere. In per-message mode the span keys
// then move to each message's span, so a flow a message starts continues from it.
//
// Not thread-safe, and it needs no lock of its own: SessionCore owns it and uses it only
// on the loop's thread. decide() and move_to_message() work on SessionShared's attribute
// state and are called inside SessionShared::with_attributes, under its mutex; they only
// compute, and their warnings are emitted after the lock is released.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attribute_state.h"
#include "dialect.h"
#include "outgoing.h"
#include "session_shared.h"
#include "tracechat/client/chat_session.h"
#include "tracechat/trace/tracer.h"

namespace tracechat::client {

class ContextAttachment {
 public:
  // Both are kept by reference: they are the session's configuration (SessionCore's
  // settings, config_), which outlive this part.
  ContextAttachment(const TraceOptions& trace, const std::map<std::string, std::string>& initial);

  bool in_flight() const { return correlation_.has_value(); }
  bool answers(const std::string& correlation) const { return correlation_ && *correlation_ == correlation; }
  // A new conversation (the old one could not be resumed): the context is not on it.
  void new_conversation() { decided_ = on_conversation_ = false; }

  // Puts the context keys (once per conversation) and the caller's initial attributes
  // (once per session) into the desired state, as far as they fit `limits`. Returns
  // warnings for what was left out.
  std::vector<Warning> decide(AttributeState& attributes, const trace::SpanContext& session,
                              const AttributeLimits& limits);
  // The request after the handshake: an attach carrying `changes` (the diff) under its own
  // span, or a ping when there are none and no Web Messaging Join is due.
  Request request(AttributeChanges changes, bool join, const trace::Tracer& tracer, const trace::SpanContext& session);
  void sent(std::string correlation) { correlation_ = std::move(correlation); }
  // The answer: the event to report when the request carried attributes.
  std::optional<ContextAttached> accepted(SessionShared& shared, const Accepted& answer);
  // The chat goes on without them.
  Warning refused(const Refused& answer);
  // The request in flight will get no answer: its span ends as such, and what it carried
  // is decided again after the next handshake.
  void connection_lost() {
    correlation_.reset();
    sent_ = {};
    end_span(trace::StatusCode::error, "the connection was lost before the answer");
  }

  // Per-message mode: the span id and traceparent keys take `message`'s context. The trace
  // id does not change, so it is not resent; both values are as long as the ones they
  // replace, so the budget still holds.
  void move_to_message(AttributeState& attributes, const Outgoing& message, const AttributeLimits& limits) const;

  // Web Messaging without auto-start: a message the server took carried `carried`. The
  // event to report when that put the context on the conversation for the first time.
  std::optional<ContextAttached> carried_by(const AttributeChanges& carried);

 private:
  bool carries_context(const AttributeChanges& changes) const;
  void end_span(trace::StatusCode status, const std::string& description = {});
  std::optional<Warning> put_context(AttributeState& attributes, const trace::SpanContext& session,
                                     const AttributeLimits& limits) const;

  const TraceOptions& trace_;  // the context's attribute keys, per-message mode
  const std::map<std::string, std::string>& initial_;

  bool decided_ = false;          // this conversation: the context keys are desired, or were refused
  bool on_conversation_ = false;  // this conversation has the context (an attach or a message took it)
  bool initial_applied_ = false;
  std::optional<std::string> correlation_;  // the request in flight
  AttributeChanges sent_;                   // what it carries
  // Its chat.set_attributes span, while in flight (a Span object is 80 bytes; most of a
  // session's life there is none).
  std::unique_ptr<trace::Span> span_;
};

}  // namespace tracechat::client
