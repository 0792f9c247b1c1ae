// SessionCore's lifecycle: the session span, connecting, the handshake request, losing
// the connection and reconnecting, closing and failing, and the state it reports.
#include "session_core.h"

#include <utility>

#include "tracechat/conventions.h"

namespace tracechat::client {
namespace {

using std::chrono::milliseconds;

std::string describe_close(const net::WebSocketClosed& closed) {
  if (closed.code != 0) {
    return "connection closed by the server (" + std::to_string(closed.code) +
           (closed.reason.empty() ? "" : " " + closed.reason) + ")";
  }
  return "connection lost" + (closed.reason.empty() ? "" : ": " + closed.reason);
}

// For a session given no tracer: nothing is recorded, but spans still get ids, so the
// context still propagates. One for all such sessions (a Tracer keeps what it needs
// alive), where a provider each would read the environment and hold a resource each.
const trace::Tracer& ids_only_tracer() {
  static const trace::Tracer tracer =
      trace::TracerProvider(trace::TracerProviderOptions{}).tracer(std::string(conventions::kClientScope));
  return tracer;
}

}  // namespace

SessionCore::SessionCore(net::EventLoop& loop, const ChatSessionConfig& config, Endpoint endpoint,
                         std::unique_ptr<WireDialect> dialect, std::shared_ptr<SessionShared> shared)
    : loop_(loop),
      config_(config),
      endpoint_(std::move(endpoint)),
      dialect_(std::move(dialect)),
      shared_(std::move(shared)),
      backoff_(config_.reconnect),
      // open() has resolved from_deployment to on or off by now.
      context_timing_(dialect_->kind() == Dialect::web_messaging && config.web_messaging_auto_start != AutoStart::on
                          ? ContextTiming::first_message
                          : ContextTiming::after_handshake),
      context_(config_.trace, config_.initial_attributes),
      heartbeat_(config.heartbeat_interval) {
  tracer_ = config_.trace.tracer.enabled() ? config_.trace.tracer : ids_only_tracer();
  messaging_system_ = dialect_->kind() == Dialect::web_messaging ? "genesys_web_messaging" : "guest_chat";
  limits_ = shared_->limits();
  shared_->set_context_timing(context_timing_);
  // Started here, on the opener's thread, so that context() and info().trace_id are
  // there as soon as open() returns; the loop takes over with start().
  start_session_span();
}

SessionCore::~SessionCore() = default;

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
  options.attributes.set("chat.context.timing", to_string(context_timing_));
  session_span_ = tracer_.start_span(conventions::kSessionSpan, options);
  shared_->session_started(session_span_);
}

void SessionCore::after(milliseconds delay, std::function<void(SessionCore&)> task) {
  loop_.after(delay, [weak = weak_from_this(), task = std::move(task)] {
    if (auto self = weak.lock()) task(*self);
  });
}

void SessionCore::after_on_this_connection(milliseconds delay, void (*task)(SessionCore&)) {
  // One closure, not after()'s around another: each waiting task is an allocation, and a
  // load run keeps a heartbeat waiting for each of thousands of sessions.
  loop_.after(delay, [weak = weak_from_this(), epoch = epoch_, task] {
    if (auto self = weak.lock(); self && self->epoch_ == epoch) task(*self);
  });
}

// ---- connecting -------------------------------------------------------------------------

void SessionCore::connect() {
  const std::uint64_t epoch = ++epoch_;
  net::WebSocketClientOptions options;
  options.tls = config_.tls;
  options.connect_timeout = config_.connect_timeout;
  options.headers.push_back({"Origin", endpoint_.origin});
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
  if (!result) return connect_failed(result.error());
  ws_ = std::move(*result);
  if (state_ == SessionState::closing) {
    ws_->close(net::CloseCode::normal);
    return;
  }
  set_state(SessionState::handshaking);
  send_handshake();
}

void SessionCore::connect_failed(const net::ConnectFailure& failure) {
  // Every net failure names the address or the file it is about; a refused upgrade also
  // says what its status most likely means here (the origin for a 403).
  const std::string cause = failure.http_status != 0
                                ? describe_refused_upgrade(failure.http_status, failure.message, endpoint_)
                                : failure.message;
  // A refused upgrade (4xx) will be refused again; a network failure may pass.
  const bool refused = failure.http_status >= 400 && failure.http_status < 500 && failure.http_status != 408 &&
                       failure.http_status != 429;
  if (state_ == SessionState::closing) return finish_closed("closed before connecting");
  if (!handshaken_once_ || refused || !config_.reconnect.enabled) return fail(cause);
  schedule_reconnect(cause);
}

