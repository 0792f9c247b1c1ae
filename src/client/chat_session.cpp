// The thread-safe face of a chat session: checks what it can on the caller's thread
// (so errors come back from the call itself; SessionShared holds what the checks read)
// and posts the rest to the SessionCore.
#include <future>
#include <set>

#include "deployment_settings.h"
#include "session_core.h"
#include "tracechat/protocol/attribute_text.h"

namespace tracechat::client {

const char* to_string(SessionState state) noexcept {
  switch (state) {
    case SessionState::idle: return "idle";
    case SessionState::connecting: return "connecting";
    case SessionState::handshaking: return "handshaking";
    case SessionState::attaching_context: return "attaching-context";
    case SessionState::active: return "active";
    case SessionState::reconnecting: return "reconnecting";
    case SessionState::closing: return "closing";
    case SessionState::closed: return "closed";
    case SessionState::failed: return "failed";
  }
  return "?";
}

const char* to_string(AutoStart auto_start) noexcept {
  switch (auto_start) {
    case AutoStart::from_deployment: return "from-deployment";
    case AutoStart::on: return "on";
    case AutoStart::off: return "off";
  }
  return "?";
}

const char* to_string(ContextTiming timing) noexcept {
  switch (timing) {
    case ContextTiming::after_handshake: return "after-handshake";
    case ContextTiming::first_message: return "first-message";
  }
  return "?";
}

namespace {

Result<void> check_config(const ChatSessionConfig& c) {
  if (c.display_name.empty()) return Error{"display name: must not be empty"};
  if (c.max_queued_messages == 0) return Error{"max_queued_messages: must be at least 1"};
  if (c.heartbeat_interval.count() <= 0) return Error{"heartbeat_interval: must be positive"};
  if (c.reconnect.initial_delay.count() <= 0 || c.reconnect.max_delay < c.reconnect.initial_delay) {
    return Error{"reconnect: initial_delay must be positive and at most max_delay"};
  }
  if (c.web_messaging_messages_per_second <= 0 || c.web_messaging_burst < 1) {
    return Error{"web messaging rate: messages per second must be positive and the burst at least 1"};
  }
  if (!(c.web_messaging_echo_per_minute >= 0.01)) {
    return Error{"web messaging echo rate: must be at least 0.01 per minute"};
  }
  const auto& t = c.trace;
  const std::set<std::string> keys{t.trace_id_key, t.span_id_key, t.traceparent_key, t.tracestate_key};
  for (const auto* key : {&t.trace_id_key, &t.span_id_key, &t.traceparent_key, &t.tracestate_key}) {
    if (!protocol::is_valid_attribute_key(*key)) {
      return Error{"trace attribute name '" + *key + "': must match " + std::string(protocol::kAttributeKeyPattern)};
    }
  }
  if (keys.size() != 4) return Error{"trace attribute names: must be four different keys"};
  for (const auto& [key, value] : c.attributes.initial) {
    if (!protocol::is_valid_attribute_key(key)) {
      return Error{"attribute '" + key + "': the key must match " + std::string(protocol::kAttributeKeyPattern)};
    }
    if (keys.contains(key)) {
      return Error{"attribute '" + key + "': that key carries the trace context and is set by the session"};
    }
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<ChatSession>> ChatSession::open(ChatSessionConfig config, EventCallback on_event,
                                                       net::EventLoop* loop) {
  TRACECHAT_CHECK(check_config(config));
  TRACECHAT_TRY(Endpoint endpoint, resolve_endpoint(config.url, config.dialect));
  TRACECHAT_TRY(endpoint.origin, upgrade_origin(config.origin, endpoint.url));
  // Whether a Web Messaging deployment auto-starts is known before the first connect, so
  // that the first handshake already knows what follows it.
  std::optional<Warning> auto_start_warning;
  if (endpoint.dialect == Dialect::web_messaging && config.web_messaging_auto_start == AutoStart::from_deployment) {
    TRACECHAT_TRY(const net::Url config_url, deployment_config_url(config.deployment_config_url, endpoint));
    auto read = read_auto_start(config_url, endpoint.deployment_id, config.tls, config.connect_timeout);
    if (read) {
      config.web_messaging_auto_start = *read ? AutoStart::on : AutoStart::off;
    } else {
      config.web_messaging_auto_start = AutoStart::off;
      auto_start_warning =
          Warning{"deployment-config", read.error().message + "; going on without auto-start: the trace context " +
                                           "goes with the first message"};
    }
  }
  auto dialect = endpoint.dialect == Dialect::web_messaging ? make_web_messaging_dialect(endpoint, config)
                                                            : make_guest_chat_dialect();
  auto shared = std::make_shared<SessionShared>(config, endpoint.dialect, std::move(on_event));

  std::unique_ptr<net::EventLoop> own_loop;
  if (loop == nullptr) {
    own_loop = std::make_unique<net::EventLoop>();
    loop = own_loop.get();
  }
  auto core = std::make_shared<SessionCore>(*loop, config, std::move(endpoint), std::move(dialect), shared);
  if (auto_start_warning) loop->post([shared, w = std::move(*auto_start_warning)] { shared->emit(w); });
  loop->post([core] { core->start(); });
  return std::unique_ptr<ChatSession>(new ChatSession(std::move(own_loop), *loop, std::move(shared), std::move(core)));
}

ChatSession::ChatSession(std::unique_ptr<net::EventLoop> own_loop, net::EventLoop& loop,
                         std::shared_ptr<SessionShared> shared, std::shared_ptr<SessionCore> core)
    : own_loop_(std::move(own_loop)), loop_(loop), shared_(std::move(shared)), core_(std::move(core)) {}

ChatSession::~ChatSession() {
  // The core belongs to the loop's thread: it is stopped there, and the caller waits,
  // so no callback runs once the destructor has returned.
  if (loop_.in_loop_thread()) {
    core_->abandon();
  } else {
    std::promise<void> done;
    loop_.post([core = core_, &done] {
      core->abandon();
      done.set_value();
    });
    done.get_future().wait();
  }
  if (own_loop_) own_loop_->stop();
}

Result<std::uint64_t> ChatSession::send(std::string text) {
  TRACECHAT_TRY(const std::uint64_t id, shared_->admit_message(text));
  loop_.post(
      [core = core_, id, text = std::move(text)]() mutable { core->enqueue(id, std::move(text), std::nullopt); });
  return id;
}

Result<std::uint64_t> ChatSession::send_quick_reply(QuickReply reply) {
  TRACECHAT_TRY(const std::uint64_t id, shared_->admit_message(reply.text));
  loop_.post([core = core_, id, reply = std::move(reply)]() mutable {
    core->enqueue(id, std::move(reply.text), std::move(reply.payload));
  });
  return id;
}

Result<void> ChatSession::set_attributes(const std::map<std::string, std::optional<std::string>>& changes) {
  TRACECHAT_CHECK(shared_->set_attributes(changes));
  loop_.post([core = core_] { core->attributes_changed(); });
  return {};
}

void ChatSession::typing() {
  loop_.post([core = core_] { core->typing(); });
}

void ChatSession::close() {
  loop_.post([core = core_] { core->close(); });
}

std::optional<SessionEvent> ChatSession::poll_event(std::chrono::milliseconds timeout) {
  return shared_->next_event(timeout);
}

bool ChatSession::wait_finished(std::chrono::milliseconds timeout) { return shared_->wait_finished(timeout); }

SessionState ChatSession::state() const { return shared_->state(); }

SessionInfo ChatSession::info() const { return shared_->info(); }

trace::SpanContext ChatSession::context() const { return shared_->context(); }

}  // namespace tracechat::client
