// The Web Messaging dialect (../shared/reference/genesys-web-messaging.md): the request's
// traceparent is its tracingId, which the server echoes; attributes travel only in
// message.channel.metadata.customAttributes, never in the deprecated channel.metadata.
#include <cmath>

#include "dialect.h"
#include "tracechat/protocol/uuid.h"
#include "tracechat/protocol/web_messaging.h"
#include "tracechat/trace/traceparent.h"

namespace tracechat::client {
namespace {

namespace wm = protocol::web_messaging;

constexpr std::string_view kConnectionLimitReason = "connection-limit";

class WebMessagingDialect final : public WireDialect {
 public:
  WebMessagingDialect(std::string deployment_id, std::string token, const ChatSessionConfig& config)
      : deployment_id_(std::move(deployment_id)), token_(std::move(token)) {
    limits_.attributes.max_value_chars = config.attributes.web_messaging_max_value_chars;
    limits_.attributes.max_count = config.attributes.web_messaging_max_attributes;
    limits_.messages_per_second = config.web_messaging_messages_per_second;
    limits_.message_burst = config.web_messaging_burst;
    // 10% over the rate's interval, as the message pacing runs 10% under the rate: an
    // echo delayed on its way must not arrive before the server's bucket has refilled.
    limits_.min_heartbeat_interval = std::chrono::milliseconds(
        static_cast<std::int64_t>(std::ceil(1.1 * 60000.0 / config.web_messaging_echo_per_minute)));
  }

  Dialect kind() const override { return Dialect::web_messaging; }
  bool attributes_ride_on_messages() const override { return true; }

  std::string correlation(std::uint64_t number, const std::string& traceparent) const override {
    return traceparent.empty() ? "r" + std::to_string(number) : traceparent;
  }

  std::string render(const Request& request) const override {
    const auto envelope = [&](auto& r) {
      r.token = token_;
      r.tracing_id = request.correlation;
    };
    switch (request.kind) {
      case Request::Kind::handshake: {
        wm::ConfigureSession c;
        envelope(c);
        c.deployment_id = deployment_id_;
        return wm::serialize(wm::ClientRequest(std::move(c)));
      }
      case Request::Kind::attach:
        return on_message(request, "Event", {wm::MessageEvent{"Presence", "Join", std::nullopt}});
      case Request::Kind::message: return on_message(request, request.payload ? "Structured" : "Text", {});
      case Request::Kind::typing: return on_message(request, "Event", {wm::MessageEvent{"Typing", "On", 5000}});
      case Request::Kind::leave:
        return on_message(request, "Event", {wm::MessageEvent{"Presence", "Disconnect", std::nullopt}});
      case Request::Kind::ping: break;
    }
    wm::Echo e;
    envelope(e);
    e.message.type = "Text";
    e.message.text = "ping";
    return wm::serialize(wm::ClientRequest(std::move(e)));
  }

  std::vector<std::string> lint(std::string_view frame) const override { return wm::lint_client_request(frame); }

  void parse(std::string_view text, std::vector<WireEvent>& out) const override {
    auto message = wm::parse_server_message(text);
    if (!message) {
      out.push_back(Unreadable{message.error().message});
      return;
    }
    const auto& tracing = message->tracing_id;
    std::visit([&](auto& body) { convert(*message, body, tracing, out); }, message->body);
  }

 private:
  std::string on_message(const Request& request, std::string type, std::vector<wm::MessageEvent> events) const {
    wm::OnMessage m;
    m.token = token_;
    m.tracing_id = request.correlation;
    m.message.type = std::move(type);
    m.message.events = std::move(events);
    if (request.kind == Request::Kind::message && request.payload) {
      // A quick reply's answer: the button, as the platform's clients send it.
      m.message.content.push_back(wm::ButtonResponse{"QuickReply", request.text, *request.payload});
    } else if (request.kind == Request::Kind::message) {
      m.message.text = request.text;
    }
    if (!request.attributes.empty()) {
      // customAttributes is a string map: a deletion is sent as an empty value.
      wm::StringMap attributes;
      for (const auto& [key, value] : request.attributes) attributes[key] = value.value_or("");
      m.message.custom_attributes = std::move(attributes);
    }
    return wm::serialize(wm::ClientRequest(std::move(m)));
  }

  void convert(const wm::ServerMessage&, wm::SessionResponse& s, const std::optional<std::string>&,
               std::vector<WireEvent>& out) const {
    HandshakeDone h{{}, token_.substr(0, 8) + "…", {}, !s.new_session, s.read_only, limits_};
    h.limits.attributes.max_bytes = static_cast<std::size_t>(std::max<std::int64_t>(0, s.max_custom_data_bytes));
    out.push_back(std::move(h));
  }

