#include "session_core.h"

#include <algorithm>
#include <utility>

#include "tracechat/trace/traceparent.h"

namespace tracechat::client {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How many delivered own messages are remembered to recognise their server copies.
constexpr std::size_t kRememberedOwn = 512;

std::optional<trace::SpanContext> context_of(const std::optional<std::string>& traceparent) {
  if (!traceparent) return std::nullopt;
  auto parsed = trace::SpanContext::from_headers(*traceparent);
  if (!parsed) return std::nullopt;
  return *parsed;
}

std::vector<std::string> keys_of(const AttributeChanges& changes) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : changes) keys.push_back(k);
  return keys;
}

}  // namespace

SessionCore::SessionCore(net::EventLoop& loop, ChatSessionConfig config, Endpoint endpoint,
                         std::unique_ptr<WireDialect> dialect, std::shared_ptr<SessionShared> shared)
    : loop_(loop),
      config_(std::move(config)),
      endpoint_(std::move(endpoint)),
      dialect_(std::move(dialect)),
      shared_(std::move(shared)) {
  if (config_.trace.tracer.enabled()) {
    tracer_ = config_.trace.tracer;
  } else {
    // Nothing is recorded, but spans still get ids, so the context still propagates.
    own_provider_ = std::make_unique<trace::TracerProvider>(trace::TracerProviderOptions{});
    tracer_ = own_provider_->tracer("tracechat.client");
  }
  messaging_system_ = dialect_->kind() == Dialect::web_messaging ? "genesys_web_messaging" : "guest_chat";
  limits_ = shared_->limits;
  // Started here, on the opener's thread, so that context() and info().trace_id are
  // there as soon as open() returns; the loop takes over with start().
  start_session_span();
}

SessionCore::~SessionCore() = default;

// ---- lifecycle -------------------------------------------------------------------------

void SessionCore::start() {
  set_state(SessionState::connecting);
  connect();
}

void SessionCore::start_session_span() {
  trace::StartSpanOptions options;
  options.parent = config_.trace.parent;
  options.attributes.set("messaging.system", messaging_system_);
  options.attributes.set("server.address", endpoint_.url.host);
  options.attributes.set("server.port", static_cast<std::int64_t>(endpoint_.url.port));
  options.attributes.set("chat.dialect", to_string(dialect_->kind()));
  session_span_ = tracer_.start_span("chat.session", options);
  {
    std::lock_guard lock(shared_->mutex);
    shared_->context = session_span_.context();
    shared_->info.trace_id = session_span_.context().trace_id.hex();
    shared_->info.traceparent = session_span_.traceparent();
    shared_->info.dialect = dialect_->kind();
  }
}

void SessionCore::connect() {
  const std::uint64_t epoch = ++epoch_;
  net::WebSocketClientOptions options;
  options.tls = config_.tls;
  options.connect_timeout = config_.connect_timeout;
  std::weak_ptr<SessionCore> weak = weak_from_this();
  net::WebSocketClientCallbacks callbacks;
  callbacks.on_text = [weak, epoch](std::string text) {
    if (auto self = weak.lock()) self->on_text(epoch, std::move(text));
  };
  callbacks.on_closed = [weak, epoch](const net::WebSocketClosed& closed) {
    if (auto self = weak.lock()) self->on_closed(epoch, closed);
  };
  net::WebSocketClient::connect(loop_, endpoint_.url, std::move(options), std::move(callbacks),
                                [weak, epoch](auto result) {
                                  if (auto self = weak.lock()) self->on_connected(epoch, std::move(result));
                                });
}

