// SessionCore's requests: what it sends and when — the attach request after the handshake,
// attribute changes, the paced message queue, typing, the heartbeat and the leave.
#include <utility>

#include "session_core.h"

namespace tracechat::client {

using std::chrono::milliseconds;

std::string SessionCore::send_request(Request request, Pending kind) {
  std::string frame = dialect_->render(request);
  if (config_.lint_attributes) {
    if (auto dropped = dialect_->lint(frame); !dropped.empty()) {
      std::string paths;
      for (const auto& p : dropped) paths += (paths.empty() ? "" : ", ") + p;
      shared_->emit(Warning{"lint", "the server would silently drop: " + paths});
    }
  }
  pending_[request.correlation] = kind;
  heartbeat_.sent(Heartbeat::Clock::now());
  if (ws_) ws_->send(std::move(frame));
  return request.correlation;
}

std::string SessionCore::send_numbered(Request request, Pending kind) {
  request.correlation = dialect_->correlation(next_number(), request.traceparent);
  return send_request(std::move(request), kind);
}

void SessionCore::send_plain(Request::Kind kind, Pending pending) {
  Request request;
  request.kind = kind;
  send_numbered(std::move(request), pending);
}

void SessionCore::send_leave() {
  leave_sent_ = true;
  if (context_timing_ == ContextTiming::first_message && !conversation_started_) {
    // With no conversation there is nothing to end, and a Presence Disconnect to a
    // session without one is undocumented: leaving is closing the connection.
    return finish_closed("left (no conversation was started)");
  }
  send_plain(Request::Kind::leave, Pending::leave);
}

// ---- the context, and attributes ---------------------------------------------------------

void SessionCore::begin_attach() {
  set_state(SessionState::attaching_context);
  std::vector<Warning> warnings;
  AttributeChanges changes = shared_->with_attributes([&](AttributeState& attributes) {
    warnings = context_.decide(attributes, session_span_.context(), limits_.attributes);
    return attributes.diff();
  });
  for (auto& w : warnings) shared_->emit(std::move(w));
  if (context_timing_ == ContextTiming::first_message) {
    // Web Messaging without auto-start: what changed goes with the guest's first message
    // (send_front), and nothing before it may start a conversation.
    return finish_attach(changes.empty() ? "" : "the trace context goes with the first message (no auto-start)");
  }
  // With auto-start, a new Web Messaging session starts with a Presence Join, as the
  // platform's SDKs do.
  const bool join = dialect_->kind() == Dialect::web_messaging && (!resumed_ || !changes.empty());
  context_.sent(
      send_numbered(context_.request(std::move(changes), join, tracer_, session_span_.context()), Pending::attach));
}

// After the attach request is settled (ContextAttachment::accepted or refused has run, so
// it is no longer in flight): the session is active.
void SessionCore::finish_attach(const std::string& cause) {
  // Closed while the context was being attached: close() began the drain, which waited
  // for the attach; it goes on now (else the queue waited for close_timeout).
  if (state_ == SessionState::closing) return pump();
  if (state_ != SessionState::attaching_context) return;
  set_state(SessionState::active, cause);
  // Attribute changes made while attaching go out now.
  if (!dialect_->attributes_ride_on_messages()) send_attributes();
  if (close_requested_) return close();  // drains the queue, then leaves
  pump();
}

void SessionCore::send_attributes() {
  if (!ws_) return;
  if (auto request = attributes_.request(*shared_, tracer_, session_span_.context())) {
    attributes_.sent(send_numbered(std::move(*request), Pending::attributes));
  }
}

void SessionCore::attributes_changed() {
  if (state_ != SessionState::active || dialect_->attributes_ride_on_messages() || attributes_.in_flight()) return;
  send_attributes();
}

// ---- messages ------------------------------------------------------------------------------

void SessionCore::enqueue(std::uint64_t client_id, std::string text, std::optional<std::string> payload) {
  Outgoing out = start_outgoing(tracer_, session_span_.context(), messaging_system_, client_id, std::move(text),
                                std::move(payload), config_.trace.record_message_text);
  if (over()) {
    out.span.set_status(trace::StatusCode::error, "session is over");
    out.span.end();
    shared_->message_left_queue();
    shared_->emit(MessageFailed{client_id, "the session is " + std::string(to_string(state_))});
    return;
  }
  outgoing_.push(std::move(out));
  publish();
  pump();
}

// Sends the front message if nothing holds it back; comes back here whenever something
// that held it back is over.
void SessionCore::pump() {
  const bool sending = state_ == SessionState::active || state_ == SessionState::closing;
  if (!sending || !ws_ || outgoing_.busy() || context_.in_flight()) return;
  if (outgoing_.empty()) {
    if (state_ == SessionState::closing && !leave_sent_ && !attributes_.in_flight()) send_leave();
    return;
  }
  if (outgoing_.pacing()) return;
  if (const milliseconds wait = outgoing_.take_token(); wait.count() > 0) {
    // Wait for the server's rate rather than provoke a 429.
    ++stats_.rate_limit_waits;
    after(wait, [](SessionCore& self) {
      self.outgoing_.pacing_over();
      self.pump();
    });
    publish();
    return;
  }
  send_front();
}

void SessionCore::send_front() {
  Outgoing& front = outgoing_.next_attempt();
  Request request;
  request.kind = Request::Kind::message;
  request.text = front.text;
  request.payload = front.payload;
  request.traceparent = front.traceparent;
  request.correlation = dialect_->correlation(next_number(), front.traceparent);
  AttributeChanges changes = shared_->with_attributes([&](AttributeState& attributes) {
    context_.move_to_message(attributes, front, limits_.attributes);
    return attributes.diff();
  });
  if (!changes.empty()) {
    if (dialect_->attributes_ride_on_messages()) {
      // Which keys went with it (never the values), as a chat.set_attributes span says.
      front.span.set_attribute("chat.attributes.keys", keys_of(changes));
      request.attributes = changes;
      front.carried = std::move(changes);
    } else if (!attributes_.in_flight()) {
      send_attributes();  // ahead of the message: the server takes them in order
    }
  }
  front.span.set_attribute("messaging.destination.name", destination());
  front.span.set_attribute("chat.attempts", static_cast<std::int64_t>(front.attempts));
  outgoing_.sent(send_request(std::move(request), Pending::message));
}

void SessionCore::message_done(bool delivered, const std::string& message_id, const std::string& error) {
  auto done = delivered ? outgoing_.delivered(message_id) : outgoing_.refused(error);
  if (!done) return;
  shared_->message_left_queue();
  if (delivered) {
    conversation_started_ = true;  // a message starts one, if none was there
    if (!done->carried.empty()) {
      shared_->with_attributes([&](AttributeState& attributes) { attributes.confirm(done->carried); });
      if (auto attached = context_.carried_by(done->carried)) shared_->emit(std::move(*attached));
    }
    ++stats_.messages_sent;
    shared_->emit(MessageDelivered{done->client_id, message_id});
  } else {
    shared_->emit(MessageFailed{done->client_id, error});
  }
  publish();
  pump();
}

void SessionCore::fail_queued(const std::string& why) {
  outgoing_.fail_all(why, [&](const Outgoing& message) {
    shared_->message_left_queue();
    shared_->emit(MessageFailed{message.client_id, why});
  });
}

// ---- typing and the heartbeat ------------------------------------------------------------

void SessionCore::typing() {
  if (state_ != SessionState::active || !ws_) return;
  // Before a conversation there is no one to see it, and whether the platform starts one
  // for a Typing event is not documented: nothing is sent until the guest's first message.
  if (context_timing_ == ContextTiming::first_message && !conversation_started_) return;
  // Typing is advisory: skipped, rather than delayed, when the rate limit has no room.
  if (!outgoing_.take_spare_token()) return;
  send_plain(Request::Kind::typing, Pending::typing);
}

void SessionCore::heartbeat() {
  if (abandoned_ || !ws_) return;
  const bool may_ping =
      state_ == SessionState::active || state_ == SessionState::attaching_context || state_ == SessionState::closing;
  switch (heartbeat_.check(Heartbeat::Clock::now(), may_ping)) {
    case Heartbeat::Beat::lost:
      close_cause_ = heartbeat_.lost_cause();
      ws_->abort();  // the connection is gone
      return;
    case Heartbeat::Beat::ping: send_plain(Request::Kind::ping, Pending::ping); break;
    case Heartbeat::Beat::quiet: break;
  }
  after_on_this_connection(heartbeat_.next_check(Heartbeat::Clock::now()), [](SessionCore& self) { self.heartbeat(); });
}

}  // namespace tracechat::client
