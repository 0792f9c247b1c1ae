#include "outgoing.h"

#include <algorithm>

#include "tracechat/conventions.h"

namespace tracechat::client {

Outgoing start_outgoing(const trace::Tracer& tracer, const trace::SpanContext& session,
                        std::string_view messaging_system, std::uint64_t client_id, std::string text,
                        std::optional<std::string> payload, bool record_text) {
  Outgoing out;
  out.client_id = client_id;
  out.text = std::move(text);
  out.payload = std::move(payload);
  // Messaging semantic conventions: a producer span per message sent.
  trace::StartSpanOptions options;
  options.kind = trace::SpanKind::producer;
  options.parent = session;
  options.attributes.set("messaging.system", messaging_system);
  options.attributes.set("messaging.operation.type", "send");
  options.attributes.set("messaging.operation.name", "send_message");
  options.attributes.set("messaging.message.body.size", static_cast<std::int64_t>(out.text.size()));
  options.attributes.set("chat.client_message_id", static_cast<std::int64_t>(client_id));
  if (out.payload) options.attributes.set("chat.message.quick_reply", true);
  if (record_text) options.attributes.set(conventions::kMessageTextKey, out.text);
  out.span = tracer.start_span(conventions::kSendMessageSpan, options);
  out.traceparent = out.span.traceparent();
  return out;
}

void OutgoingQueue::set_rate(double messages_per_second, double burst) {
  if (!bucket_ || rate_ != std::make_pair(messages_per_second, burst)) {
    bucket_.emplace(messages_per_second / 1.1, burst);
  }
  rate_ = {messages_per_second, burst};
}

bool OutgoingQueue::take_spare_token(Clock::time_point now) { return !bucket_ || bucket_->take(now).count() == 0; }

std::chrono::milliseconds OutgoingQueue::take_token(Clock::time_point now) {
  if (!bucket_) return std::chrono::milliseconds(0);
  const std::chrono::milliseconds wait = bucket_->take(now);
  if (wait.count() > 0) pacing_ = true;
  return wait;
}

Outgoing& OutgoingQueue::next_attempt() {
  Outgoing& front = queue_.front();
  ++front.attempts;
  return front;
}

Outgoing OutgoingQueue::pop_front() {
  Outgoing front = std::move(queue_.front());
  queue_.pop_front();
  in_flight_.reset();
  return front;
}

std::optional<Outgoing> OutgoingQueue::delivered(const std::string& message_id) {
  if (queue_.empty()) return std::nullopt;
  Outgoing front = pop_front();
  front.span.set_attribute("messaging.message.id", message_id);
  front.span.set_status(trace::StatusCode::ok);
  front.span.end();
  delivered_.emplace_back(front.traceparent, front.client_id);
  if (delivered_.size() > kRemembered) delivered_.pop_front();
  return front;
}

std::optional<Outgoing> OutgoingQueue::refused(const std::string& error) {
  if (queue_.empty()) return std::nullopt;
  Outgoing front = pop_front();
  front.span.set_status(trace::StatusCode::error, error);
  front.span.end();
  return front;
}

void OutgoingQueue::fail_all(const std::string& why, const std::function<void(const Outgoing&)>& failed) {
  while (auto front = refused(why)) failed(*front);
  in_flight_.reset();
}

OutgoingQueue::OwnCopy OutgoingQueue::recognise_own(const std::string& key) {
  OwnCopy copy;
  if (std::find(shown_own_.begin(), shown_own_.end(), key) != shown_own_.end()) {
    copy.repeated = true;
    return copy;
  }
  shown_own_.push_back(key);
  if (shown_own_.size() > kRemembered) shown_own_.pop_front();
  const auto it = std::find_if(delivered_.rbegin(), delivered_.rend(), [&](const auto& d) { return d.first == key; });
  if (it != delivered_.rend()) {
    copy.client_id = it->second;
  } else if (!queue_.empty() && queue_.front().traceparent == key) {
    copy.client_id = queue_.front().client_id;
    copy.is_front = true;
  }
  return copy;
}

}  // namespace tracechat::client