void SessionCore::on_connected(std::uint64_t epoch,
                               Result<std::shared_ptr<net::WebSocketClient>, net::ConnectFailure> result) {
  if (abandoned_ || epoch != epoch_) {
    if (result) (*result)->abort();
    return;
  }
  if (!result) {
    const auto& failure = result.error();
    // Every net failure names the address or the file it is about.
    const std::string& cause = failure.message;
    // A refused upgrade (4xx) will be refused again; a network failure may pass.
    const bool refused = failure.http_status >= 400 && failure.http_status < 500 && failure.http_status != 408 &&
                         failure.http_status != 429;
    if (state_ == SessionState::closing) return finish_closed("closed before connecting");
    if (!handshaken_once_ || refused || !config_.reconnect.enabled) return fail(cause);
    return schedule_reconnect(cause);
  }
  ws_ = std::move(*result);
  if (state_ == SessionState::closing) {
    ws_->close(net::CloseCode::normal);
    return;
  }
  set_state(SessionState::handshaking);
  pending_.clear();
  Request hello;
  hello.kind = Request::Kind::handshake;
  hello.display_name = config_.display_name;
  hello.resume_token = resume_token_;
  hello.last_event_seq = resume_token_.empty() ? std::nullopt : last_seq_;
  hello.traceparent = session_span_.traceparent();
  hello.correlation = dialect_->correlation(next_number(), {});
  handshake_correlation_ = send_request(std::move(hello), Pending::handshake);

  std::weak_ptr<SessionCore> weak = weak_from_this();
  loop_.after(config_.handshake_timeout, [weak, epoch] {
    auto self = weak.lock();
    if (!self || epoch != self->epoch_ || self->state_ != SessionState::handshaking || !self->ws_) return;
    self->close_cause_ =
        "no answer to the handshake within " + std::to_string(self->config_.handshake_timeout.count()) + " ms";
    self->ws_->abort();  // on_closed decides: reconnect or fail
  });
}

void SessionCore::on_closed(std::uint64_t epoch, const net::WebSocketClosed& closed) {
  if (abandoned_ || epoch != epoch_) return;
  ws_.reset();
  // What was in flight is unacknowledged: the front message is resent (or found in the
  // replay) once the session is back.
  message_correlation_.reset();
  attributes_correlation_.reset();
  attach_correlation_.reset();
  pending_.clear();
  ping_since_.reset();
  waiting_retry_ = false;
  if (state_ == SessionState::closing) return finish_closed(leave_sent_ ? "left" : "closed");
  if (state_ == SessionState::closed || state_ == SessionState::failed) return;
  std::string cause = !close_cause_.empty() ? std::exchange(close_cause_, {})
                      : closed.code != 0    ? "connection closed by the server (" + std::to_string(closed.code) +
                                               (closed.reason.empty() ? "" : " " + closed.reason) + ")"
                                         : "connection lost" + (closed.reason.empty() ? "" : ": " + closed.reason);
  if (!handshaken_once_) return fail(cause + " before the handshake completed");
  if (!config_.reconnect.enabled) return fail(cause);
  schedule_reconnect(cause);
}

void SessionCore::schedule_reconnect(const std::string& cause) {
  ++attempts_;
  if (attempts_ > config_.reconnect.max_attempts) {
    return fail("gave up after " + std::to_string(config_.reconnect.max_attempts) + " reconnect attempts: " + cause);
  }
  set_state(SessionState::reconnecting, cause);
  // Capped exponential backoff with jitter (half fixed, half random), so that many
  // clients cut off together do not come back together.
  const auto base = std::min<std::int64_t>(config_.reconnect.max_delay.count(), config_.reconnect.initial_delay.count()
                                                                                    << std::min(attempts_ - 1, 20));
  std::uniform_int_distribution<std::int64_t> spread(base / 2, std::max<std::int64_t>(base / 2, base));
  std::weak_ptr<SessionCore> weak = weak_from_this();
  const std::uint64_t epoch = epoch_;
  loop_.after(milliseconds(spread(jitter_)), [weak, epoch] {
    auto self = weak.lock();
    if (!self || self->epoch_ != epoch || self->state_ != SessionState::reconnecting) return;
    self->connect();
  });
}

void SessionCore::fail(const std::string& cause) {
  if (state_ == SessionState::failed || state_ == SessionState::closed) return;
  {
    std::lock_guard lock(shared_->mutex);
    shared_->info.failure = cause;
  }
  if (ws_) ws_->abort();
  ws_.reset();
  ++epoch_;
  fail_queued("the session failed: " + cause);
  session_span_.set_status(trace::StatusCode::error, cause);
  session_span_.end();
  set_state(SessionState::failed, cause);
}

