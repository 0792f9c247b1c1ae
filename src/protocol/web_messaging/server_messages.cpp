#include <boost/json.hpp>
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
    auto v = r.optional_string(key);
    if (!v) return v.error();
    *target = v->value_or("");
  }
  return p;
}

Result<SessionResponse> read_session_response(const ObjectReader& r) {
  SessionResponse s;
  for (auto [key, target] :
       {std::pair{"connected", &s.connected}, std::pair{"newSession", &s.new_session},
        std::pair{"readOnly", &s.read_only}, std::pair{"clearedExistingSession", &s.cleared_existing_session},
        std::pair{"autoStarted", &s.auto_started}}) {
    auto v = r.optional_bool(key);
    if (!v) return v.error();
    if (*v) *target = **v;
  }
  auto max_bytes = r.optional_int("maxCustomDataBytes");
  if (!max_bytes) return max_bytes.error();
  if (*max_bytes) s.max_custom_data_bytes = **max_bytes;
  auto duration = r.optional_int("durationSeconds");
  if (!duration) return duration.error();
  s.duration_seconds = *duration;
  auto expiration = r.optional_string("expirationDate");
  if (!expiration) return expiration.error();
  s.expiration_date = std::move(*expiration);
  auto blocked = r.optional_string_array("blockedExtensions");
  if (!blocked) return blocked.error();
  s.blocked_extensions = std::move(*blocked);
  auto media = r.optional_object("allowedMedia");
  if (!media) return media.error();
  if (*media != nullptr) {
    const ObjectReader m(**media, "body.allowedMedia");
    if (auto inbound = m.optional_object("inbound"); !inbound) {
      return inbound.error();
    } else if (*inbound != nullptr) {
      auto types = ObjectReader(**inbound, "body.allowedMedia.inbound").optional_string_array("fileTypes");
      if (!types) return types.error();
      s.allowed_media = std::move(*types);
    }
  }
  return s;
}

Result<StructuredMessage> read_structured_message(const ObjectReader& r) {
  StructuredMessage m;
  auto id = r.optional_string("id");
  if (!id) return id.error();
  m.id = id->value_or("");
  auto type = r.required_string("type");
  if (!type) return type.error();
  m.type = std::move(*type);
  auto direction = r.optional_string("direction");
  if (!direction) return direction.error();
  m.direction = direction->value_or("Inbound");
  if (m.direction != "Inbound" && m.direction != "Outbound") {
    return Error{r.path_of("direction") + ": expected Inbound or Outbound"};
  }
  auto text = r.optional_string("text");
  if (!text) return text.error();
  m.text = std::move(*text);
  auto events = detail::read_events(r, "events");
  if (!events) return events.error();
  m.events = std::move(*events);
  auto metadata = r.optional_string_map("metadata");
  if (!metadata) return metadata.error();
  m.metadata = std::move(*metadata);
  auto entity = r.optional_string("originatingEntity");
  if (!entity) return entity.error();
  m.originating_entity = std::move(*entity);
  auto channel = r.optional_object("channel");
  if (!channel) return channel.error();
  if (*channel != nullptr) {
    const ObjectReader c(**channel, r.path_of("channel"));
    auto time = c.optional_string("time");
    if (!time) return time.error();
    m.channel_time = time->value_or("");
    auto message_id = c.optional_string("messageId");
    if (!message_id) return message_id.error();
    m.channel_message_id = std::move(*message_id);
    for (auto [key, target] : {std::pair{"from", &m.from}, std::pair{"to", &m.to}}) {
      auto o = c.optional_object(key);
      if (!o) return o.error();
      if (*o == nullptr) continue;
      auto p = read_participant(ObjectReader(**o, c.path_of(key)));
      if (!p) return p.error();
      *target = std::move(*p);
    }
  }
  return m;
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
  auto type = r.required_string("type");
  if (!type) return type.error();
  if (*type != "response" && *type != "message") return Error{"type: expected response or message"};
  out.type = std::move(*type);
  auto code = r.optional_int("code");
  if (!code) return code.error();
  out.code = static_cast<int>(code->value_or(200));
  auto tracing_id = r.optional_string("tracingId");
  if (!tracing_id) return tracing_id.error();
  out.tracing_id = std::move(*tracing_id);
  auto klass = r.required_string("class");
  if (!klass) return klass.error();

  const auto* body = r.find("body");
  if (*klass == "string") {
    if (body == nullptr || !body->is_string()) return Error{"body: expected string"};
    out.body = ErrorText{std::string(body->get_string())};
    return out;
  }
  static const json::object kEmpty;
  if (body != nullptr && !body->is_object() && !body->is_null()) return Error{"body: expected object"};
  const ObjectReader b(body != nullptr && body->is_object() ? body->get_object() : kEmpty, "body");
  if (*klass == "SessionResponse") {
    auto s = read_session_response(b);
    if (!s) return s.error();
    out.body = std::move(*s);
  } else if (*klass == "StructuredMessage") {
    auto m = read_structured_message(b);
    if (!m) return m.error();
    out.body = std::move(*m);
  } else if (*klass == "TooManyRequestsErrorMessage") {
    TooManyRequests t;
    auto error_code = b.optional_string("errorCode");
    if (!error_code) return error_code.error();
    t.error_code = error_code->value_or("");
    auto error_message = b.optional_string("errorMessage");
    if (!error_message) return error_message.error();
    t.error_message = error_message->value_or("");
    auto retry = b.optional_number("retryAfter");
    if (!retry) return retry.error();
    if (!*retry) return Error{"body.retryAfter: required"};
    // A fraction rounds up so that a client never retries before the server allows; the
    // bound keeps the conversion to an integer defined (1e300 is valid JSON).
    if (**retry < 0) return Error{"body.retryAfter: must not be negative"};
    if (**retry > kMaxRetryAfterSeconds) return Error{"body.retryAfter: more than 2147483647 seconds"};
    t.retry_after_seconds = static_cast<std::int64_t>(std::ceil(**retry));
    out.body = t;
  } else if (*klass == "SessionExpiredEvent") {
    out.body = SessionExpiredEvent{};
  } else if (*klass == "SessionClearedEvent") {
    out.body = SessionClearedEvent{};
  } else if (*klass == "ConnectionClosedEvent") {
    // Published clients name the field both ways; accept either.
    auto reason = b.optional_string("reasonCode");
    if (!reason) return reason.error();
    if (!*reason) {
      reason = b.optional_string("reason");
      if (!reason) return reason.error();
    }
    out.body = ConnectionClosedEvent{reason->value_or("")};
  } else {
    return Error{"class: unknown class '" + klass->substr(0, 64) + "'"};
  }
  return out;
}

}  // namespace tracechat::protocol::web_messaging
