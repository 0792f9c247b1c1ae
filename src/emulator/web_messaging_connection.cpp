#include "web_messaging_connection.h"

#include <algorithm>
#include <exception>

#include "rate_text.h"
#include "tracechat/trace/traceparent.h"
#include "web_messaging_errors.h"

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

// Every StructuredMessage the platform sends carries metadata.correlationId. Its relation
// to anything else is not documented; the message's id keeps it the same on every
// connection that shows the message.
wm::StructuredMessage structured(std::string id, std::string type, std::string direction, std::string time) {
  wm::StructuredMessage m;
  m.id = std::move(id);
  m.type = std::move(type);
  m.direction = std::move(direction);
  m.channel_time = std::move(time);
  m.metadata["correlationId"] = m.id;
  return m;
}

wm::StructuredMessage presence_disconnect(std::string direction, std::string time) {
  auto m = structured(random_uuid(), "Event", std::move(direction), std::move(time));
  m.events = {wm::MessageEvent{"Presence", "Disconnect", std::nullopt}};
  return m;
}

bool has_join(const wm::IncomingMessage& m) {
  return std::ranges::any_of(m.events, [](const auto& e) { return e.event_type == "Presence" && e.type == "Join"; });
}

// What starts the session's conversation on the platform: a guest message (Text, or a
// button response) or a Presence Join — whatever the deployment's auto-start says; a
// client must not send a Join without auto-start. Typing, Disconnect and Clear do not.
bool starts_conversation(const wm::IncomingMessage& m) { return m.type != "Event" || has_join(m); }

const wm::ButtonResponse* button_response(const wm::IncomingMessage& m) {
  return m.content.empty() ? nullptr : std::get_if<wm::ButtonResponse>(&m.content.front());
}

// The guest's text: a Text message's, or the label of the quick reply it chose.
std::string body_of(const wm::IncomingMessage& m) {
  if (const auto* button = button_response(m)) return button->text;
  return m.text.value_or("");
}

PlatformError bad_request(std::string text) { return PlatformError{400, "bad-request", std::move(text), std::nullopt}; }

// What this server takes in an onMessage, checked before anything happens.
std::optional<PlatformError> check_message(const wm::IncomingMessage& m) {
  if (m.type == "Event") {
    for (std::size_t i = 0; i < m.events.size(); ++i) {
      const auto& e = m.events[i];
      if (e.event_type == "Typing") continue;
      if (e.type == "Join" || e.type == "Disconnect" || e.type == "Clear") continue;
      return bad_request("message.events[" + std::to_string(i) + "]: unsupported Presence type " +
                         e.type.substr(0, 64));
    }
    return std::nullopt;
  }
  if (m.type == "Structured") {
    // From a guest, a Structured message answers a quick reply (Web Messaging only).
    for (std::size_t i = 0; i < m.content.size(); ++i) {
      if (const auto* other = std::get_if<wm::OtherContent>(&m.content[i])) {
        return bad_request("message.content[" + std::to_string(i) + "]: contentType " + other->content_type +
                           " is not supported from a guest; only ButtonResponse (the answer to a quick reply)");
      }
      if (!std::holds_alternative<wm::ButtonResponse>(m.content[i])) {
        return bad_request("message.content[" + std::to_string(i) +
                           "]: a guest answers a quick reply with contentType ButtonResponse");
      }
    }
    if (m.content.empty()) {
      return bad_request("message.content: a Structured message from a guest carries a ButtonResponse");
    }
    if (m.content.size() > 1) return bad_request("message.content: one ButtonResponse per message");
    return std::nullopt;
  }
  if (m.type != "Text") return bad_request("message.type " + m.type + " is not supported by this server");
  return std::nullopt;
}

}  // namespace

