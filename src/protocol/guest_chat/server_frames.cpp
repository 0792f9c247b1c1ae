#include <boost/json.hpp>

#include "common/json_reader.h"
#include "tracechat/protocol/guest_chat.h"

namespace tracechat::protocol::guest_chat {
namespace json = boost::json;
using common::ObjectReader;

namespace {

json::object member_json(const Member& m) {
  return json::object{{"memberId", m.member_id}, {"role", m.role}, {"displayName", m.display_name}};
}

json::object attributes_json(const Attributes& attributes) {
  json::object o;
  for (const auto& [k, v] : attributes) o[k] = v;
  return o;
}

json::array strings_json(const std::vector<std::string>& items) {
  json::array a;
  for (const auto& s : items) a.emplace_back(s);
  return a;
}

void put_event(json::object& o, const EventHeader& h) {
  if (h.seq > 0) {
    o["seq"] = h.seq;
    o["timestamp"] = h.timestamp;
  }
}

json::object limits_json(const Limits& l) {
  return json::object{{"maxAttributeValueChars", l.max_attribute_value_chars},
                      {"maxAttributesBytes", l.max_attributes_bytes},
                      {"maxAttributes", l.max_attributes},
                      {"maxMessageChars", l.max_message_chars},
                      {"maxFrameBytes", l.max_frame_bytes},
                      {"messagesPerSecond", l.messages_per_second},
                      {"messageBurst", l.message_burst},
                      {"idleTimeoutSeconds", l.idle_timeout_seconds}};
}

// Reading: every helper returns an Error naming the path.
#define TRY_ASSIGN(target, expr)    \
  do {                              \
    auto tmp_ = (expr);             \
    if (!tmp_) return tmp_.error(); \
    target = std::move(*tmp_);      \
  } while (false)

Result<Member> read_member(const ObjectReader& parent, std::string_view key) {
  auto o = parent.optional_object(key);
  if (!o) return o.error();
  if (*o == nullptr) return Error{parent.path_of(key) + ": required"};
  const ObjectReader r(**o, parent.path_of(key));
  Member m;
  TRY_ASSIGN(m.member_id, r.required_string("memberId"));
  TRY_ASSIGN(m.role, r.required_string("role"));
  auto name = r.optional_string("displayName");
  if (!name) return name.error();
  m.display_name = name->value_or("");
  return m;
}

Result<EventHeader> read_event_header(const ObjectReader& r) {
  EventHeader h;
  auto seq = r.optional_int("seq");
  if (!seq) return seq.error();
  h.seq = seq->value_or(0);
  auto ts = r.optional_string("timestamp");
  if (!ts) return ts.error();
  h.timestamp = ts->value_or("");
  return h;
}

}  // namespace

std::string serialize(const ServerFrame& frame) {
  json::object o;
  std::visit(
      [&](const auto& f) {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, Connected>) {
          o = json::object{{"type", "connected"},
                           {"requestId", f.request_id},
                           {"conversationId", f.conversation_id},
                           {"memberId", f.member_id},
                           {"resumeToken", f.resume_token},
                           {"resumed", f.resumed},
                           {"limits", limits_json(f.limits)}};
        } else if constexpr (std::is_same_v<T, AttributesSet>) {
          o = json::object{{"type", "attributes-set"},
                           {"requestId", f.request_id},
                           {"attributes", attributes_json(f.attributes)},
                           {"truncated", strings_json(f.truncated)}};
          if (f.traceparent) o["traceparent"] = *f.traceparent;
        } else if constexpr (std::is_same_v<T, MessageAccepted>) {
          o = json::object{
              {"type", "message-accepted"}, {"requestId", f.request_id}, {"messageId", f.message_id}, {"seq", f.seq}};
          if (f.traceparent) o["traceparent"] = *f.traceparent;
        } else if constexpr (std::is_same_v<T, Ack>) {
          o = json::object{{"type", "ack"}, {"requestId", f.request_id}};
        } else if constexpr (std::is_same_v<T, Pong>) {
          o = json::object{{"type", "pong"}, {"requestId", f.request_id}};
        } else if constexpr (std::is_same_v<T, ErrorReply>) {
          o["type"] = "error";
          if (f.request_id) o["requestId"] = *f.request_id;
          o["code"] = f.code;
          o["error"] = f.error;
          o["message"] = f.message;
          if (f.retry_after_ms) o["retryAfterMs"] = *f.retry_after_ms;
        } else if constexpr (std::is_same_v<T, MessageEvent>) {
          o = json::object{{"type", "message"},
                           {"messageId", f.message_id},
                           {"sender", member_json(f.sender)},
                           {"body", f.body},
                           {"bodyType", f.body_type}};
          if (f.traceparent) o["traceparent"] = *f.traceparent;
          put_event(o, f);
        } else if constexpr (std::is_same_v<T, MemberJoined> || std::is_same_v<T, MemberLeft>) {
          o = json::object{{"type", std::is_same_v<T, MemberJoined> ? "member-joined" : "member-left"},
                           {"member", member_json(f.member)}};
          put_event(o, f);
        } else if constexpr (std::is_same_v<T, TypingEvent>) {
          o = json::object{{"type", "typing"}, {"memberId", f.member_id}};
          put_event(o, f);
        } else if constexpr (std::is_same_v<T, AttributesUpdated>) {
          o = json::object{{"type", "attributes-updated"},
                           {"attributes", attributes_json(f.attributes)},
                           {"changed", strings_json(f.changed)}};
          put_event(o, f);
        } else if constexpr (std::is_same_v<T, Disconnected>) {
          o["type"] = "disconnected";
          if (f.request_id) o["requestId"] = *f.request_id;
          o["reason"] = f.reason;
          put_event(o, f);
        }
      },
      frame);
  return json::serialize(o);
}