void SessionCore::send_handshake() {
  pending_.clear();
  Request hello;
  hello.kind = Request::Kind::handshake;
  hello.display_name = config_.display_name;
  hello.resume_token = resume_token_;
  hello.last_event_seq = resume_token_.empty() ? std::nullopt : last_seq_;
  hello.traceparent = session_span_.traceparent();
  hello.correlation = dialect_->correlation(next_number(), {});
  handshake_correlation_ = send_request(std::move(hello), Pending::handshake);
  after_on_this_connection(config_.handshake_timeout, [](SessionCore& self) {
    if (self.state_ != SessionState::handshaking || !self.ws_) return;
    self.close_cause_ =
        "no answer to the handshake within " + std::to_string(self.config_.handshake_timeout.count()) + " ms";
    self.ws_->abort();  // on_closed decides: reconnect or fail
  });
}

// ---- losing the connection ----------------------------------------------------------

void SessionCore::on_closed(std::uint64_t epoch, const net::WebSocketClosed& closed) {
  if (abandoned_ || epoch != epoch_) return;
  ws_.reset();
  // What was in flight is unacknowledged: the front message is resent (or found in the
  // replay) once the session is back.
  outgoing_.connection_lost();
  attributes_.connection_lost();
  context_.connection_lost();
  pending_.clear();
  heartbeat_.answered();
  if (state_ == SessionState::closing) return finish_closed(leave_sent_ ? "left" : "closed");
  if (over()) return;
  const std::string cause = !close_cause_.empty() ? std::exchange(close_cause_, {}) : describe_close(closed);
  if (!handshaken_once_) return fail(cause + " before the handshake completed");
  if (!config_.reconnect.enabled) return fail(cause);
  schedule_reconnect(cause);
}

void SessionCore::schedule_reconnect(const std::string& cause) {
  const auto delay = backoff_.next();
  if (!delay) {
    return fail("gave up after " + std::to_string(config_.reconnect.max_attempts) + " reconnect attempts: " + cause);
  }
  set_state(SessionState::reconnecting, cause);
  after_on_this_connection(*delay, [](SessionCore& self) {
    if (self.state_ == SessionState::reconnecting) self.connect();
  });
}

// ---- the end ------------------------------------------------------------------------------

void SessionCore::close() {
  if (over() || state_ == SessionState::closing) return;
  const bool can_drain = state_ == SessionState::active || state_ == SessionState::attaching_context;
  if (!can_drain && !outgoing_.empty() && !close_requested_) {
    // Messages are waiting for the session to be up: close once they are delivered
    // (finish_attach comes back here), within the same close_timeout.
    close_requested_ = true;
    after(config_.close_timeout, [](SessionCore& self) {
      if (self.state_ != SessionState::closing) self.fail("close_timeout passed before the session was up");
    });
    return;
  }
  set_state(SessionState::closing);
  after(config_.close_timeout, [](SessionCore& self) { self.close_timed_out(); });
  if (!ws_) return finish_closed("closed");
  if (!can_drain) {
    // Not in a conversation yet: nothing to drain or leave.
    fail_queued("the session closed before it was sent");
    ws_->close(net::CloseCode::normal);
    return;
  }
  pump();  // sends the leave when the queue is empty
}

void SessionCore::close_timed_out() {
  if (state_ != SessionState::closing) return;
  fail_queued("close_timeout passed before it could be sent");
  if (!leave_sent_ && ws_) send_leave();
  // The server has two more seconds to answer the leave.
  after(milliseconds(2000), [](SessionCore& self) {
    if (self.state_ == SessionState::closing) self.finish_closed("closed (timed out)");
  });
}

void SessionCore::abandon() {
  abandoned_ = true;
  drop_connection(false);
  if (session_span_.recording()) session_span_.end();
}

void SessionCore::fail(const std::string& cause) {
  if (over()) return;
  shared_->set_failure(cause);
  drop_connection(false);
  fail_queued("the session failed: " + cause);
  session_span_.set_status(trace::StatusCode::error, cause);
  session_span_.end();
  set_state(SessionState::failed, cause);
}

void SessionCore::finish_closed(const std::string& cause) {
  if (over()) return;
  drop_connection(true);
  fail_queued("the session closed before it was sent");
  session_span_.end();
  set_state(SessionState::closed, cause);
}

// Ends the connection for good: its callbacks, and timers bound to it, are ignored from now.
void SessionCore::drop_connection(bool gracefully) {
  if (ws_ && gracefully) ws_->close(net::CloseCode::normal);
  if (ws_ && !gracefully) ws_->abort();
  ws_.reset();
  ++epoch_;
}

// ---- state ----------------------------------------------------------------------------------

void SessionCore::set_state(SessionState to, const std::string& cause) {
  if (to == state_) return;
  const SessionState from = std::exchange(state_, to);
  shared_->set_state(to);
  publish();
  shared_->emit(StateChanged{from, to, cause});
  if (over()) shared_->wake_waiters();
}

}  // namespace tracechat::client
