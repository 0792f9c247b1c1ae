#include "web_messaging_connection.h"

#include "tracechat/trace/traceparent.h"

namespace tracechat::emulator {

namespace {

// The platform's clients use a UUID (36 characters) as the session token; anything
// much shorter would be a token another guest could guess.
constexpr std::size_t kMinSessionTokenLength = 16;

wm::ServerMessage response(int code, wm::Body body, std::optional<std::string> tracing_id) {
  return wm::ServerMessage{"response", code, std::move(tracing_id), std::move(body)};
}

wm::ServerMessage pushed(wm::Body body, std::optional<std::string> tracing_id = std::nullopt) {
  return wm::ServerMessage{"message", 200, std::move(tracing_id), std::move(body)};
}

}  // namespace

WebMessagingConnection::WebMessagingConnection(Platform& platform, EventLog& log, std::string deployment_id)
    : platform_(platform), log_(log), deployment_id_(std::move(deployment_id)) {}

void WebMessagingConnection::on_open(std::weak_ptr<net::WebSocketChannel> channel) {
  channel_ = std::move(channel);
  if (auto c = channel_.lock()) remote_ = c->remote_address();
}

void WebMessagingConnection::send(const wm::ServerMessage& message) {
  if (auto c = channel_.lock()) {
    c->send(wm::serialize(message));
    counters_.frames_out.fetch_add(1, std::memory_order_relaxed);
  }
}

void WebMessagingConnection::send_error(int code, std::string text, const std::optional<std::string>& tracing_id) {
  ++counters_.errors;
  log_.write("error",
             {{"dialect", kWebMessaging},
              {"remote", remote_},
              {"conversation", conversation_ ? std::string_view(conversation_->row.id) : std::string_view("-")},
              {"code", std::to_string(code)},
              {"message", text}});
  send(response(code, wm::ErrorText{std::move(text)}, tracing_id));
}

void WebMessagingConnection::send_error(const PlatformError& e, const std::optional<std::string>& tracing_id) {
  if (e.code == 429) {
    ++counters_.errors;
    const auto seconds = (e.retry_after_ms.value_or(1000) + 999) / 1000;
    log_.write("error", {{"dialect", kWebMessaging}, {"remote", remote_}, {"code", "429"}, {"message", e.message}});
    return send(response(429, wm::TooManyRequests{"4029", e.message, seconds}, tracing_id));
  }
  send_error(e.code, e.message, tracing_id);
}

void WebMessagingConnection::close(net::CloseCode code, std::string reason_code) {
  send(pushed(wm::ConnectionClosedEvent{reason_code}));
  if (auto c = channel_.lock()) c->close(code, std::move(reason_code));
}

void WebMessagingConnection::on_text(std::string text) {
  ++counters_.frames_in;
  const auto& limits = platform_.config().limits;
  if (text.size() > static_cast<std::size_t>(limits.max_frame_bytes)) {
    return send_error(
        413,
        "frame of " + std::to_string(text.size()) + " bytes; the limit is " + std::to_string(limits.max_frame_bytes),
        std::nullopt);
  }
  auto request = wm::parse_client_request(text);
  if (!request) return send_error(request.error().code, request.error().message, request.error().tracing_id);
  // What the platform drops silently, the operator still sees (paths only, no values).
  if (auto dropped = wm::lint_client_request(text); !dropped.empty()) {
    std::string paths;
    for (const auto& p : dropped) paths += (paths.empty() ? "" : ",") + p;
    log_.write("warn", {{"dialect", kWebMessaging}, {"remote", remote_}, {"dropped", paths}});
  }
  const auto& e = wm::envelope(*request);
  if (!std::holds_alternative<wm::ConfigureSession>(*request)) {
    if (!conversation_) return send_error(400, "configure the session first (configureSession)", e.tracing_id);
    if (e.token != token_) return send_error(403, "token does not match this connection's session", e.tracing_id);
  }
  std::visit([&](const auto& r) { handle(r); }, *request);
}

void WebMessagingConnection::handle(const wm::ConfigureSession& request) {
  if (conversation_) return send_error(400, "session already configured on this connection", request.tracing_id);
  if (lowercase_id(request.deployment_id) != lowercase_id(deployment_id_)) {
    return send_error(400, "deploymentId does not match the connection's deploymentId", request.tracing_id);
  }
  wm::SessionResponse session;
  session.max_custom_data_bytes = platform_.config().limits.max_attributes_bytes;
  session.allowed_media = {"image/png", "image/jpeg", "image/gif"};
  // The platform's clients use a UUID; a short token is a guessable one.
  if (request.token.size() < kMinSessionTokenLength) {
    return send_error(400, "token must be at least " + std::to_string(kMinSessionTokenLength) + " characters (a UUID)",
                      request.tracing_id);
  }
  auto c = platform_.find_by_session_token(deployment_id_, request.token);
  bool ended = false;
  if (c) {
    std::lock_guard lock(c->mutex);
    ended = c->ended();
  }
  token_ = request.token;
  if (c && !(ended && request.start_new)) {
    session.new_session = false;
    session.read_only = ended;
    conversation_ = c;
    send(response(200, session, request.tracing_id));
    platform_.attach(*c, shared_from_this());
    return;
  }
  session.new_session = true;
  conversation_ = platform_.start_conversation(
      organization_id_, deployment_id_, kWebMessaging, request.token, "Guest", shared_from_this(),
      [&](const Conversation&) { send(response(200, session, request.tracing_id)); });
}

void WebMessagingConnection::handle(const wm::OnMessage& request) {
  const auto& m = request.message;
  // Participant data comes only from message.channel.metadata.customAttributes; it is
  // applied first, and a rejected set rejects the whole request.
  if (m.custom_attributes && !m.custom_attributes->empty()) {
    AttributeChanges changes(m.custom_attributes->begin(), m.custom_attributes->end());
    auto set = platform_.set_attributes(*conversation_, changes);
    if (!set) return send_error(set.error(), request.tracing_id);
  }
  if (m.type == "Event") return on_event_message(request);
  if (m.type != "Text") {
    return send_error(400, "message.type " + m.type + " is not supported by this server", request.tracing_id);
  }
  // A tracingId in W3C form is the request's trace context and is recorded with the message.
  std::optional<std::string> traceparent;
  if (request.tracing_id && trace::parse_traceparent(*request.tracing_id)) traceparent = request.tracing_id;
  auto posted =
      platform_.post_guest_message(conversation_, m.text.value_or(""), "standard", traceparent, [&](const Event& e) {
        echo_message_id_ = std::get<gc::MessageEvent>(e).message_id;
        echo_tracing_id_ = request.tracing_id;
      });
  if (!posted) send_error(posted.error(), request.tracing_id);
}

void WebMessagingConnection::on_event_message(const wm::OnMessage& request) {
  for (const auto& event : request.message.events) {
    if (event.event_type == "Typing") {
      if (auto refused = platform_.guest_typing(*conversation_, this)) return send_error(*refused, request.tracing_id);
    } else if (event.type == "Disconnect" || event.type == "Clear") {
      platform_.end(*conversation_, "guest-left", nullptr);
      if (event.type == "Clear") {
        send(pushed(wm::SessionClearedEvent{}, request.tracing_id));
        return close(net::CloseCode::normal, "session-cleared");
      }
    } else if (event.type != "Join") {
      return send_error(400, "message.events: unsupported Presence type " + event.type, request.tracing_id);
    }
  }
  // The inbound event comes back, as every inbound message does.
  wm::StructuredMessage echo;
  echo.id = random_uuid();
  echo.type = "Event";
  echo.direction = "Inbound";
  echo.channel_time = now_rfc3339();
  echo.events = request.message.events;
  send(pushed(std::move(echo), request.tracing_id));
}

void WebMessagingConnection::handle(const wm::Echo& request) {
  wm::StructuredMessage echo;
  echo.id = random_uuid();
  echo.type = request.message.type;
  echo.text = request.message.text;
  echo.direction = "Inbound";
  echo.channel_time = now_rfc3339();
  send(response(200, std::move(echo), request.tracing_id));
}

void WebMessagingConnection::handle(const wm::CloseSession& request) {
  send(response(200, wm::ErrorText{"session closed"}, request.tracing_id));
  if (request.close_all_connections) platform_.close_session_connections(*conversation_, this);
  close(net::CloseCode::normal, "session-closed");
}

wm::StructuredMessage WebMessagingConnection::render(const gc::MessageEvent& event) const {
  wm::StructuredMessage m;
  m.id = event.message_id;
  m.type = "Text";
  m.text = event.body;
  m.channel_time = event.timestamp;
  if (event.sender.role == "guest") {
    m.direction = "Inbound";
  } else {
    m.direction = "Outbound";
    m.originating_entity = event.sender.role == "bot" ? "Bot" : "Human";
    m.from = wm::Participant{event.sender.display_name, event.sender.member_id, "Opaque"};
  }
  return m;
}

void WebMessagingConnection::on_event(const Event& event) {
  if (const auto* message = std::get_if<gc::MessageEvent>(&event)) {
    std::optional<std::string> tracing_id;
    if (message->message_id == echo_message_id_) {
      tracing_id = std::exchange(echo_tracing_id_, std::nullopt);
      echo_message_id_.clear();
    }
    return send(pushed(render(*message), std::move(tracing_id)));
  }
  if (const auto* typing = std::get_if<gc::TypingEvent>(&event)) {
    if (conversation_ == nullptr || typing->member_id == conversation_->customer.participant_id) return;
    wm::StructuredMessage m;
    m.id = random_uuid();
    m.type = "Event";
    m.direction = "Outbound";
    m.channel_time = typing->timestamp;
    m.events = {wm::MessageEvent{"Typing", "On", 5000}};
    return send(pushed(std::move(m)));
  }
  if (const auto* disconnected = std::get_if<gc::Disconnected>(&event)) {
    // The other side ended the conversation: the session becomes read-only.
    wm::StructuredMessage m;
    m.id = random_uuid();
    m.type = "Event";
    m.direction = "Outbound";
    m.channel_time = disconnected->timestamp;
    m.events = {wm::MessageEvent{"Presence", "Disconnect", std::nullopt}};
    return send(pushed(std::move(m)));
  }
  // member-joined/left and attributes-updated are not shown to a Web Messaging guest.
}

void WebMessagingConnection::on_session_closed() { close(net::CloseCode::normal, "session-closed"); }

void WebMessagingConnection::on_binary(std::size_t bytes) {
  ++counters_.frames_in;
  send_error(400, "binary frame of " + std::to_string(bytes) + " bytes; only JSON text frames are accepted",
             std::nullopt);
}

void WebMessagingConnection::on_idle() { close(net::CloseCode::normal, "idle-timeout"); }

void WebMessagingConnection::shut_down() { close(net::CloseCode::going_away, "server-shutdown"); }

void WebMessagingConnection::on_closed(std::string_view why) {
  if (conversation_) platform_.detach(*conversation_, this);
  log_connection_closed(log_, kWebMessaging, remote_, {"deployment", deployment_id_},
                        conversation_ ? conversation_->row.id : "", counters_, why);
  conversation_.reset();
}

}  // namespace tracechat::emulator