void SessionCore::finish_closed(const std::string& cause) {
  if (state_ == SessionState::failed || state_ == SessionState::closed) return;
  if (ws_) ws_->close(net::CloseCode::normal);
  ws_.reset();
  ++epoch_;
  fail_queued("the session closed before it was sent");
  session_span_.end();
  set_state(SessionState::closed, cause);
}

void SessionCore::fail_queued(const std::string& why) {
  while (!queue_.empty()) {
    Outgoing& front = queue_.front();
    front.span.set_status(trace::StatusCode::error, why);
    front.span.end();
    const auto id = front.client_id;
    queue_.pop_front();
    shared_->queued.fetch_sub(1);
    shared_->emit(MessageFailed{id, why});
  }
  message_correlation_.reset();
}

void SessionCore::close() {
  if (state_ == SessionState::closed || state_ == SessionState::failed || state_ == SessionState::closing) return;
  const bool can_drain = state_ == SessionState::active || state_ == SessionState::attaching_context;
  std::weak_ptr<SessionCore> weak = weak_from_this();
  if (!can_drain && !queue_.empty() && !close_requested_) {
    // Messages are waiting for the session to be up: close once they are delivered
    // (finish_attach comes back here), within the same close_timeout.
    close_requested_ = true;
    loop_.after(config_.close_timeout, [weak] {
      auto self = weak.lock();
      if (self && self->state_ != SessionState::closing) self->fail("close_timeout passed before the session was up");
    });
    return;
  }
  set_state(SessionState::closing);
  loop_.after(config_.close_timeout, [weak] {
    auto self = weak.lock();
    if (!self || self->state_ != SessionState::closing) return;
    self->fail_queued("close_timeout passed before it could be sent");
    if (!self->leave_sent_ && self->ws_) {
      self->leave_sent_ = true;
      self->send_plain(Request::Kind::leave, Pending::leave);
    }
    // The server has two more seconds to answer the leave.
    std::weak_ptr<SessionCore> again = self;
    self->loop_.after(milliseconds(2000), [again] {
      if (auto s = again.lock(); s && s->state_ == SessionState::closing) s->finish_closed("closed (timed out)");
    });
  });
  if (!can_drain || !ws_) {
    if (!ws_) return finish_closed("closed");
    // Not in a conversation yet: nothing to drain or leave.
    fail_queued("the session closed before it was sent");
    ws_->close(net::CloseCode::normal);
    return;
  }
  pump();  // sends the leave when the queue is empty
}

void SessionCore::abandon() {
  abandoned_ = true;
  if (ws_) ws_->abort();
  ws_.reset();
  ++epoch_;
  if (session_span_.recording()) session_span_.end();
}

// ---- sending ---------------------------------------------------------------------------

std::string SessionCore::send_request(Request request, Pending kind) {
  std::string frame = dialect_->render(request);
  if (config_.attributes.lint) {
    if (auto dropped = dialect_->lint(frame); !dropped.empty()) {
      std::string paths;
      for (const auto& p : dropped) paths += (paths.empty() ? "" : ", ") + p;
      shared_->emit(Warning{"lint", "the server would silently drop: " + paths});
    }
  }
  pending_[request.correlation] = kind;
  last_sent_ = Clock::now();
  if (ws_) ws_->send(std::move(frame));
  return request.correlation;
}

void SessionCore::send_plain(Request::Kind kind, Pending pending) {
  Request request;
  request.kind = kind;
  request.correlation = dialect_->correlation(next_number(), {});
  send_request(std::move(request), pending);
}

void SessionCore::enqueue(std::uint64_t client_id, std::string text) {
  Outgoing out = start_outgoing(tracer_, session_span_.context(), messaging_system_, client_id, std::move(text));
  if (state_ == SessionState::closed || state_ == SessionState::failed) {
    out.span.set_status(trace::StatusCode::error, "session is over");
    out.span.end();
    shared_->queued.fetch_sub(1);
    shared_->emit(MessageFailed{client_id, "the session is " + std::string(to_string(state_))});
    return;
  }
  queue_.push_back(std::move(out));
  publish();
  pump();
}