WebMessagingConnection::WebMessagingConnection(Platform& platform, WebMessagingSessions& sessions, EventLog& log,
                                               std::string deployment_id)
    : platform_(platform),
      sessions_(sessions),
      log_(log),
      deployment_id_(std::move(deployment_id)),
      echo_bucket_(platform.config().web_messaging.echo_per_minute / 60.0,
                   static_cast<double>(platform.config().web_messaging.echo_burst)) {}

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
  const auto c = session_ ? session_->conversation() : nullptr;
  log_.write("error", {{"dialect", kWebMessaging},
                       {"remote", remote_},
                       {"conversation", c ? std::string_view(c->row.id) : std::string_view("-")},
                       {"code", std::to_string(code)},
                       {"message", text}});
  send(response(code, wm::ErrorText{std::move(text)}, tracing_id));
}

void WebMessagingConnection::send_error(const PlatformError& e, const std::optional<std::string>& tracing_id) {
  const int code = web_messaging_error_code(e);
  if (code == 429) {
    ++counters_.errors;
    const auto seconds = (e.retry_after_ms.value_or(1000) + 999) / 1000;
    log_.write("error", {{"dialect", kWebMessaging}, {"remote", remote_}, {"code", "429"}, {"message", e.message}});
    return send(response(429, wm::TooManyRequests{wm::error_code::kRateLimited, e.message, seconds}, tracing_id));
  }
  send_error(code, e.message, tracing_id);
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
  // A failure of the emulator itself is the platform's 5000, never a dropped connection.
  try {
    dispatch(*request);
  } catch (const std::exception& e) {
    send_error(wm::error_code::kUnexpected, std::string("unexpected error: ") + e.what(),
               wm::envelope(*request).tracing_id);
  }
}

void WebMessagingConnection::dispatch(const wm::ClientRequest& request) {
  const auto& e = wm::envelope(request);
  if (!std::holds_alternative<wm::ConfigureSession>(request)) {
    if (!session_) {
      return send_error(wm::error_code::kSessionNotFound, "no session on this connection: send configureSession first",
                        e.tracing_id);
    }
    if (e.token != session_->token()) {
      return send_error(403, "token does not match this connection's session", e.tracing_id);
    }
  }
  std::visit([&](const auto& r) { handle(r); }, request);
}

void WebMessagingConnection::handle(const wm::ConfigureSession& request) {
  if (session_) return send_error(400, "session already configured on this connection", request.tracing_id);
  if (lowercase_id(request.deployment_id) != lowercase_id(deployment_id_)) {
    return send_error(400, "deploymentId does not match the connection's deploymentId", request.tracing_id);
  }
  // The platform's clients use a UUID; a short token is a guessable one.
  if (request.token.size() < kMinSessionTokenLength) {
    return send_error(400, "token must be at least " + std::to_string(kMinSessionTokenLength) + " characters (a UUID)",
                      request.tracing_id);
  }
  // The session only: its conversation starts with its first Join or message. So
  // autoStarted stays false, as on the platform, where the client sends the Join.
  auto joined = sessions_.join(deployment_id_, request.token, request.start_new, shared_from_this(),
                               [&](const WebMessagingSessions::Joined& j) {
                                 wm::SessionResponse session;
                                 session.max_custom_data_bytes = platform_.config().limits.max_attributes_bytes;
                                 session.allowed_media = {"image/png", "image/jpeg", "image/gif"};
                                 session.new_session = j.new_session;
                                 session.read_only = j.read_only;
                                 send(response(200, session, request.tracing_id));
                               });
  session_ = std::move(joined.session);
}

