#include "message_fields.h"

#include <algorithm>

namespace tracechat::protocol::web_messaging::detail {
namespace json = boost::json;

namespace {

Result<MessageEvent> read_event(const ObjectReader& r) {
  MessageEvent event;
  TRACECHAT_TRY(event.event_type, r.required_string("eventType"));
  // The payload sits under the lower-cased event type: presence {type}, typing {type, duration}.
  const std::string inner = event.event_type == "Presence" ? "presence" : event.event_type == "Typing" ? "typing" : "";
  if (inner.empty()) return Error{r.path_of("eventType") + ": expected Presence or Typing"};
  TRACECHAT_TRY(const json::object* payload, r.optional_object(inner));
  if (payload == nullptr) return Error{r.path_of(inner) + ": required"};
  const ObjectReader p(*payload, r.path_of(inner));
  TRACECHAT_TRY(event.type, p.required_string("type"));
  if (inner == "typing") {
    TRACECHAT_TRY(event.duration_ms, p.optional_int("duration"));
  }
  return event;
}

// One content item: {"contentType": T, "<t>": {...}} where <t> is T with a lower-case
// first letter (quickReply, buttonResponse).
Result<Content> read_content_item(const ObjectReader& r) {
  TRACECHAT_TRY(const std::string content_type, r.required_string("contentType"));
  const auto payload_of = [&](std::string_view key) -> Result<ObjectReader> {
    TRACECHAT_TRY(const json::object* o, r.optional_object(key));
    if (o == nullptr) return Error{r.path_of(key) + ": required for contentType " + content_type};
    return ObjectReader(*o, r.path_of(key));
  };
  if (content_type == "QuickReply") {
    TRACECHAT_TRY(const ObjectReader q, payload_of("quickReply"));
    QuickReply reply;
    TRACECHAT_TRY(reply.text, q.required_string("text"));
    TRACECHAT_TRY(reply.payload, q.required_string("payload"));
    TRACECHAT_TRY(const auto action, q.optional_string("action"));
    reply.action = action.value_or("Message");
    return Content(std::move(reply));
  }
  if (content_type == "ButtonResponse") {
    TRACECHAT_TRY(const ObjectReader b, payload_of("buttonResponse"));
    ButtonResponse response;
    TRACECHAT_TRY(response.type, b.required_string("type"));
    TRACECHAT_TRY(response.text, b.required_string("text"));
    TRACECHAT_TRY(response.payload, b.required_string("payload"));
    return Content(std::move(response));
  }
  return Content(OtherContent{content_type.substr(0, 64)});
}

// message.channel: messageId, and metadata.customAttributes (the supported place for
// participant data; present, even if empty, when the member is there).
Result<void> read_incoming_channel(const ObjectReader& c, IncomingMessage& m) {
  TRACECHAT_TRY(m.channel_message_id, c.optional_string("messageId"));
  TRACECHAT_TRY(const json::object* metadata, c.optional_object("metadata"));
  if (metadata == nullptr) return {};
  const ObjectReader md(*metadata, c.path_of("metadata"));
  if (md.find("customAttributes") != nullptr) {
    TRACECHAT_TRY(m.custom_attributes, md.optional_string_map("customAttributes"));
  }
  return {};
}

}  // namespace

Result<std::vector<MessageEvent>> read_events(const ObjectReader& r, std::string_view key) {
  TRACECHAT_TRY(const json::array* array, r.optional_array(key));
  std::vector<MessageEvent> out;
  if (array == nullptr) return out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string path = r.path_of(key) + "[" + std::to_string(i) + "]";
    const auto& item = (*array)[i];
    if (!item.is_object()) return Error{path + ": expected object"};
    TRACECHAT_TRY(auto event, read_event(ObjectReader(item.get_object(), path)));
    out.push_back(std::move(event));
  }
  return out;
}

json::array events_json(const std::vector<MessageEvent>& events) {
  json::array out;
  for (const auto& e : events) {
    json::object payload{{"type", e.type}};
    if (e.duration_ms) payload["duration"] = *e.duration_ms;
    json::object o{{"eventType", e.event_type}};
    o[e.event_type == "Typing" ? "typing" : "presence"] = std::move(payload);
    out.emplace_back(std::move(o));
  }
  return out;
}