void SessionCore::pump() {
  const bool sending = state_ == SessionState::active || state_ == SessionState::closing;
  if (!sending || !ws_ || message_correlation_ || waiting_retry_ || attach_correlation_) return;
  if (queue_.empty()) {
    if (state_ == SessionState::closing && !leave_sent_ && !attributes_correlation_) {
      leave_sent_ = true;
      send_plain(Request::Kind::leave, Pending::leave);
    }
    return;
  }
  if (pump_timer_armed_) return;
  if (bucket_) {
    const milliseconds wait = bucket_->take();
    if (wait.count() > 0) {
      // Wait for the server's rate rather than provoke a 429.
      ++rate_limit_waits_;
      pump_timer_armed_ = true;
      std::weak_ptr<SessionCore> weak = weak_from_this();
      loop_.after(wait, [weak] {
        if (auto self = weak.lock()) {
          self->pump_timer_armed_ = false;
          self->pump();
        }
      });
      publish();
      return;
    }
  }
  Outgoing& front = queue_.front();
  ++front.attempts;
  Request request;
  request.kind = Request::Kind::message;
  request.text = front.text;
  request.traceparent = front.traceparent;
  request.correlation = dialect_->correlation(next_number(), front.traceparent);

  AttributeChanges changes;
  {
    std::lock_guard lock(shared_->mutex);
    if (config_.trace.per_message_context && shared_->attributes.desired().contains(config_.trace.traceparent_key)) {
      // The message's own context replaces the span keys, so a flow the message starts
      // continues from it. The trace id does not change, so it is not resent. Both
      // values are as long as the ones they replace, so the budget still holds.
      std::map<std::string, std::optional<std::string>> context{
          {config_.trace.span_id_key, front.span.context().span_id.hex()},
          {config_.trace.traceparent_key, front.traceparent}};
      (void)shared_->attributes.apply(context, limits_.attributes).ok();
    }
    changes = shared_->attributes.diff();
  }
  if (!changes.empty()) {
    if (dialect_->attributes_ride_on_messages()) {
      request.attributes = changes;
      front.carried = changes;
    } else if (!attributes_correlation_) {
      send_attributes();  // ahead of the message: the server takes them in order
    }
  }
  front.span.set_attribute("messaging.destination.name", conversation_id_.empty() ? session_id_ : conversation_id_);
  front.span.set_attribute("chat.attempts", static_cast<std::int64_t>(front.attempts));
  message_correlation_ = send_request(std::move(request), Pending::message);
}

void SessionCore::message_done(bool delivered, const std::string& message_id, const std::string& error) {
  if (queue_.empty()) return;
  Outgoing front = std::move(queue_.front());
  queue_.pop_front();
  message_correlation_.reset();
  shared_->queued.fetch_sub(1);
  if (delivered) {
    front.span.set_attribute("messaging.message.id", message_id);
    front.span.set_status(trace::StatusCode::ok);
    front.span.end();
    if (!front.carried.empty()) {
      std::lock_guard lock(shared_->mutex);
      shared_->attributes.confirm(front.carried);
    }
    ++messages_sent_;
    delivered_.emplace_back(front.traceparent, front.client_id);
    if (delivered_.size() > kRememberedOwn) delivered_.pop_front();
    shared_->emit(MessageDelivered{front.client_id, message_id});
  } else {
    front.span.set_status(trace::StatusCode::error, error);
    front.span.end();
    shared_->emit(MessageFailed{front.client_id, error});
  }
  publish();
  pump();
}