Result<std::shared_ptr<Conversation>, PlatformError> WebMessagingConnection::conversation_for(
    const wm::OnMessage& request) {
  const auto& m = request.message;
  const bool with_attributes = m.custom_attributes && !m.custom_attributes->empty();
  AttributeChanges changes;
  if (with_attributes) changes.assign(m.custom_attributes->begin(), m.custom_attributes->end());
  auto c = session_->conversation();
  bool attributes_applied = false;
  if (!c && starts_conversation(m)) {
    // A conversation starts only for a request the platform takes: what it carries is
    // checked first, and a refused request leaves no conversation behind.
    std::optional<AttributeMerge> initial;
    if (with_attributes) {
      auto merge = merge_attributes({}, changes, platform_.config().limits);
      if (!merge) return PlatformError{merge.error().code, merge.error().error, merge.error().message, std::nullopt};
      initial = std::move(*merge);
    }
    if (m.type != "Event") {
      if (auto bad = platform_.check_body(body_of(m))) return *bad;
    }
    auto started = sessions_.start_conversation(*session_, std::move(initial), m.type != "Event");
    c = std::move(started.conversation);
    attributes_applied = started.started_now;
  }
  // Participant data is applied before the message, and a rejected set rejects the
  // whole request (the text is not posted).
  if (with_attributes && !attributes_applied) {
    if (!c) {
      return bad_request(
          "message.channel.metadata.customAttributes: the session has no conversation yet; send them with a "
          "Presence Join or the guest's first message");
    }
    auto set = platform_.set_attributes(*c, changes);
    if (!set) return set.error();
  }
  return c;
}

void WebMessagingConnection::handle(const wm::OnMessage& request) {
  if (auto refused = check_message(request.message)) return send_error(*refused, request.tracing_id);
  auto c = conversation_for(request);
  if (!c) return send_error(c.error(), request.tracing_id);
  if (request.message.type == "Event") return on_event_message(request, *c);
  post_message(request, *c);
}

void WebMessagingConnection::post_message(const wm::OnMessage& request, const std::shared_ptr<Conversation>& c) {
  const auto& m = request.message;
  // A tracingId in W3C form is the request's trace context and is recorded with the message.
  std::optional<std::string> traceparent;
  if (request.tracing_id && trace::parse_traceparent(*request.tracing_id)) traceparent = request.tracing_id;
  // A button response is the guest's message too: its text is the body, and the button
  // travels with it, for the echo and the flows.
  MessageContent content;
  if (const auto* button = button_response(m)) content.emplace_back(*button);
  auto posted = platform_.post_guest_message(
      c, body_of(m), "standard", traceparent,
      [&](const Event& e) {
        echo_message_id_ = std::get<gc::MessageEvent>(e).message_id;
        echo_tracing_id_ = request.tracing_id;
      },
      content);
  if (!posted) send_error(posted.error(), request.tracing_id);
}

void WebMessagingConnection::on_event_message(const wm::OnMessage& request, const std::shared_ptr<Conversation>& c) {
  for (const auto& event : request.message.events) {
    if (event.event_type == "Typing") {
      if (!c) continue;  // no conversation: nobody to tell
      if (auto refused = platform_.guest_typing(*c, this)) return send_error(*refused, request.tracing_id);
    } else if (event.type == "Disconnect") {
      // The guest ended it: its own connection gets the Inbound echo below and no
      // Outbound Disconnect, which means that the other side ended it.
      if (c) platform_.end(*c, "guest-left", this);
    } else if (event.type == "Clear") {
      if (c) platform_.end(*c, "session-cleared", this);
      send(pushed(wm::SessionClearedEvent{}, request.tracing_id));
      return close(net::CloseCode::normal, "session-cleared");
    }
    // Join: conversation_for started the conversation (or it had started already).
  }
  // The inbound event comes back, as every inbound message does.
  const std::string id = random_uuid();
  auto echo = structured(id, "Event", "Inbound", now_rfc3339());
  echo.channel_message_id = id;
  echo.events = request.message.events;
  send(pushed(std::move(echo), request.tracing_id));
}

void WebMessagingConnection::handle(const wm::Echo& request) {
  // The heartbeat is limited per connection, as on the platform (about 2 per minute).
  if (const auto wait = echo_bucket_.take(); wait.count() > 0) {
    return send_error(
        PlatformError{429, "rate-limited",
                      "echo is limited to " + format_rate(platform_.config().web_messaging.echo_per_minute) +
                          " per minute per connection",
                      wait.count()},
        request.tracing_id);
  }
  auto echo = structured(random_uuid(), request.message.type, "Inbound", now_rfc3339());
  echo.text = request.message.text;
  send(response(200, std::move(echo), request.tracing_id));
}

