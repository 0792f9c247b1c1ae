#include "attribute_sync.h"

#include <utility>

#include "tracechat/conventions.h"

namespace tracechat::client {

std::optional<Request> AttributeSync::request(SessionShared& shared, const trace::Tracer& tracer,
                                              const trace::SpanContext& session) {
  AttributeChanges changes = shared.with_attributes([](AttributeState& attributes) { return attributes.diff(); });
  if (changes.empty()) return std::nullopt;
  Request request;
  request.kind = Request::Kind::attach;
  request.attributes = changes;
  trace::Span span = tracer.start_child(conventions::kSetAttributesSpan, session, trace::SpanKind::client);
  span.set_attribute("chat.attributes.keys", keys_of(changes));
  request.traceparent = span.traceparent();
  span.end();
  sent_ = std::move(changes);
  return request;
}

std::optional<Warning> AttributeSync::accepted(SessionShared& shared, const Accepted& answer) {
  correlation_.reset();
  // Taken, not kept: an idle session would hold a copy of what it sent long ago.
  confirm_answer(shared, answer, std::exchange(sent_, {}));
  if (answer.truncated.empty()) return std::nullopt;
  std::string keys;
  for (const auto& k : answer.truncated) keys += (keys.empty() ? "" : ", ") + k;
  return Warning{"attribute-truncated", "the server truncated: " + keys};
}

Warning AttributeSync::refused(const Refused& answer) {
  correlation_.reset();
  sent_ = {};
  return attributes_refused(answer);
}

void confirm_answer(SessionShared& shared, const Accepted& answer, const AttributeChanges& sent) {
  shared.with_attributes([&](AttributeState& attributes) {
    if (answer.attributes) {
      attributes.confirm_all(*answer.attributes, answer.truncated);
    } else {
      attributes.confirm(sent);
    }
  });
}

Warning attributes_refused(const Refused& answer) {
  return Warning{"attributes-refused",
                 "the server refused the attributes: " + std::to_string(answer.code) + " " + answer.error};
}

std::vector<std::string> keys_of(const AttributeChanges& changes) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : changes) keys.push_back(k);
  return keys;
}

}  // namespace tracechat::client