void SessionCore::send_attributes() {
  AttributeChanges changes;
  {
    std::lock_guard lock(shared_->mutex);
    changes = shared_->attributes.diff();
  }
  if (changes.empty() || !ws_) return;
  Request request;
  request.kind = Request::Kind::attach;
  request.attributes = changes;
  trace::Span span = tracer_.start_child("chat.set_attributes", session_span_.context(), trace::SpanKind::client);
  span.set_attribute("chat.attributes.keys", keys_of(changes));
  request.traceparent = span.traceparent();
  span.end();  // the reply is reported by event; the span covers the request
  request.correlation = dialect_->correlation(next_number(), request.traceparent);
  attributes_sent_ = std::move(changes);
  attributes_correlation_ = send_request(std::move(request), Pending::attributes);
}

void SessionCore::attributes_changed() {
  if (state_ != SessionState::active || dialect_->attributes_ride_on_messages() || attributes_correlation_) return;
  send_attributes();
}

void SessionCore::typing() {
  if (state_ != SessionState::active || !ws_) return;
  // Typing is advisory: skipped, rather than delayed, when the rate limit has no room.
  if (bucket_ && bucket_->take().count() > 0) return;
  send_plain(Request::Kind::typing, Pending::typing);
}

void SessionCore::heartbeat(std::uint64_t epoch) {
  if (abandoned_ || epoch != epoch_ || !ws_) return;
  const auto interval = heartbeat_interval();
  const auto now = Clock::now();
  if (ping_since_ && now - *ping_since_ > 2 * interval) {
    close_cause_ = "no answer to the heartbeat for " + std::to_string((2 * interval).count()) + " ms";
    ws_->abort();  // the connection is gone
    return;
  }
  const bool connected =
      state_ == SessionState::active || state_ == SessionState::attaching_context || state_ == SessionState::closing;
  if (connected && !ping_since_ && now - last_sent_ >= interval) {
    send_plain(Request::Kind::ping, Pending::ping);
    ping_since_ = now;
  }
  std::weak_ptr<SessionCore> weak = weak_from_this();
  loop_.after(std::max(milliseconds(10), interval / 4), [weak, epoch] {
    if (auto self = weak.lock()) self->heartbeat(epoch);
  });
}

std::chrono::milliseconds SessionCore::heartbeat_interval() const {
  auto interval = config_.heartbeat_interval;
  if (limits_.idle_timeout.count() > 0) {
    interval = std::min<milliseconds>(interval, std::chrono::duration_cast<milliseconds>(limits_.idle_timeout) / 3);
  }
  return std::max(milliseconds(10), interval);
}

// ---- receiving -------------------------------------------------------------------------

void SessionCore::on_text(std::uint64_t epoch, std::string text) {
  if (abandoned_ || epoch != epoch_) return;
  std::vector<WireEvent> events;
  dialect_->parse(text, events);
  for (auto& event : events) {
    if (epoch != epoch_) return;  // a handler ended this connection
    std::visit([&](auto& e) { handle(e); }, event);
  }
}

void SessionCore::handle(HandshakeDone& h) {
  if (state_ != SessionState::handshaking) return;
  pending_.erase(handshake_correlation_);
  const bool new_conversation = !h.resumed;
  if (new_conversation && handshaken_once_) {
    // The old conversation could not be resumed: nothing of it is on this one.
    std::lock_guard lock(shared_->mutex);
    shared_->attributes.forget_server();
    context_attached_ = false;
    last_seq_.reset();
  }
  if (handshaken_once_) ++reconnects_;
  handshaken_once_ = true;
  attempts_ = 0;
  conversation_id_ = h.conversation_id;
  session_id_ = h.session_id;
  resumed_ = h.resumed;
  if (!h.resume_token.empty()) resume_token_ = h.resume_token;
  if (!bucket_ || limits_.messages_per_second != h.limits.messages_per_second ||
      limits_.message_burst != h.limits.message_burst) {
    // The server refills its bucket by the time a message arrives, the client by the
    // time it leaves; 10% slack absorbs the difference in transit times, which would
    // otherwise now and then cost a 429.
    bucket_.emplace(h.limits.messages_per_second / 1.1, h.limits.message_burst);
  }
  limits_ = h.limits;
  {
    std::lock_guard lock(shared_->mutex);
    shared_->limits = limits_;
    shared_->info.conversation_id = conversation_id_;
    shared_->info.session_id = session_id_;
  }
  if (!conversation_id_.empty()) session_span_.set_attribute("chat.conversation.id", conversation_id_);
  session_span_.set_attribute("chat.session.id", session_id_);
  shared_->emit(Connected{conversation_id_, session_id_, h.resumed, session_span_.context().trace_id.hex()});
  // The heartbeat starts now that the server's idle timeout is known.
  std::weak_ptr<SessionCore> weak = weak_from_this();
  loop_.after(heartbeat_interval() / 4, [weak, epoch = epoch_] {
    if (auto self = weak.lock()) self->heartbeat(epoch);
  });
  if (h.read_only) {
    shared_->emit(ConversationEnded{"read-only"});
    return finish_closed("the conversation has ended (read-only session)");
  }
  begin_attach();
}