Result<ServerFrame> parse_server_frame(std::string_view text) {
  auto parsed = common::parse_object(text, kMaxJsonDepth, "a frame");
  if (!parsed) return Error{parsed.error().message};
  const ObjectReader r(parsed->object(), "");
  std::string type;
  TRY_ASSIGN(type, r.required_string("type"));
  EventHeader header;
  TRY_ASSIGN(header, read_event_header(r));

  if (type == "connected") {
    Connected f;
    TRY_ASSIGN(f.request_id, r.required_string("requestId"));
    TRY_ASSIGN(f.conversation_id, r.required_string("conversationId"));
    TRY_ASSIGN(f.member_id, r.required_string("memberId"));
    TRY_ASSIGN(f.resume_token, r.required_string("resumeToken"));
    auto resumed = r.optional_bool("resumed");
    if (!resumed) return resumed.error();
    f.resumed = resumed->value_or(false);
    auto limits = r.optional_object("limits");
    if (!limits) return limits.error();
    if (*limits != nullptr) {
      const ObjectReader l(**limits, "limits");
      for (auto [key, target] :
           {std::pair{"maxAttributeValueChars", &f.limits.max_attribute_value_chars},
            std::pair{"maxAttributesBytes", &f.limits.max_attributes_bytes},
            std::pair{"maxAttributes", &f.limits.max_attributes},
            std::pair{"maxMessageChars", &f.limits.max_message_chars},
            std::pair{"maxFrameBytes", &f.limits.max_frame_bytes}, std::pair{"messageBurst", &f.limits.message_burst},
            std::pair{"idleTimeoutSeconds", &f.limits.idle_timeout_seconds}}) {
        auto v = l.optional_int(key);
        if (!v) return v.error();
        if (*v) *target = **v;
      }
      auto rate = l.optional_number("messagesPerSecond");
      if (!rate) return rate.error();
      if (*rate) f.limits.messages_per_second = **rate;
    }
    return ServerFrame(std::move(f));
  }
  if (type == "attributes-set") {
    AttributesSet f;
    TRY_ASSIGN(f.request_id, r.required_string("requestId"));
    TRY_ASSIGN(f.attributes, r.optional_string_map("attributes"));
    TRY_ASSIGN(f.truncated, r.optional_string_array("truncated"));
    TRY_ASSIGN(f.traceparent, r.optional_string("traceparent"));
    return ServerFrame(std::move(f));
  }
  if (type == "message-accepted") {
    MessageAccepted f;
    TRY_ASSIGN(f.request_id, r.required_string("requestId"));
    TRY_ASSIGN(f.message_id, r.required_string("messageId"));
    auto seq = r.optional_int("seq");
    if (!seq) return seq.error();
    f.seq = seq->value_or(0);
    TRY_ASSIGN(f.traceparent, r.optional_string("traceparent"));
    return ServerFrame(std::move(f));
  }
  if (type == "ack" || type == "pong") {
    std::string id;
    TRY_ASSIGN(id, r.required_string("requestId"));
    return type == "ack" ? ServerFrame(Ack{id}) : ServerFrame(Pong{id});
  }
  if (type == "error") {
    ErrorReply f;
    TRY_ASSIGN(f.request_id, r.optional_string("requestId"));
    auto code = r.optional_int("code");
    if (!code) return code.error();
    if (!*code) return Error{"code: required"};
    f.code = static_cast<int>(**code);
    TRY_ASSIGN(f.error, r.required_string("error"));
    auto message = r.optional_string("message");
    if (!message) return message.error();
    f.message = message->value_or("");
    TRY_ASSIGN(f.retry_after_ms, r.optional_int("retryAfterMs"));
    return ServerFrame(std::move(f));
  }
  if (type == "message") {
    MessageEvent f;
    static_cast<EventHeader&>(f) = header;
    TRY_ASSIGN(f.message_id, r.required_string("messageId"));
    TRY_ASSIGN(f.sender, read_member(r, "sender"));
    TRY_ASSIGN(f.body, r.required_string("body"));
    auto body_type = r.optional_string("bodyType");
    if (!body_type) return body_type.error();
    f.body_type = body_type->value_or("standard");
    TRY_ASSIGN(f.traceparent, r.optional_string("traceparent"));
    return ServerFrame(std::move(f));
  }
  if (type == "member-joined" || type == "member-left") {
    Member m;
    TRY_ASSIGN(m, read_member(r, "member"));
    if (type == "member-joined") {
      MemberJoined f;
      static_cast<EventHeader&>(f) = header;
      f.member = std::move(m);
      return ServerFrame(std::move(f));
    }
    MemberLeft f;
    static_cast<EventHeader&>(f) = header;
    f.member = std::move(m);
    return ServerFrame(std::move(f));
  }
  if (type == "typing") {
    TypingEvent f;
    static_cast<EventHeader&>(f) = header;
    TRY_ASSIGN(f.member_id, r.required_string("memberId"));
    return ServerFrame(std::move(f));
  }
  if (type == "attributes-updated") {
    AttributesUpdated f;
    static_cast<EventHeader&>(f) = header;
    TRY_ASSIGN(f.attributes, r.optional_string_map("attributes"));
    TRY_ASSIGN(f.changed, r.optional_string_array("changed"));
    return ServerFrame(std::move(f));
  }
  if (type == "disconnected") {
    Disconnected f;
    static_cast<EventHeader&>(f) = header;
    TRY_ASSIGN(f.request_id, r.optional_string("requestId"));
    TRY_ASSIGN(f.reason, r.required_string("reason"));
    return ServerFrame(std::move(f));
  }
  return Error{"type: unknown frame type '" + type.substr(0, 64) + "'"};
}

const EventHeader* event_header(const ServerFrame& frame) {
  return std::visit(
      [](const auto& f) -> const EventHeader* {
        if constexpr (std::is_base_of_v<EventHeader, std::decay_t<decltype(f)>>) {
          return &f;
        } else {
          return nullptr;
        }
      },
      frame);
}

}  // namespace tracechat::protocol::guest_chat
