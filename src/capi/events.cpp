// tc_event: a SessionEvent read through fields. Each event type answers the fields its
// C++ struct has; anything else is "no such field" (NULL, or TC_ERR_INVALID_ARGUMENT).
#include "events.h"

#include <type_traits>

using namespace tracechat;
using namespace tracechat::capi;

namespace tracechat::capi {

std::shared_ptr<tc_event> make_event(const client::SessionEvent& event, bool lent) {
  auto e = std::make_shared<tc_event>();
  e->event = event;
  e->lent = lent;
  e->description = client::describe(e->event);
  return e;
}

}  // namespace tracechat::capi

namespace {

// tc_event_type is the variant's index + 1.
template <tc_event_type type, typename T>
constexpr bool is_alternative = std::is_same_v<std::variant_alternative_t<type - 1, client::SessionEvent>, T>;
static_assert(is_alternative<TC_EVENT_STATE_CHANGED, client::StateChanged> &&
              is_alternative<TC_EVENT_CONNECTED, client::Connected> &&
              is_alternative<TC_EVENT_CONTEXT_ATTACHED, client::ContextAttached> &&
              is_alternative<TC_EVENT_MESSAGE_RECEIVED, client::MessageReceived> &&
              is_alternative<TC_EVENT_MESSAGE_DELIVERED, client::MessageDelivered> &&
              is_alternative<TC_EVENT_MESSAGE_FAILED, client::MessageFailed> &&
              is_alternative<TC_EVENT_MEMBER_CHANGED, client::MemberChanged> &&
              is_alternative<TC_EVENT_TYPING, client::TypingSeen> &&
              is_alternative<TC_EVENT_ATTRIBUTES_CHANGED, client::AttributesChanged> &&
              is_alternative<TC_EVENT_RATE_LIMITED, client::RateLimited> &&
              is_alternative<TC_EVENT_WARNING, client::Warning> &&
              is_alternative<TC_EVENT_CONVERSATION_ENDED, client::ConversationEnded> &&
              std::variant_size_v<client::SessionEvent> == TC_EVENT_CONVERSATION_ENDED);

const std::string* text_field(const client::SessionEvent& event, tc_event_field field) {
  return std::visit(
      [field](const auto& e) -> const std::string* {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, client::StateChanged>) {
          if (field == TC_FIELD_CAUSE) return &e.cause;
        } else if constexpr (std::is_same_v<T, client::Connected>) {
          if (field == TC_FIELD_CONVERSATION_ID) return &e.conversation_id;
          if (field == TC_FIELD_SESSION_ID) return &e.session_id;
          if (field == TC_FIELD_TRACE_ID) return &e.trace_id;
        } else if constexpr (std::is_same_v<T, client::MessageReceived>) {
          if (field == TC_FIELD_MESSAGE_ID) return &e.message_id;
          if (field == TC_FIELD_SENDER_ROLE) return &e.sender_role;
          if (field == TC_FIELD_SENDER_NAME) return &e.sender_name;
          if (field == TC_FIELD_BODY) return &e.body;
          if (field == TC_FIELD_TRACEPARENT && e.traceparent) return &*e.traceparent;
        } else if constexpr (std::is_same_v<T, client::MessageDelivered>) {
          if (field == TC_FIELD_MESSAGE_ID) return &e.message_id;
        } else if constexpr (std::is_same_v<T, client::MessageFailed>) {
          if (field == TC_FIELD_ERROR) return &e.error;
        } else if constexpr (std::is_same_v<T, client::MemberChanged>) {
          if (field == TC_FIELD_ROLE) return &e.role;
          if (field == TC_FIELD_DISPLAY_NAME) return &e.display_name;
        } else if constexpr (std::is_same_v<T, client::TypingSeen>) {
          if (field == TC_FIELD_MEMBER) return &e.member;
        } else if constexpr (std::is_same_v<T, client::Warning>) {
          if (field == TC_FIELD_CODE) return &e.code;
          if (field == TC_FIELD_MESSAGE) return &e.message;
        } else if constexpr (std::is_same_v<T, client::ConversationEnded>) {
          if (field == TC_FIELD_REASON) return &e.reason;
        }
        return nullptr;
      },
      event);
}

std::optional<std::uint64_t> number_field(const client::SessionEvent& event, tc_event_field field) {
  return std::visit(
      [field](const auto& e) -> std::optional<std::uint64_t> {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, client::StateChanged>) {
          if (field == TC_FIELD_STATE_FROM) return to_c(e.from);
          if (field == TC_FIELD_STATE_TO) return to_c(e.to);
        } else if constexpr (std::is_same_v<T, client::Connected>) {
          if (field == TC_FIELD_RESUMED) return e.resumed ? 1 : 0;
          if (field == TC_FIELD_CONTEXT_ON_FIRST_MESSAGE) {
            return e.context_timing == client::ContextTiming::first_message ? 1 : 0;
          }
        } else if constexpr (std::is_same_v<T, client::MessageReceived>) {
          if (field == TC_FIELD_OWN) return e.own ? 1 : 0;
          if (field == TC_FIELD_CLIENT_ID && e.client_id) return *e.client_id;
        } else if constexpr (std::is_same_v<T, client::MessageDelivered> || std::is_same_v<T, client::MessageFailed>) {
          if (field == TC_FIELD_CLIENT_ID) return e.client_id;
        } else if constexpr (std::is_same_v<T, client::MemberChanged>) {
          if (field == TC_FIELD_JOINED) return e.joined ? 1 : 0;
        } else if constexpr (std::is_same_v<T, client::RateLimited>) {
          if (field == TC_FIELD_RETRY_AFTER_MS) return static_cast<std::uint64_t>(e.retry_after.count());
          if (field == TC_FIELD_QUEUED) return e.queued;
        }
        return std::nullopt;
      },
      event);
}