void SessionCore::begin_attach() {
  set_state(SessionState::attaching_context);
  attach_span_ = trace::Span();
  std::vector<Warning> warnings;
  {
    std::lock_guard lock(shared_->mutex);
    if (!context_attached_) {
      const auto& context = session_span_.context();
      std::map<std::string, std::optional<std::string>> keys{{config_.trace.trace_id_key, context.trace_id.hex()},
                                                             {config_.trace.span_id_key, context.span_id.hex()},
                                                             {config_.trace.traceparent_key, context.traceparent()}};
      // A shortened trace id would point nowhere: the context is sent whole or not at all.
      std::string too_long;
      for (const auto& [key, value] : keys) {
        if (!AttributeState::fits_value(*value, limits_.attributes)) too_long = key;
      }
      if (!too_long.empty()) {
        warnings.push_back(Warning{"context-not-attached", "the trace context is not attached: the server keeps " +
                                                               std::to_string(limits_.attributes.max_value_chars) +
                                                               " characters per value and would truncate '" + too_long +
                                                               "' (" + std::to_string(keys[too_long]->size()) + ")"});
      } else if (auto applied = shared_->attributes.apply(keys, limits_.attributes); !applied) {
        warnings.push_back(
            Warning{"context-not-attached", "the trace context is not attached: " + applied.error().message});
      }
      if (!initial_applied_) {
        initial_applied_ = true;
        // The caller's initial attributes, checked now that the limits are known.
        std::map<std::string, std::optional<std::string>> initial(config_.attributes.initial.begin(),
                                                                  config_.attributes.initial.end());
        if (auto applied = shared_->attributes.apply(initial, limits_.attributes); !initial.empty() && !applied) {
          warnings.push_back(Warning{"attribute-rejected", applied.error().message});
        }
      }
      context_attached_ = true;  // decided; the keys are in the desired state or refused
    }
    attach_sent_ = shared_->attributes.diff();
  }
  for (auto& w : warnings) shared_->emit(std::move(w));

  Request request;
  // A new Web Messaging session starts with a Presence Join in any case; elsewhere a
  // ping stands in when nothing changed, because its answer marks the end of the
  // replay (the server answers in order).
  const bool join = dialect_->kind() == Dialect::web_messaging && (!resumed_ || !attach_sent_.empty());
  request.kind = (!attach_sent_.empty() || join) ? Request::Kind::attach : Request::Kind::ping;
  request.attributes = attach_sent_;
  if (request.kind == Request::Kind::attach) {
    trace::StartSpanOptions options;
    options.kind = trace::SpanKind::client;
    options.parent = session_span_.context();
    options.attributes.set("chat.attributes.keys", keys_of(attach_sent_));
    attach_span_ = tracer_.start_span("chat.set_attributes", options);
    request.traceparent = attach_span_.traceparent();
  }
  request.correlation = dialect_->correlation(next_number(), request.traceparent);
  attach_correlation_ = send_request(std::move(request), Pending::attach);
}

void SessionCore::finish_attach() {
  attach_correlation_.reset();
  if (state_ != SessionState::attaching_context) return;
  set_state(SessionState::active);
  // Attribute changes made while attaching go out now.
  if (!dialect_->attributes_ride_on_messages()) send_attributes();
  if (close_requested_) return close();  // drains the queue, then leaves
  pump();
}

