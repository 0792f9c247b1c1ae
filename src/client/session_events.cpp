// SessionCore's handlers for what the server says, each routed to the part that sent the
// request it answers: the handshake's result, answers and refusals, messages and the
// conversation's other events, deduplicated by seq after a resume.
#include <utility>

#include "session_core.h"
#include "tracechat/conventions.h"
#include "tracechat/protocol/web_messaging.h"

namespace tracechat::client {
namespace {

using std::chrono::milliseconds;

std::optional<trace::SpanContext> context_of(const std::optional<std::string>& traceparent) {
  if (!traceparent) return std::nullopt;
  auto parsed = trace::SpanContext::from_headers(*traceparent);
  if (!parsed) return std::nullopt;
  return *parsed;
}

std::string code_and_error(const Refused& r) { return std::to_string(r.code) + " " + r.error; }

}  // namespace

void SessionCore::on_text(std::uint64_t epoch, std::string text) {
  if (abandoned_ || epoch != epoch_) return;
  std::vector<WireEvent> events;
  dialect_->parse(text, events);
  for (auto& event : events) {
    if (epoch != epoch_) return;  // a handler ended this connection
    std::visit([&](auto& e) { handle(e); }, event);
  }
}

// Events about the conversation carry a seq (guest-chat); a resume replays everything
// after the last one seen, and what was seen before is dropped.
bool SessionCore::accept_seq(const std::optional<std::int64_t>& seq) {
  if (!seq) return true;
  if (last_seq_ && *seq <= *last_seq_) {
    ++stats_.duplicates;
    return false;
  }
  last_seq_ = seq;
  return true;
}

// ---- the handshake -------------------------------------------------------------------------

void SessionCore::handle(HandshakeDone& h) {
  if (state_ != SessionState::handshaking) return;
  pending_.erase(handshake_correlation_);
  const bool first_handshake = !handshaken_once_;
  if (!h.resumed && handshaken_once_) {
    // The old conversation could not be resumed: nothing of it is on this one.
    shared_->with_attributes([](AttributeState& attributes) { attributes.forget_server(); });
    context_.new_conversation();
    last_seq_.reset();
  }
  if (handshaken_once_) ++stats_.reconnects;
  handshaken_once_ = true;
  backoff_.reset();
  // Whether the conversation may exist already: a resume of a session this process did
  // not start may have one (the caller gave the token); a new session has none until the
  // first message, or the Join of an auto-start.
  if (!h.resumed) {
    conversation_started_ = context_timing_ == ContextTiming::after_handshake;
  } else if (first_handshake) {
    conversation_started_ = true;
  }
  conversation_id_ = h.conversation_id;
  session_id_ = h.session_id;
  resumed_ = h.resumed;
  if (!h.resume_token.empty()) resume_token_ = h.resume_token;
  take_limits(h.limits);
  if (!conversation_id_.empty()) session_span_.set_attribute(conventions::kConversationIdKey, conversation_id_);
  session_span_.set_attribute(conventions::kSessionIdKey, session_id_);
  shared_->emit(
      Connected{conversation_id_, session_id_, h.resumed, session_span_.context().trace_id.hex(), context_timing_});
  // The heartbeat starts now that the server's idle timeout is known.
  after_on_this_connection(heartbeat_.next_check(Heartbeat::Clock::now()), [](SessionCore& self) { self.heartbeat(); });
  if (h.read_only) {
    shared_->emit(ConversationEnded{"read-only"});
    return finish_closed("the conversation has ended (read-only session)");
  }
  begin_attach();
}

void SessionCore::take_limits(const ServerLimits& limits) {
  outgoing_.set_rate(limits.messages_per_second, limits.message_burst);
  heartbeat_.set_idle_timeout(limits.idle_timeout);
  heartbeat_.set_min_interval(limits.min_heartbeat_interval);
  limits_ = limits;
  shared_->connected(limits_, conversation_id_, session_id_);
}

void SessionCore::handshake_refused(const Refused& r) {
  if (r.code == 404 && !resume_token_.empty()) {
    // The conversation ended or is unknown: the spec's answer is a new conversation.
    shared_->emit(
        Warning{"resume-refused", "the conversation could not be resumed (" + r.error + "); starting a new one"});
    resume_token_.clear();
    last_seq_.reset();
    close_cause_ = "the conversation could not be resumed";
    if (ws_) ws_->abort();  // on_closed reconnects, now without the token
    return;
  }
  fail("handshake refused: " + code_and_error(r));
}

// ---- answers to requests ----------------------------------------------------------------

void SessionCore::handle(Accepted& a) {
  const auto kind = take_pending(a.correlation);
  if (outgoing_.in_flight(a.correlation)) return message_done(true, a.message_id, {});
  if (context_.answers(a.correlation)) {
    if (auto attached = context_.accepted(*shared_, a)) shared_->emit(std::move(*attached));
    return finish_attach();
  }
  if (attributes_.answers(a.correlation)) {
    if (auto warning = attributes_.accepted(*shared_, a)) shared_->emit(std::move(*warning));
    // More may have changed meanwhile.
    if (state_ == SessionState::active) send_attributes();
    pump();
    return;
  }
  if (kind == Pending::ping) heartbeat_.answered();
}

void SessionCore::handle(Refused& r) {
  const std::string correlation = r.correlation.value_or("");
  if (r.correlation && *r.correlation == handshake_correlation_ && state_ == SessionState::handshaking) {
    return handshake_refused(r);
  }
  // Any answer, a refusal too, shows the connection is alive.
  if (take_pending(correlation) == Pending::ping) heartbeat_.answered();
  if (r.code == 429) return rate_limited(r);
  if (outgoing_.in_flight(correlation)) {
    if (r.code == protocol::web_messaging::error_code::kCustomAttributesTooLarge && outgoing_.front_carries()) {
      // The attributes it carried were refused, not the message: they are given up (or
      // every later message would carry them into the same refusal) and it goes again.
      const AttributeChanges refused = outgoing_.resend_without_attributes();
      shared_->with_attributes([&](AttributeState& attributes) { attributes.abandon(refused); });
      shared_->emit(attributes_refused(r));
      return pump();
    }
    return message_done(false, {}, code_and_error(r));
  }
  if (context_.answers(correlation)) {
    shared_->emit(context_.refused(r));
    return finish_attach();  // the chat goes on without them
  }
  if (attributes_.answers(correlation)) {
    shared_->emit(attributes_.refused(r));
    pump();
    return;
  }
  shared_->emit(Warning{"server-error", code_and_error(r)});
}

// What the answered request was; its correlation is forgotten, since every answer is final
// (a 429's request goes again under a new correlation).
std::optional<SessionCore::Pending> SessionCore::take_pending(const std::string& correlation) {
  const auto it = pending_.find(correlation);
  if (it == pending_.end()) return std::nullopt;
  const Pending kind = it->second;
  pending_.erase(it);
  if (pending_.empty()) pending_.shrink_to_fit();
  return kind;
}

// A 429: the request goes again once the server's wait is over.
void SessionCore::rate_limited(const Refused& r) {
  const milliseconds wait = r.retry_after.value_or(milliseconds(1000));
  ++stats_.rate_limit_waits;
  shared_->emit(RateLimited{wait, outgoing_.size()});
  const std::string correlation = r.correlation.value_or("");
  if (outgoing_.in_flight(correlation)) {
    outgoing_.rate_limited();
    after_on_this_connection(wait, [](SessionCore& self) {
      self.outgoing_.retry_due();
      self.pump();
    });
  } else if (context_.answers(correlation)) {
    after_on_this_connection(wait, [](SessionCore& self) {
      if (self.state_ == SessionState::attaching_context) self.begin_attach();
    });
  }
  publish();
}

// ---- the conversation ----------------------------------------------------------------------

void SessionCore::handle(Incoming& in) {
  if (!accept_seq(in.seq)) return publish();
  in.own = in.own || (!session_id_.empty() && in.sender_id == session_id_);
  MessageReceived out{in.message_id, in.seq,       in.sender_role, in.sender_name,   std::move(in.body),
                      in.own,        std::nullopt, in.traceparent, in.quick_replies, in.payload};
  if (!in.own) {
    ++stats_.messages_received;
    record_received(in, out.body.size());
    if (!in.quick_replies.empty()) shared_->offer_quick_replies(in.quick_replies);
  } else if (const std::string key = in.traceparent.value_or(in.correlation.value_or("")); !key.empty()) {
    const OutgoingQueue::OwnCopy copy = outgoing_.recognise_own(key);
    if (copy.repeated) {
      ++stats_.duplicates;  // the server's second copy of a message sent twice
      return publish();
    }
    out.client_id = copy.client_id;
    if (copy.is_front) {
      // A message whose acknowledgement was lost with the connection, found in the
      // replay: it is delivered, and must not be sent again.
      const std::string message_id = out.message_id;
      shared_->emit(std::move(out));
      return message_done(true, message_id, {});
    }
  }
  shared_->emit(std::move(out));
  publish();
}

// A consumer span per message from another member, linked to the sender's context when
// it gave one; or, if the caller wants fewer spans, an event on the session span.
void SessionCore::record_received(const Incoming& in, std::size_t body_size) {
  if (!config_.trace.receive_spans) {
    trace::Attributes attributes{{std::string(conventions::kMessageIdKey), in.message_id},
                                 {std::string(conventions::kSenderRoleKey), in.sender_role}};
    if (config_.trace.record_message_text) attributes.set(conventions::kMessageTextKey, in.body);
    session_span_.add_event(conventions::kMessageReceivedEvent, std::move(attributes));
    return;
  }
  trace::StartSpanOptions options;
  options.kind = trace::SpanKind::consumer;
  options.parent = session_span_.context();
  options.attributes.set("messaging.system", messaging_system_);
  options.attributes.set("messaging.operation.type", "receive");
  options.attributes.set("messaging.operation.name", "receive_message");
  options.attributes.set("messaging.message.id", in.message_id);
  options.attributes.set("messaging.destination.name", destination());
  options.attributes.set("messaging.message.body.size", static_cast<std::int64_t>(body_size));
  options.attributes.set("chat.sender.role", in.sender_role);
  if (config_.trace.record_message_text) options.attributes.set(conventions::kMessageTextKey, in.body);
  if (auto sender = context_of(in.traceparent)) options.links.push_back(trace::SpanLink{*sender, {}});
  tracer_.start_span(conventions::kReceiveMessageSpan, options).end();
}

void SessionCore::handle(Membership& m) {
  if (!accept_seq(m.seq)) return;
  session_span_.add_event(m.joined ? "chat.member.joined" : "chat.member.left", {{"chat.member.role", m.role}});
  shared_->emit(MemberChanged{m.joined, m.role, m.display_name});
}

void SessionCore::handle(RemoteTyping& t) {
  if (!accept_seq(t.seq)) return;
  if (!session_id_.empty() && t.member == session_id_) return;
  shared_->emit(TypingSeen{t.member});
}

void SessionCore::handle(RemoteAttributes& a) {
  if (!accept_seq(a.seq)) return;
  // Someone (a flow, the REST API, this session) changed them: that is the server's state
  // now — unless a request of ours is in flight, whose answer will say.
  if (!attributes_.in_flight() && !context_.in_flight()) {
    shared_->with_attributes([&](AttributeState& attributes) { attributes.confirm_all(a.attributes, {}); });
  }
  shared_->emit(AttributesChanged{std::move(a.attributes), std::move(a.changed)});
}

void SessionCore::handle(Ended& e) {
  if (!accept_seq(e.seq)) return;
  const bool ours = e.correlation && pending_.contains(*e.correlation) && pending_[*e.correlation] == Pending::leave;
  if (ours || state_ == SessionState::closing) {
    // Leaving may make the server report the end from its side first; it was still us.
    shared_->emit(ConversationEnded{leave_sent_ ? "guest-left" : e.reason});
    return finish_closed("left the conversation");
  }
  if (e.displaced) {
    // Reconnecting would close the session's oldest connection in turn, and connections
    // would take each other's place for ever: this one leaves; the conversation goes on.
    shared_->emit(Warning{"connection-replaced", "another connection of this session took this one's place"});
    return finish_closed("another connection of this session took this one's place");
  }
  if (!e.conversation_over) {
    // Only this connection ends (idle timeout, server shutdown): the close that follows reconnects.
    return;
  }
  shared_->emit(ConversationEnded{e.reason});
  finish_closed("the conversation ended: " + e.reason);
}

void SessionCore::handle(Unreadable& u) {
  shared_->emit(Warning{"unreadable", "a frame from the server could not be read: " + u.error});
}

}  // namespace tracechat::client