void WebMessagingConnection::handle(const wm::CloseSession& request) {
  send(response(200, wm::ErrorText{"session closed"}, request.tracing_id));
  if (request.close_all_connections) sessions_.close_connections(*session_, this, "session-closed");
  close(net::CloseCode::normal, "session-closed");
}

namespace {

// A message event as the guest sees it: Inbound (its own, echoed) or Outbound (the bot,
// an agent, a flow); Structured when it carries content (quick replies offered, the
// button the guest chose).
wm::StructuredMessage render(const gc::MessageEvent& event, const MessageContent& content) {
  auto m = structured(event.message_id, content.empty() ? "Text" : "Structured",
                      event.sender.role == "guest" ? "Inbound" : "Outbound", event.timestamp);
  m.text = event.body;
  m.content = content;
  m.channel_message_id = event.message_id;
  if (event.sender.role != "guest") {
    m.originating_entity = event.sender.role == "bot" ? "Bot" : "Human";
    m.from = wm::Participant{event.sender.display_name, event.sender.member_id, "Opaque"};
  }
  return m;
}

}  // namespace

void WebMessagingConnection::on_event(const Conversation& c, const Event& event, const MessageContent& content) {
  if (const auto* message = std::get_if<gc::MessageEvent>(&event)) {
    std::optional<std::string> tracing_id;
    if (message->message_id == echo_message_id_) {
      tracing_id = std::exchange(echo_tracing_id_, std::nullopt);
      echo_message_id_.clear();
    }
    return send(pushed(render(*message, content), std::move(tracing_id)));
  }
  if (const auto* typing = std::get_if<gc::TypingEvent>(&event)) {
    if (typing->member_id == c.customer.participant_id) return;  // the guest's own
    auto m = structured(random_uuid(), "Event", "Outbound", typing->timestamp);
    m.events = {wm::MessageEvent{"Typing", "On", 5000}};
    return send(pushed(std::move(m)));
  }
  if (const auto* disconnected = std::get_if<gc::Disconnected>(&event)) {
    // Another connection of the session ended or cleared it: the guest's own act,
    // shown as such. Anything else is the other side's (the agent, a flow): an Outbound
    // Disconnect, after which the session is read-only.
    if (disconnected->reason == "guest-left") {
      return send(pushed(presence_disconnect("Inbound", disconnected->timestamp)));
    }
    if (disconnected->reason == "session-cleared") {
      send(pushed(wm::SessionClearedEvent{}));
      return close(net::CloseCode::normal, "session-cleared");
    }
    return send(pushed(presence_disconnect("Outbound", disconnected->timestamp)));
  }
  // member-joined/left and attributes-updated are not shown to a Web Messaging guest.
}

void WebMessagingConnection::close_connection(std::string reason_code) {
  close(net::CloseCode::normal, std::move(reason_code));
}

void WebMessagingConnection::on_binary(std::size_t bytes) {
  ++counters_.frames_in;
  send_error(400, "binary frame of " + std::to_string(bytes) + " bytes; only JSON text frames are accepted",
             std::nullopt);
}

void WebMessagingConnection::on_idle() { close(net::CloseCode::normal, "idle-timeout"); }

void WebMessagingConnection::shut_down() { close(net::CloseCode::going_away, "server-shutdown"); }

void WebMessagingConnection::on_closed(std::string_view why) {
  std::string conversation_id;
  if (session_) {
    if (const auto c = session_->conversation()) conversation_id = c->row.id;
    sessions_.leave(*session_, this);
  }
  log_connection_closed(log_, kWebMessaging, remote_, {"deployment", deployment_id_}, conversation_id, counters_, why);
  session_.reset();
}

}  // namespace tracechat::emulator
