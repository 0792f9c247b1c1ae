// The guest-chat dialect (../shared/spec/guest-chat-v1.md): requests are numbered
// ("r1", "r2", ...) and every request carries its span's context as `traceparent`.
#include <algorithm>

#include "dialect.h"
#include "tracechat/protocol/guest_chat.h"

namespace tracechat::client {
namespace {

namespace gc = protocol::guest_chat;

std::optional<std::int64_t> seq_of(const gc::EventHeader& header) {
  // Events about one connection only (idle-timeout, server-shutdown) have no seq.
  return header.seq > 0 ? std::optional<std::int64_t>(header.seq) : std::nullopt;
}

class GuestChatDialect final : public WireDialect {
 public:
  Dialect kind() const override { return Dialect::guest_chat; }
  bool attributes_ride_on_messages() const override { return false; }

  std::string correlation(std::uint64_t number, const std::string&) const override {
    return "r" + std::to_string(number);
  }

  std::string render(const Request& request) const override {
    const auto envelope = [&](auto& frame) {
      frame.request_id = request.correlation;
      if (!request.traceparent.empty()) frame.traceparent = request.traceparent;
    };
    switch (request.kind) {
      case Request::Kind::handshake: {
        gc::Connect c;
        envelope(c);
        c.display_name = request.display_name;
        if (!request.resume_token.empty()) c.resume_token = request.resume_token;
        c.last_event_seq = request.last_event_seq;
        return gc::serialize(gc::ClientFrame(std::move(c)));
      }
      case Request::Kind::attach: {
        gc::SetAttributes a;
        envelope(a);
        a.attributes = request.attributes;
        return gc::serialize(gc::ClientFrame(std::move(a)));
      }
      case Request::Kind::message: {
        gc::SendMessage m;
        envelope(m);
        m.body = request.text;
        return gc::serialize(gc::ClientFrame(std::move(m)));
      }
      case Request::Kind::typing: {
        gc::Typing t;
        envelope(t);
        return gc::serialize(gc::ClientFrame(std::move(t)));
      }
      case Request::Kind::leave: {
        gc::Disconnect d;
        envelope(d);
        return gc::serialize(gc::ClientFrame(std::move(d)));
      }
      case Request::Kind::ping: break;
    }
    gc::Ping p;
    envelope(p);
    return gc::serialize(gc::ClientFrame(std::move(p)));
  }

  std::vector<std::string> lint(std::string_view frame) const override { return gc::lint_client_frame(frame); }

  void parse(std::string_view text, std::vector<WireEvent>& out) const override {
    auto frame = gc::parse_server_frame(text);
    if (!frame) {
      out.push_back(Unreadable{frame.error().message});
      return;
    }
    std::visit([&](auto& f) { out.push_back(convert(f)); }, *frame);
  }

 private:
  static WireEvent convert(gc::Connected& c) {
    HandshakeDone h{c.conversation_id, c.member_id, c.resume_token, c.resumed, false, {}};
    const auto& l = c.limits;
    h.limits.attributes = {static_cast<std::size_t>(std::max<std::int64_t>(0, l.max_attribute_value_chars)),
                           static_cast<std::size_t>(std::max<std::int64_t>(0, l.max_attributes_bytes)),
                           static_cast<std::size_t>(std::max<std::int64_t>(0, l.max_attributes))};
    h.limits.max_message_chars = static_cast<std::size_t>(std::max<std::int64_t>(1, l.max_message_chars));
    h.limits.messages_per_second = l.messages_per_second > 0 ? l.messages_per_second : 1;
    h.limits.message_burst = static_cast<double>(std::max<std::int64_t>(1, l.message_burst));
    // Bounded to a day, so that deriving the heartbeat from it cannot overflow.
    h.limits.idle_timeout = std::chrono::seconds(std::clamp<std::int64_t>(l.idle_timeout_seconds, 0, 86400));
    return h;
  }
  static WireEvent convert(gc::AttributesSet& a) {
    return Accepted{a.request_id, {}, std::move(a.attributes), std::move(a.truncated)};
  }
  static WireEvent convert(gc::MessageAccepted& m) { return Accepted{m.request_id, m.message_id, {}, {}}; }
  static WireEvent convert(gc::Ack& a) { return Accepted{a.request_id, {}, {}, {}}; }
  static WireEvent convert(gc::Pong& p) { return Accepted{p.request_id, {}, {}, {}}; }
  static WireEvent convert(gc::ErrorReply& e) {
    Refused r{e.request_id, e.code, e.error + (e.message.empty() ? "" : ": " + e.message), std::nullopt};
    if (e.retry_after_ms) r.retry_after = std::chrono::milliseconds(std::max<std::int64_t>(0, *e.retry_after_ms));
    return r;
  }
  static WireEvent convert(gc::MessageEvent& m) {
    Incoming in;
    in.message_id = std::move(m.message_id);
    in.seq = seq_of(m);
    in.sender_id = std::move(m.sender.member_id);
    in.sender_role = std::move(m.sender.role);
    in.sender_name = std::move(m.sender.display_name);
    in.body = std::move(m.body);
    in.traceparent = std::move(m.traceparent);
    return in;
  }
  static WireEvent convert(gc::MemberJoined& m) {
    return Membership{seq_of(m), true, m.member.role, m.member.display_name};
  }
  static WireEvent convert(gc::MemberLeft& m) {
    return Membership{seq_of(m), false, m.member.role, m.member.display_name};
  }
  static WireEvent convert(gc::TypingEvent& t) { return RemoteTyping{seq_of(t), t.member_id}; }
  static WireEvent convert(gc::AttributesUpdated& a) {
    return RemoteAttributes{seq_of(a), std::move(a.attributes), std::move(a.changed)};
  }
  static WireEvent convert(gc::Disconnected& d) {
    const bool over = d.reason != "idle-timeout" && d.reason != "server-shutdown";
    return Ended{seq_of(d), d.request_id, d.reason, over};
  }
};

}  // namespace

std::unique_ptr<WireDialect> make_guest_chat_dialect() { return std::make_unique<GuestChatDialect>(); }

}  // namespace tracechat::client
