#include <boost/json.hpp>
#include <charconv>
#include <cmath>

#include "common/json_reader.h"
#include "message_fields.h"
#include "tracechat/protocol/web_messaging.h"

namespace tracechat::protocol::web_messaging {
namespace json = boost::json;
using common::ObjectReader;

namespace {

constexpr double kMaxRetryAfterSeconds = 2147483647;

json::array strings_json(const std::vector<std::string>& items) {
  json::array a;
  for (const auto& s : items) a.emplace_back(s);
  return a;
}

json::object participant_json(const Participant& p) {
  return json::object{{"nickname", p.nickname}, {"id", p.id}, {"idType", p.id_type}};
}

json::value body_json(const Body& body) {
  return std::visit(
      [](const auto& b) -> json::value {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, SessionResponse>) {
          json::object o{
              {"connected", b.connected},
              {"newSession", b.new_session},
              {"readOnly", b.read_only},
              {"clearedExistingSession", b.cleared_existing_session},
              {"allowedMedia", json::object{{"inbound", json::object{{"fileTypes", strings_json(b.allowed_media)}}}}},
              {"blockedExtensions", strings_json(b.blocked_extensions)},
              {"maxCustomDataBytes", b.max_custom_data_bytes},
              {"autoStarted", b.auto_started}};
          if (b.duration_seconds) o["durationSeconds"] = *b.duration_seconds;
          if (b.expiration_date) o["expirationDate"] = *b.expiration_date;
          return o;
        } else if constexpr (std::is_same_v<T, StructuredMessage>) {
          json::object channel{{"time", b.channel_time}, {"type", "Private"}};
          if (b.channel_message_id) channel["messageId"] = *b.channel_message_id;
          if (b.from) channel["from"] = participant_json(*b.from);
          if (b.to) channel["to"] = participant_json(*b.to);
          json::object o{{"id", b.id}, {"channel", std::move(channel)}, {"type", b.type}, {"direction", b.direction}};
          if (b.text) o["text"] = *b.text;
          if (!b.content.empty()) o["content"] = detail::content_json(b.content);
          if (!b.events.empty()) o["events"] = detail::events_json(b.events);
          if (!b.metadata.empty()) o["metadata"] = detail::string_map_json(b.metadata);
          if (b.originating_entity) o["originatingEntity"] = *b.originating_entity;
          return o;
        } else if constexpr (std::is_same_v<T, ErrorText>) {
          return json::string(b.text);
        } else if constexpr (std::is_same_v<T, TooManyRequests>) {
          return json::object{
              {"errorCode", b.error_code}, {"errorMessage", b.error_message}, {"retryAfter", b.retry_after_seconds}};
        } else if constexpr (std::is_same_v<T, ConnectionClosedEvent>) {
          return json::object{{"reasonCode", b.reason_code}};
        } else {
          return json::object{};
        }
      },
      body);
}

Result<Participant> read_participant(const ObjectReader& r) {
  Participant p;
  for (auto [key, target] :
       {std::pair{"nickname", &p.nickname}, std::pair{"id", &p.id}, std::pair{"idType", &p.id_type}}) {
    TRACECHAT_TRY(auto v, r.optional_string(key));
    *target = std::move(v).value_or("");
  }
  return p;
}

// allowedMedia.inbound.fileTypes
Result<std::vector<std::string>> read_allowed_media(const ObjectReader& r) {
  TRACECHAT_TRY(const json::object* media, r.optional_object("allowedMedia"));
  if (media == nullptr) return std::vector<std::string>();
  TRACECHAT_TRY(const json::object* inbound, ObjectReader(*media, "body.allowedMedia").optional_object("inbound"));
  if (inbound == nullptr) return std::vector<std::string>();
  return ObjectReader(*inbound, "body.allowedMedia.inbound").optional_string_array("fileTypes");
}

Result<SessionResponse> read_session_response(const ObjectReader& r) {
  SessionResponse s;
  for (auto [key, target] :
       {std::pair{"connected", &s.connected}, std::pair{"newSession", &s.new_session},
        std::pair{"readOnly", &s.read_only}, std::pair{"clearedExistingSession", &s.cleared_existing_session},
        std::pair{"autoStarted", &s.auto_started}}) {
    TRACECHAT_TRY(const auto v, r.optional_bool(key));
    if (v) *target = *v;
  }
  TRACECHAT_TRY(const auto max_bytes, r.optional_int("maxCustomDataBytes"));
  if (max_bytes) s.max_custom_data_bytes = *max_bytes;
  TRACECHAT_TRY(s.duration_seconds, r.optional_int("durationSeconds"));
  TRACECHAT_TRY(s.expiration_date, r.optional_string("expirationDate"));
  TRACECHAT_TRY(s.blocked_extensions, r.optional_string_array("blockedExtensions"));
  TRACECHAT_TRY(s.allowed_media, read_allowed_media(r));
  return s;
}

// channel: time, messageId, from, to.
Result<void> read_channel(const ObjectReader& c, StructuredMessage& m) {
  TRACECHAT_TRY(const auto time, c.optional_string("time"));
  m.channel_time = time.value_or("");
  TRACECHAT_TRY(m.channel_message_id, c.optional_string("messageId"));
  for (auto [key, target] : {std::pair{"from", &m.from}, std::pair{"to", &m.to}}) {
    TRACECHAT_TRY(const json::object* o, c.optional_object(key));
    if (o == nullptr) continue;
    TRACECHAT_TRY(*target, read_participant(ObjectReader(*o, c.path_of(key))));
  }
  return {};
}

Result<StructuredMessage> read_structured_message(const ObjectReader& r) {
  StructuredMessage m;
  TRACECHAT_TRY(const auto id, r.optional_string("id"));
  m.id = id.value_or("");
  TRACECHAT_TRY(m.type, r.required_string("type"));
  TRACECHAT_TRY(const auto direction, r.optional_string("direction"));
  m.direction = direction.value_or("Inbound");
  if (m.direction != "Inbound" && m.direction != "Outbound") {
    return Error{r.path_of("direction") + ": expected Inbound or Outbound"};
  }
  TRACECHAT_TRY(m.text, r.optional_string("text"));
  TRACECHAT_TRY(m.content, detail::read_content(r, "content"));
  TRACECHAT_TRY(m.events, detail::read_events(r, "events"));
  TRACECHAT_TRY(m.metadata, r.optional_string_map("metadata"));
  TRACECHAT_TRY(m.originating_entity, r.optional_string("originatingEntity"));
  TRACECHAT_TRY(const json::object* channel, r.optional_object("channel"));
  if (channel != nullptr) TRACECHAT_CHECK(read_channel(ObjectReader(*channel, r.path_of("channel")), m));
  return m;
}

Result<TooManyRequests> read_too_many_requests(const ObjectReader& b) {
  TooManyRequests t;
  // A number, as the platform sends it; a numeric string is read too, since an older
  // emulator and some proxies wrote it as one.
  if (const json::value* code = b.find("errorCode"); code != nullptr && code->is_string()) {
    const std::string_view text = code->get_string();
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return Error{"body.errorCode: expected a number"};
    // The same range as a number's, so that what is read writes out and reads back (the
    // fuzzer found "2034751869" read as a string and refused as the number it became).
    if (value < 0 || value > 99999) return Error{"body.errorCode: out of range"};
    t.error_code = value;
  } else {
    TRACECHAT_TRY(const auto number, b.optional_int("errorCode"));
    if (number && (*number < 0 || *number > 99999)) return Error{"body.errorCode: out of range"};
    t.error_code = static_cast<int>(number.value_or(error_code::kRateLimited));
  }
  TRACECHAT_TRY(const auto error_message, b.optional_string("errorMessage"));
  t.error_message = error_message.value_or("");
  TRACECHAT_TRY(const auto retry, b.optional_number("retryAfter"));
  if (!retry) return Error{"body.retryAfter: required"};
  // A fraction rounds up so that a client never retries before the server allows; the
  // bound keeps the conversion to an integer defined (1e300 is valid JSON).
  if (*retry < 0) return Error{"body.retryAfter: must not be negative"};
  if (*retry > kMaxRetryAfterSeconds) return Error{"body.retryAfter: more than 2147483647 seconds"};
  t.retry_after_seconds = static_cast<std::int64_t>(std::ceil(*retry));
  return t;
}

Result<ConnectionClosedEvent> read_connection_closed(const ObjectReader& b) {
  // Published clients name the field both ways; accept either.
  TRACECHAT_TRY(auto reason, b.optional_string("reasonCode"));
  if (!reason) {
    TRACECHAT_TRY(reason, b.optional_string("reason"));
  }
  return ConnectionClosedEvent{std::move(reason).value_or("")};
}

// One reader per class whose body is an object (absent or null reads as {}).
using BodyReader = Result<Body> (*)(const ObjectReader& body);

template <typename T, Result<T> (*read)(const ObjectReader&)>
Result<Body> read_body(const ObjectReader& b) {
  TRACECHAT_TRY(auto body, read(b));
  return Body(std::move(body));
}

template <typename T>
Result<Body> empty_body(const ObjectReader&) {
  return Body(T{});
}

struct BodyClass {
  std::string_view name;
  BodyReader read;
};

constexpr BodyClass kObjectBodies[] = {
    {"SessionResponse", read_body<SessionResponse, read_session_response>},
    {"StructuredMessage", read_body<StructuredMessage, read_structured_message>},
    {"TooManyRequestsErrorMessage", read_body<TooManyRequests, read_too_many_requests>},
    {"SessionExpiredEvent", empty_body<SessionExpiredEvent>},
    {"SessionClearedEvent", empty_body<SessionClearedEvent>},
    {"ConnectionClosedEvent", read_body<ConnectionClosedEvent, read_connection_closed>},
};

// The body for `klass`: a string for class "string", an object for every other class.
Result<Body> read_body_of(std::string_view klass, const json::value* body) {
  if (klass == "string") {
    if (body == nullptr || !body->is_string()) return Error{"body: expected string"};
    return Body(ErrorText{std::string(body->get_string())});
  }
  static const json::object kEmpty;
  if (body != nullptr && !body->is_object() && !body->is_null()) return Error{"body: expected object"};
  const ObjectReader b(body != nullptr && body->is_object() ? body->get_object() : kEmpty, "body");
  for (const auto& c : kObjectBodies) {
    if (c.name == klass) return c.read(b);
  }
  return Error{"class: unknown class '" + std::string(klass.substr(0, 64)) + "'"};
}

}  // namespace

