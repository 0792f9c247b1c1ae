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

// Reading: every reader returns an Error naming the path.

Result<Member> read_member(const ObjectReader& parent, std::string_view key) {
  TRACECHAT_TRY(const json::object* o, parent.optional_object(key));
  if (o == nullptr) return Error{parent.path_of(key) + ": required"};
  const ObjectReader r(*o, parent.path_of(key));
  Member m;
  TRACECHAT_TRY(m.member_id, r.required_string("memberId"));
  TRACECHAT_TRY(m.role, r.required_string("role"));
  TRACECHAT_TRY(const auto name, r.optional_string("displayName"));
  m.display_name = name.value_or("");
  return m;
}

Result<EventHeader> read_event_header(const ObjectReader& r) {
  EventHeader h;
  TRACECHAT_TRY(const auto seq, r.optional_int("seq"));
  h.seq = seq.value_or(0);
  TRACECHAT_TRY(const auto ts, r.optional_string("timestamp"));
  h.timestamp = ts.value_or("");
  return h;
}

// Members that are absent keep their defaults.
Result<void> read_limits(const ObjectReader& r, Limits& limits) {
  for (const auto& [key, field] : kIntegerLimits) {
    TRACECHAT_TRY(const auto v, r.optional_int(key));
    if (v) limits.*field = *v;
  }
  TRACECHAT_TRY(const auto rate, r.optional_number("messagesPerSecond"));
  if (rate) limits.messages_per_second = *rate;
  return {};
}

// One reader per frame type. Each gets the whole frame and its event header (seq,
// timestamp), read and checked for every type before the type's own members.
using FrameReader = Result<ServerFrame> (*)(const ObjectReader& r, const EventHeader& header);

template <typename Event>
Event with_header(const EventHeader& header) {
  Event e;
  static_cast<EventHeader&>(e) = header;
  return e;
}

Result<ServerFrame> read_connected(const ObjectReader& r, const EventHeader&) {
  Connected f;
  TRACECHAT_TRY(f.request_id, r.required_string("requestId"));
  TRACECHAT_TRY(f.conversation_id, r.required_string("conversationId"));
  TRACECHAT_TRY(f.member_id, r.required_string("memberId"));
  TRACECHAT_TRY(f.resume_token, r.required_string("resumeToken"));
  TRACECHAT_TRY(const auto resumed, r.optional_bool("resumed"));
  f.resumed = resumed.value_or(false);
  TRACECHAT_TRY(const json::object* limits, r.optional_object("limits"));
  if (limits != nullptr) TRACECHAT_CHECK(read_limits(ObjectReader(*limits, "limits"), f.limits));
  return ServerFrame(std::move(f));
}

Result<ServerFrame> read_attributes_set(const ObjectReader& r, const EventHeader&) {
  AttributesSet f;
  TRACECHAT_TRY(f.request_id, r.required_string("requestId"));
  TRACECHAT_TRY(f.attributes, r.optional_string_map("attributes"));
  TRACECHAT_TRY(f.truncated, r.optional_string_array("truncated"));
  TRACECHAT_TRY(f.traceparent, r.optional_string("traceparent"));
  return ServerFrame(std::move(f));
}

Result<ServerFrame> read_message_accepted(const ObjectReader& r, const EventHeader&) {
  MessageAccepted f;
  TRACECHAT_TRY(f.request_id, r.required_string("requestId"));
  TRACECHAT_TRY(f.message_id, r.required_string("messageId"));
  TRACECHAT_TRY(const auto seq, r.optional_int("seq"));
  f.seq = seq.value_or(0);
  TRACECHAT_TRY(f.traceparent, r.optional_string("traceparent"));
  return ServerFrame(std::move(f));
}

// ack and pong: a request id and nothing else.
template <typename Reply>
Result<ServerFrame> read_reply(const ObjectReader& r, const EventHeader&) {
  TRACECHAT_TRY(auto id, r.required_string("requestId"));
  return ServerFrame(Reply{std::move(id)});
}

Result<ServerFrame> read_error(const ObjectReader& r, const EventHeader&) {
  ErrorReply f;
  TRACECHAT_TRY(f.request_id, r.optional_string("requestId"));
  TRACECHAT_TRY(const auto code, r.optional_int("code"));
  if (!code) return Error{"code: required"};
  f.code = static_cast<int>(*code);
  TRACECHAT_TRY(f.error, r.required_string("error"));
  TRACECHAT_TRY(const auto message, r.optional_string("message"));
  f.message = message.value_or("");
  TRACECHAT_TRY(f.retry_after_ms, r.optional_int("retryAfterMs"));
  return ServerFrame(std::move(f));
}

Result<ServerFrame> read_message(const ObjectReader& r, const EventHeader& header) {
  auto f = with_header<MessageEvent>(header);
  TRACECHAT_TRY(f.message_id, r.required_string("messageId"));
  TRACECHAT_TRY(f.sender, read_member(r, "sender"));
  TRACECHAT_TRY(f.body, r.required_string("body"));
  TRACECHAT_TRY(const auto body_type, r.optional_string("bodyType"));
  f.body_type = body_type.value_or("standard");
  TRACECHAT_TRY(f.traceparent, r.optional_string("traceparent"));
  return ServerFrame(std::move(f));
}

// member-joined and member-left.
template <typename Event>
Result<ServerFrame> read_member_event(const ObjectReader& r, const EventHeader& header) {
  auto f = with_header<Event>(header);
  TRACECHAT_TRY(f.member, read_member(r, "member"));
  return ServerFrame(std::move(f));
}

Result<ServerFrame> read_typing(const ObjectReader& r, const EventHeader& header) {
  auto f = with_header<TypingEvent>(header);
  TRACECHAT_TRY(f.member_id, r.required_string("memberId"));
  return ServerFrame(std::move(f));
}

Result<ServerFrame> read_attributes_updated(const ObjectReader& r, const EventHeader& header) {
  auto f = with_header<AttributesUpdated>(header);
  TRACECHAT_TRY(f.attributes, r.optional_string_map("attributes"));
  TRACECHAT_TRY(f.changed, r.optional_string_array("changed"));
  return ServerFrame(std::move(f));
}

Result<ServerFrame> read_disconnected(const ObjectReader& r, const EventHeader& header) {
  auto f = with_header<Disconnected>(header);
  TRACECHAT_TRY(f.request_id, r.optional_string("requestId"));
  TRACECHAT_TRY(f.reason, r.required_string("reason"));
  return ServerFrame(std::move(f));
}

struct FrameType {
  std::string_view name;
  FrameReader read;
};

constexpr FrameType kFrameTypes[] = {
    {"connected", read_connected},
    {"attributes-set", read_attributes_set},
    {"message-accepted", read_message_accepted},
    {"ack", read_reply<Ack>},
    {"pong", read_reply<Pong>},
    {"error", read_error},
    {"message", read_message},
    {"member-joined", read_member_event<MemberJoined>},
    {"member-left", read_member_event<MemberLeft>},
    {"typing", read_typing},
    {"attributes-updated", read_attributes_updated},
    {"disconnected", read_disconnected},
};

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
  TRACECHAT_TRY(const std::string type, r.required_string("type"));
  TRACECHAT_TRY(const EventHeader header, read_event_header(r));
  for (const auto& frame_type : kFrameTypes) {
    if (frame_type.name == type) return frame_type.read(r, header);
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