Result<std::vector<Content>> read_content(const ObjectReader& r, std::string_view key) {
  TRACECHAT_TRY(const json::array* array, r.optional_array(key));
  std::vector<Content> out;
  if (array == nullptr) return out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string path = r.path_of(key) + "[" + std::to_string(i) + "]";
    const auto& item = (*array)[i];
    if (!item.is_object()) return Error{path + ": expected object"};
    TRACECHAT_TRY(auto content, read_content_item(ObjectReader(item.get_object(), path)));
    out.push_back(std::move(content));
  }
  return out;
}

json::array content_json(const std::vector<Content>& content) {
  json::array out;
  for (const auto& item : content) {
    if (const auto* q = std::get_if<QuickReply>(&item)) {
      out.emplace_back(json::object{
          {"contentType", "QuickReply"},
          {"quickReply", json::object{{"text", q->text}, {"payload", q->payload}, {"action", q->action}}}});
    } else if (const auto* b = std::get_if<ButtonResponse>(&item)) {
      out.emplace_back(json::object{
          {"contentType", "ButtonResponse"},
          {"buttonResponse", json::object{{"type", b->type}, {"text", b->text}, {"payload", b->payload}}}});
    } else {
      out.emplace_back(json::object{{"contentType", std::get<OtherContent>(item).content_type}});
    }
  }
  return out;
}

json::object string_map_json(const StringMap& map) {
  json::object o;
  for (const auto& [k, v] : map) o[k] = v;
  return o;
}

Result<IncomingMessage> read_incoming_message(const ObjectReader& r) {
  IncomingMessage m;
  TRACECHAT_TRY(m.type, r.required_string("type"));
  static constexpr std::string_view kTypes[] = {"Text", "Structured", "Event", "Message", "Receipt"};
  if (std::find(std::begin(kTypes), std::end(kTypes), m.type) == std::end(kTypes)) {
    return Error{r.path_of("type") + ": expected Text, Structured, Event, Message or Receipt"};
  }
  TRACECHAT_TRY(m.text, r.optional_string("text"));
  TRACECHAT_TRY(m.content, read_content(r, "content"));
  TRACECHAT_TRY(m.events, read_events(r, "events"));
  TRACECHAT_TRY(m.metadata, r.optional_string_map("metadata"));
  TRACECHAT_TRY(const json::object* channel, r.optional_object("channel"));
  if (channel != nullptr) TRACECHAT_CHECK(read_incoming_channel(ObjectReader(*channel, r.path_of("channel")), m));
  if (m.type == "Text" && (!m.text || m.text->empty()) && m.events.empty()) {
    return Error{r.path_of("text") + ": required for a Text message"};
  }
  if (m.type == "Structured" && m.content.empty() && (!m.text || m.text->empty())) {
    return Error{r.path_of("content") + ": required for a Structured message without text"};
  }
  if (m.type == "Event" && m.events.empty()) return Error{r.path_of("events") + ": required for an Event message"};
  return m;
}

json::object incoming_message_json(const IncomingMessage& m) {
  json::object o{{"type", m.type}};
  if (m.text) o["text"] = *m.text;
  if (!m.content.empty()) o["content"] = content_json(m.content);
  if (!m.events.empty()) o["events"] = events_json(m.events);
  if (!m.metadata.empty()) o["metadata"] = string_map_json(m.metadata);
  if (m.channel_message_id || m.custom_attributes) {
    json::object channel;
    if (m.channel_message_id) channel["messageId"] = *m.channel_message_id;
    if (m.custom_attributes)
      channel["metadata"] = json::object{{"customAttributes", string_map_json(*m.custom_attributes)}};
    o["channel"] = std::move(channel);
  }
  return o;
}

std::vector<std::string> lint_incoming_message(const ObjectReader& r) {
  auto out = r.unknown_members({"type", "text", "content", "events", "metadata", "channel"});
  if (auto channel = r.optional_object("channel"); channel && *channel) {
    const ObjectReader c(**channel, r.path_of("channel"));
    for (auto& path : c.unknown_members({"messageId", "metadata", "time", "type", "from", "to"})) {
      out.push_back(std::move(path));
    }
    if (auto metadata = c.optional_object("metadata"); metadata && *metadata) {
      for (auto& path : ObjectReader(**metadata, c.path_of("metadata")).unknown_members({"customAttributes"})) {
        out.push_back(std::move(path));
      }
    }
  }
  return out;
}

}  // namespace tracechat::protocol::web_messaging::detail