std::string_view class_name(const Body& body) {
  static constexpr std::string_view kNames[] = {
      "SessionResponse",     "StructuredMessage",    "string", "TooManyRequestsErrorMessage", "SessionExpiredEvent",
      "SessionClearedEvent", "ConnectionClosedEvent"};
  return kNames[body.index()];
}

std::string serialize(const ServerMessage& message) {
  json::object o{{"type", message.type},
                 {"class", class_name(message.body)},
                 {"code", message.code},
                 {"body", body_json(message.body)}};
  if (message.tracing_id) o["tracingId"] = *message.tracing_id;
  return json::serialize(o);
}

Result<ServerMessage> parse_server_message(std::string_view text) {
  auto parsed = common::parse_object(text, kMaxJsonDepth, "a frame");
  if (!parsed) return Error{parsed.error().message};
  const ObjectReader r(parsed->object(), "");
  ServerMessage out;
  TRACECHAT_TRY(out.type, r.required_string("type"));
  if (out.type != "response" && out.type != "message") return Error{"type: expected response or message"};
  TRACECHAT_TRY(const auto code, r.optional_int("code"));
  out.code = static_cast<int>(code.value_or(200));
  TRACECHAT_TRY(out.tracing_id, r.optional_string("tracingId"));
  TRACECHAT_TRY(const auto klass, r.required_string("class"));
  TRACECHAT_TRY(out.body, read_body_of(klass, r.find("body")));
  return out;
}

}  // namespace tracechat::protocol::web_messaging