void SessionCore::handle(Accepted& a) {
  if (message_correlation_ && a.correlation == *message_correlation_) {
    return message_done(true, a.message_id, {});
  }
  if (attach_correlation_ && a.correlation == *attach_correlation_) {
    std::vector<std::string> truncated = a.truncated;
    {
      std::lock_guard lock(shared_->mutex);
      if (a.attributes) {
        shared_->attributes.confirm_all(*a.attributes, a.truncated);
      } else {
        shared_->attributes.confirm(attach_sent_);
      }
    }
    attach_span_.set_status(trace::StatusCode::ok);
    attach_span_.end();
    if (!attach_sent_.empty()) {
      ContextAttached attached;
      for (const auto& [k, v] : attach_sent_) attached.attributes[k] = v.value_or("");
      attached.truncated = std::move(truncated);
      shared_->emit(std::move(attached));
    }
    pending_.erase(a.correlation);
    return finish_attach();
  }
  if (attributes_correlation_ && a.correlation == *attributes_correlation_) {
    attributes_correlation_.reset();
    {
      std::lock_guard lock(shared_->mutex);
      if (a.attributes) {
        shared_->attributes.confirm_all(*a.attributes, a.truncated);
      } else {
        shared_->attributes.confirm(attributes_sent_);
      }
    }
    if (!a.truncated.empty()) {
      std::string keys;
      for (const auto& k : a.truncated) keys += (keys.empty() ? "" : ", ") + k;
      shared_->emit(Warning{"attribute-truncated", "the server truncated: " + keys});
    }
    pending_.erase(a.correlation);
    // More may have changed meanwhile.
    if (state_ == SessionState::active) send_attributes();
    pump();
    return;
  }
  if (auto it = pending_.find(a.correlation); it != pending_.end()) {
    if (it->second == Pending::ping) ping_since_.reset();
    pending_.erase(it);
  }
}

void SessionCore::handle(Refused& r) {
  const std::string correlation = r.correlation.value_or("");
  if (r.correlation && *r.correlation == handshake_correlation_ && state_ == SessionState::handshaking) {
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
    return fail("handshake refused: " + std::to_string(r.code) + " " + r.error);
  }
  if (r.code == 429) {
    const milliseconds wait = r.retry_after.value_or(milliseconds(1000));
    ++rate_limit_waits_;
    shared_->emit(RateLimited{wait, queue_.size()});
    std::weak_ptr<SessionCore> weak = weak_from_this();
    const bool was_message = message_correlation_ && correlation == *message_correlation_;
    const bool was_attach = attach_correlation_ && correlation == *attach_correlation_;
    if (was_message) {
      message_correlation_.reset();
      waiting_retry_ = true;
      loop_.after(wait, [weak, epoch = epoch_] {
        auto self = weak.lock();
        if (!self || self->epoch_ != epoch) return;
        self->waiting_retry_ = false;
        self->pump();
      });
    } else if (was_attach) {
      loop_.after(wait, [weak, epoch = epoch_] {
        auto self = weak.lock();
        if (!self || self->epoch_ != epoch || self->state_ != SessionState::attaching_context) return;
        self->begin_attach();
      });
    }
    publish();
    return;
  }
  if (message_correlation_ && correlation == *message_correlation_) {
    return message_done(false, {}, std::to_string(r.code) + " " + r.error);
  }
  if (attach_correlation_ && correlation == *attach_correlation_) {
    attach_span_.set_status(trace::StatusCode::error, r.error);
    attach_span_.end();
    shared_->emit(
        Warning{"attributes-refused", "the server refused the attributes: " + std::to_string(r.code) + " " + r.error});
    return finish_attach();  // the chat goes on without them
  }
  if (attributes_correlation_ && correlation == *attributes_correlation_) {
    attributes_correlation_.reset();
    shared_->emit(
        Warning{"attributes-refused", "the server refused the attributes: " + std::to_string(r.code) + " " + r.error});
    pump();
    return;
  }
  pending_.erase(correlation);
  shared_->emit(Warning{"server-error", std::to_string(r.code) + " " + r.error});
}