// The attributes of the events that carry some.
const std::map<std::string, std::string>* attributes_of(const client::SessionEvent& event) {
  if (const auto* a = std::get_if<client::ContextAttached>(&event)) return &a->attributes;
  if (const auto* c = std::get_if<client::AttributesChanged>(&event)) return &c->attributes;
  return nullptr;
}

// Runs `body(event)` on a live event: a status...
template <typename Body>
tc_status with_event(const tc_event* event, Body&& body) {
  return guarded([&]() -> tc_status {
    const auto e = events().find(event);
    if (!e) return invalid_handle("tc_event");
    return body(*e);
  });
}

// ...or a value, `failed` for a dead handle.
template <typename T, typename Body>
T read_event(const tc_event* event, T failed, Body&& body) {
  return guarded_value(failed, [&]() -> T {
    const auto e = events().find(event);
    if (!e) {
      invalid_handle("tc_event");
      return failed;
    }
    return body(*e);
  });
}

}  // namespace

extern "C" {

tc_event_type tc_event_get_type(const tc_event* event) {
  return read_event(event, static_cast<tc_event_type>(0),
                    [](const tc_event& e) { return static_cast<tc_event_type>(e.event.index() + 1); });
}

const char* tc_event_text(const tc_event* event, tc_event_field field, size_t* length) {
  return read_event(event, static_cast<const char*>(nullptr), [&](const tc_event& e) -> const char* {
    const std::string* text = text_field(e.event, field);
    if (text == nullptr) {
      fail(TC_ERR_INVALID_ARGUMENT, "this event has no text field " + std::to_string(static_cast<int>(field)));
      return nullptr;
    }
    if (length != nullptr) *length = text->size();
    return text->c_str();
  });
}

tc_status tc_event_number(const tc_event* event, tc_event_field field, uint64_t* value) {
  return with_event(event, [&](const tc_event& e) -> tc_status {
    if (value == nullptr) return fail(TC_ERR_INVALID_ARGUMENT, "value: NULL");
    const auto number = number_field(e.event, field);
    if (!number) {
      return fail(TC_ERR_INVALID_ARGUMENT, "this event has no number field " + std::to_string(static_cast<int>(field)));
    }
    *value = *number;
    return TC_OK;
  });
}

size_t tc_event_quick_reply_count(const tc_event* event) {
  return read_event(event, std::size_t{0}, [](const tc_event& e) -> std::size_t {
    const auto* m = std::get_if<client::MessageReceived>(&e.event);
    return m == nullptr ? 0 : m->quick_replies.size();
  });
}

tc_status tc_event_quick_reply(const tc_event* event, size_t index, const char** text, size_t* text_length,
                               const char** payload, size_t* payload_length) {
  return with_event(event, [&](const tc_event& e) -> tc_status {
    const auto* m = std::get_if<client::MessageReceived>(&e.event);
    if (m == nullptr || index >= m->quick_replies.size()) {
      return fail(TC_ERR_INVALID_ARGUMENT, "no quick reply " + std::to_string(index) + " in this event");
    }
    const auto& reply = m->quick_replies[index];
    if (text != nullptr) *text = reply.text.c_str();
    if (text_length != nullptr) *text_length = reply.text.size();
    if (payload != nullptr) *payload = reply.payload.c_str();
    if (payload_length != nullptr) *payload_length = reply.payload.size();
    return TC_OK;
  });
}

size_t tc_event_attribute_count(const tc_event* event) {
  return read_event(event, std::size_t{0}, [](const tc_event& e) -> std::size_t {
    const auto* attributes = attributes_of(e.event);
    return attributes == nullptr ? 0 : attributes->size();
  });
}

tc_status tc_event_attribute(const tc_event* event, size_t index, const char** key, size_t* key_length,
                             const char** value, size_t* value_length) {
  return with_event(event, [&](const tc_event& e) -> tc_status {
    const auto* attributes = attributes_of(e.event);
    if (attributes == nullptr || index >= attributes->size()) {
      return fail(TC_ERR_INVALID_ARGUMENT, "no attribute " + std::to_string(index) + " in this event");
    }
    const auto& [k, v] = *std::next(attributes->begin(), static_cast<std::ptrdiff_t>(index));
    if (key != nullptr) *key = k.c_str();
    if (key_length != nullptr) *key_length = k.size();
    if (value != nullptr) *value = v.c_str();
    if (value_length != nullptr) *value_length = v.size();
    return TC_OK;
  });
}

const char* tc_event_describe(const tc_event* event, size_t* length) {
  return read_event(event, static_cast<const char*>(nullptr), [&](const tc_event& e) -> const char* {
    if (length != nullptr) *length = e.description.size();
    return e.description.c_str();
  });
}

tc_status tc_event_clone(const tc_event* event, tc_event** out) {
  return with_event(event, [&](const tc_event& e) -> tc_status {
    if (out == nullptr) return fail(TC_ERR_INVALID_ARGUMENT, "out: NULL");
    *out = events().add(make_event(e.event, false));
    return TC_OK;
  });
}

tc_status tc_event_free(tc_event* event) {
  return with_event(event, [&](const tc_event& e) -> tc_status {
    if (e.lent) return fail(TC_ERR_INVALID_ARGUMENT, "a callback's event is lent, not yours to free");
    return events().remove(event) ? TC_OK : invalid_handle("tc_event");  // another thread freed it first
  });
}

}  // extern "C"
