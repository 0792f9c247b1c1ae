#include "context_attachment.h"

#include <utility>

#include "attribute_sync.h"
#include "tracechat/conventions.h"

namespace tracechat::client {

using AttributeMap = std::map<std::string, std::optional<std::string>>;

ContextAttachment::ContextAttachment(const TraceOptions& trace, const std::map<std::string, std::string>& initial)
    : trace_(trace), initial_(initial) {}

std::vector<Warning> ContextAttachment::decide(AttributeState& attributes, const trace::SpanContext& session,
                                               const AttributeLimits& limits) {
  std::vector<Warning> warnings;
  if (decided_) return warnings;
  if (auto warning = put_context(attributes, session, limits)) warnings.push_back(std::move(*warning));
  if (!initial_applied_) {
    initial_applied_ = true;
    // The caller's initial attributes, checked now that the limits are known.
    const AttributeMap initial(initial_.begin(), initial_.end());
    if (auto applied = attributes.apply(initial, limits); !initial.empty() && !applied) {
      warnings.push_back(Warning{"attribute-rejected", applied.error().message});
    }
  }
  decided_ = true;  // the keys are in the desired state, or refused
  return warnings;
}

std::optional<Warning> ContextAttachment::put_context(AttributeState& attributes, const trace::SpanContext& session,
                                                      const AttributeLimits& limits) const {
  AttributeMap keys{{trace_.trace_id_key, session.trace_id.hex()},
                    {trace_.span_id_key, session.span_id.hex()},
                    {trace_.traceparent_key, session.traceparent()}};
  std::string too_long;
  for (const auto& [key, value] : keys) {
    if (!AttributeState::fits_value(*value, limits)) too_long = key;
  }
  if (!too_long.empty()) {
    return Warning{"context-not-attached", "the trace context is not attached: the server keeps " +
                                               std::to_string(limits.max_value_chars) +
                                               " characters per value and would truncate '" + too_long + "' (" +
                                               std::to_string(keys[too_long]->size()) + ")"};
  }
  if (auto applied = attributes.apply(keys, limits); !applied) {
    return Warning{"context-not-attached", "the trace context is not attached: " + applied.error().message};
  }
  // The tracestate (a parent's) goes after the keys above and on its own: it is optional, so
  // one that does not fit costs only itself. W3C's truncation rule (whole entries, the large
  // and the right-most first) fits it to the value limit instead of the server cutting a
  // member in half; nothing is sent when there is none.
  if (session.trace_state.empty()) return std::nullopt;
  const std::string tracestate = session.trace_state.to_header(limits.max_value_chars);
  if (tracestate.empty()) {
    return Warning{"tracestate-not-attached", "the tracestate is not attached: no whole member fits in " +
                                                  std::to_string(limits.max_value_chars) + " characters"};
  }
  if (auto applied = attributes.apply(AttributeMap{{trace_.tracestate_key, tracestate}}, limits); !applied) {
    return Warning{"tracestate-not-attached", "the tracestate is not attached: " + applied.error().message};
  }
  return std::nullopt;
}

Request ContextAttachment::request(AttributeChanges changes, bool join, const trace::Tracer& tracer,
                                   const trace::SpanContext& session) {
  span_.reset();
  Request request;
  request.kind = (!changes.empty() || join) ? Request::Kind::attach : Request::Kind::ping;
  request.attributes = changes;
  if (request.kind == Request::Kind::attach) {
    trace::StartSpanOptions options;
    options.kind = trace::SpanKind::client;
    options.parent = session;
    options.attributes.set("chat.attributes.keys", keys_of(changes));
    span_ = std::make_unique<trace::Span>(tracer.start_span(conventions::kSetAttributesSpan, options));
    request.traceparent = span_->traceparent();
  }
  sent_ = std::move(changes);
  return request;
}

std::optional<ContextAttached> ContextAttachment::accepted(SessionShared& shared, const Accepted& answer) {
  correlation_.reset();
  // Taken, not kept: an idle session would hold a copy of what it sent long ago.
  const AttributeChanges sent = std::exchange(sent_, {});
  confirm_answer(shared, answer, sent);
  if (carries_context(sent)) on_conversation_ = true;
  end_span(trace::StatusCode::ok);
  if (sent.empty()) return std::nullopt;
  ContextAttached attached;
  for (const auto& [k, v] : sent) attached.attributes[k] = v.value_or("");
  attached.truncated = answer.truncated;
  return attached;
}

Warning ContextAttachment::refused(const Refused& answer) {
  correlation_.reset();
  sent_ = {};
  end_span(trace::StatusCode::error, answer.error);
  return attributes_refused(answer);
}

void ContextAttachment::end_span(trace::StatusCode status, const std::string& description) {
  if (!span_) return;
  span_->set_status(status, description);
  span_->end();
  span_.reset();
}

bool ContextAttachment::carries_context(const AttributeChanges& changes) const {
  for (const auto& [key, value] : changes) {
    if (key == trace_.traceparent_key && value) return true;
  }
  return false;
}

std::optional<ContextAttached> ContextAttachment::carried_by(const AttributeChanges& carried) {
  // Later messages carry the context again in per-message mode: only the first puts it on.
  if (on_conversation_ || !carries_context(carried)) return std::nullopt;
  on_conversation_ = true;
  ContextAttached attached;
  for (const auto& [k, v] : carried) attached.attributes[k] = v.value_or("");
  return attached;
}

void ContextAttachment::move_to_message(AttributeState& attributes, const Outgoing& message,
                                        const AttributeLimits& limits) const {
  if (!trace_.per_message_context || !attributes.desired().contains(trace_.traceparent_key)) return;
  const AttributeMap context{{trace_.span_id_key, message.span.context().span_id.hex()},
                             {trace_.traceparent_key, message.traceparent}};
  (void)attributes.apply(context, limits).ok();
}

}  // namespace tracechat::client