bool SessionCore::accept_seq(const std::optional<std::int64_t>& seq) {
  if (!seq) return true;
  if (last_seq_ && *seq <= *last_seq_) {
    ++duplicates_;
    return false;
  }
  last_seq_ = seq;
  return true;
}

void SessionCore::handle(Incoming& in) {
  if (!accept_seq(in.seq)) return publish();
  in.own = in.own || (!session_id_.empty() && in.sender_id == session_id_);
  MessageReceived out{in.message_id,      in.seq, in.sender_role, in.sender_name,
                      std::move(in.body), in.own, std::nullopt,   in.traceparent};
  if (in.own) {
    const std::string key = in.traceparent.value_or(in.correlation.value_or(""));
    if (!key.empty()) {
      if (std::find(shown_own_.begin(), shown_own_.end(), key) != shown_own_.end()) {
        ++duplicates_;  // the server's second copy of a message sent twice
        return publish();
      }
      shown_own_.push_back(key);
      if (shown_own_.size() > kRememberedOwn) shown_own_.pop_front();
      for (auto it = delivered_.rbegin(); it != delivered_.rend(); ++it) {
        if (it->first == key) {
          out.client_id = it->second;
          break;
        }
      }
      // A message whose acknowledgement was lost with the connection, found in the
      // replay: it is delivered, and must not be sent again.
      if (!out.client_id && !queue_.empty() && queue_.front().traceparent == key) {
        out.client_id = queue_.front().client_id;
        const std::string message_id = out.message_id;
        shared_->emit(std::move(out));
        return message_done(true, message_id, {});
      }
    }
  } else {
    ++messages_received_;
    if (config_.trace.receive_spans) {
      trace::StartSpanOptions options;
      options.kind = trace::SpanKind::consumer;
      options.parent = session_span_.context();
      options.attributes.set("messaging.system", messaging_system_);
      options.attributes.set("messaging.operation.type", "receive");
      options.attributes.set("messaging.operation.name", "receive_message");
      options.attributes.set("messaging.message.id", in.message_id);
      options.attributes.set("messaging.destination.name", conversation_id_.empty() ? session_id_ : conversation_id_);
      options.attributes.set("messaging.message.body.size", static_cast<std::int64_t>(out.body.size()));
      options.attributes.set("chat.sender.role", in.sender_role);
      if (auto sender = context_of(in.traceparent)) options.links.push_back(trace::SpanLink{*sender, {}});
      tracer_.start_span("chat.receive_message", options).end();
    } else {
      session_span_.add_event("chat.message.received",
                              {{"messaging.message.id", in.message_id}, {"chat.sender.role", in.sender_role}});
    }
  }
  shared_->emit(std::move(out));
  publish();
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
  {
    // Someone (a flow, the REST API, this session) changed them: that is the server's state now.
    std::lock_guard lock(shared_->mutex);
    if (!attributes_correlation_ && !attach_correlation_) shared_->attributes.confirm_all(a.attributes, {});
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

// ---- state -----------------------------------------------------------------------------

void SessionCore::set_state(SessionState to, const std::string& cause) {
  if (to == state_) return;
  const SessionState from = state_;
  state_ = to;
  {
    std::lock_guard lock(shared_->mutex);
    shared_->info.state = to;
  }
  publish();
  shared_->emit(StateChanged{from, to, cause});
  if (to == SessionState::closed || to == SessionState::failed) shared_->changed.notify_all();
}

void SessionCore::publish() {
  std::lock_guard lock(shared_->mutex);
  auto& info = shared_->info;
  info.queued_messages = shared_->queued.load();
  info.messages_sent = messages_sent_;
  info.messages_received = messages_received_;
  info.rate_limit_waits = rate_limit_waits_;
  info.reconnects = reconnects_;
  info.duplicates_dropped = duplicates_;
}

}  // namespace tracechat::client