  void convert(const wm::ServerMessage& envelope, wm::StructuredMessage& m, const std::optional<std::string>& tracing,
               std::vector<WireEvent>& out) const {
    // The answer to echo (our heartbeat) is a response, not a message of the conversation.
    if (envelope.type == "response") {
      out.push_back(Accepted{tracing.value_or(""), m.id, {}, {}});
      return;
    }
    const bool inbound = m.direction == "Inbound";
    if (m.type == "Event") {
      for (const auto& e : m.events) {
        if (e.event_type == "Presence" && (e.type == "Disconnect" || e.type == "Clear")) {
          out.push_back(Ended{std::nullopt, tracing, inbound ? "guest-left" : "agent-ended", true});
          return;
        }
      }
      if (inbound) {
        if (tracing) out.push_back(Accepted{*tracing, m.id, {}, {}});
        return;
      }
      for (const auto& e : m.events) {
        if (e.event_type == "Typing") out.push_back(RemoteTyping{std::nullopt, m.from ? m.from->nickname : "agent"});
        if (e.event_type == "Presence" && e.type == "Join") {
          out.push_back(Membership{std::nullopt, true, "agent", m.from ? m.from->nickname : ""});
        }
      }
      return;
    }
    Incoming in;
    in.message_id = m.id;
    in.body = m.text.value_or("");
    in.own = inbound;
    for (const auto& item : m.content) {
      if (const auto* reply = std::get_if<wm::QuickReply>(&item)) {
        in.quick_replies.push_back(QuickReply{reply->text, reply->payload});
      } else if (const auto* button = std::get_if<wm::ButtonResponse>(&item)) {
        // The echo of a button response: its text is the message.
        if (in.body.empty()) in.body = button->text;
        in.payload = button->payload;
      }
    }
    if (inbound) {
      in.sender_role = "guest";
      in.correlation = tracing;
      if (tracing) {
        out.push_back(Accepted{*tracing, m.id, {}, {}});
        if (trace::parse_traceparent(*tracing)) in.traceparent = tracing;
      }
    } else {
      in.sender_role = m.originating_entity == "Bot" ? "bot" : "agent";
      if (m.from) in.sender_name = m.from->nickname, in.sender_id = m.from->id;
    }
    out.push_back(std::move(in));
  }

  void convert(const wm::ServerMessage& envelope, wm::ErrorText& e, const std::optional<std::string>& tracing,
               std::vector<WireEvent>& out) const {
    if (envelope.code < 400) {
      out.push_back(Accepted{tracing.value_or(""), {}, {}, {}});
    } else {
      out.push_back(Refused{tracing, envelope.code, e.text, std::nullopt});
    }
  }

  void convert(const wm::ServerMessage&, wm::TooManyRequests& t, const std::optional<std::string>& tracing,
               std::vector<WireEvent>& out) const {
    out.push_back(Refused{tracing, 429, "rate-limited: " + t.error_message,
                          std::chrono::milliseconds(t.retry_after_seconds * 1000)});
  }

  void convert(const wm::ServerMessage&, wm::SessionExpiredEvent&, const std::optional<std::string>&,
               std::vector<WireEvent>& out) const {
    out.push_back(Ended{std::nullopt, std::nullopt, "session-expired", true});
  }
  void convert(const wm::ServerMessage&, wm::SessionClearedEvent&, const std::optional<std::string>& tracing,
               std::vector<WireEvent>& out) const {
    out.push_back(Ended{std::nullopt, tracing, "session-cleared", true});
  }
  void convert(const wm::ServerMessage&, wm::ConnectionClosedEvent& c, const std::optional<std::string>&,
               std::vector<WireEvent>& out) const {
    // About this connection; the session itself can be configured again — unless another
    // connection took its place. The platform's reason code for that is not documented;
    // "connection-limit" is the emulator's (docs/emulator.md).
    Ended ended{std::nullopt, std::nullopt, c.reason_code.empty() ? "connection-closed" : c.reason_code, false};
    ended.displaced = c.reason_code == kConnectionLimitReason;
    out.push_back(std::move(ended));
  }

  std::string deployment_id_;
  std::string token_;
  ServerLimits limits_;
};

}  // namespace

std::unique_ptr<WireDialect> make_web_messaging_dialect(const Endpoint& endpoint, const ChatSessionConfig& config) {
  std::string token = config.web_messaging_token.empty() ? protocol::random_uuid() : config.web_messaging_token;
  return std::make_unique<WebMessagingDialect>(endpoint.deployment_id, std::move(token), config);
}

}  // namespace tracechat::client
