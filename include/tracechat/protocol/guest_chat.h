// The guest-chat wire protocol (../shared/spec/guest-chat-v1.md): typed frames in both
// directions, strict parsing with errors that name the field, serialization, and a
// lint that reports what the server would silently drop.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "tracechat/result.h"

namespace tracechat::protocol::guest_chat {

inline constexpr int kMaxJsonDepth = 50;
inline constexpr std::size_t kMaxRequestIdChars = 128;

// ---- client → server -------------------------------------------------------------

// Fields every command has: requestId, and optional W3C trace context for that request.
struct Envelope {
  std::string request_id;
  std::optional<std::string> traceparent;
  std::optional<std::string> tracestate;
};

struct Connect : Envelope {
  std::string display_name;
  std::optional<std::string> resume_token;
  std::optional<std::int64_t> last_event_seq;
};
struct SetAttributes : Envelope {
  // In the frame's order; nullopt deletes the key.
  std::vector<std::pair<std::string, std::optional<std::string>>> attributes;
};
struct SendMessage : Envelope {
  std::string body;
  std::string body_type = "standard";  // standard | notice
};
struct Typing : Envelope {};
struct Ping : Envelope {};
struct Disconnect : Envelope {};

using ClientFrame = std::variant<Connect, SetAttributes, SendMessage, Typing, Ping, Disconnect>;

const Envelope& envelope(const ClientFrame& frame);
std::string_view command_name(const ClientFrame& frame);

// What the server answers for a frame it cannot take: the spec's error code and slug.
struct FrameError {
  int code = 400;
  std::string error = "bad-request";
  std::string message;
  std::optional<std::string> request_id;  // when the frame had a usable one
};

// Structural validation only: the value rules that depend on server state and limits
// (attribute sizes, message length, rate) are the server's.
Result<ClientFrame, FrameError> parse_client_frame(std::string_view text);
std::string serialize(const ClientFrame& frame);

// Fields in an outgoing client frame that the server drops silently, as paths
// (e.g. "message.customAttributes"). A client that puts the trace context in such a
// field loses it without any error; the lint finds that before it ships.
std::vector<std::string> lint_client_frame(std::string_view text);

// ---- server → client -------------------------------------------------------------

struct Limits {
  std::int64_t max_attribute_value_chars = 256;
  std::int64_t max_attributes_bytes = 2048;
  std::int64_t max_attributes = 50;
  std::int64_t max_message_chars = 4096;
  std::int64_t max_frame_bytes = 65536;
  double messages_per_second = 2;
  std::int64_t message_burst = 4;
  std::int64_t idle_timeout_seconds = 300;
  friend bool operator==(const Limits&, const Limits&) = default;
};

// The integer limits by the names the handshake answer gives them, which the emulator's
// configuration uses too; messagesPerSecond, a number, is read apart.
struct IntegerLimit {
  std::string_view name;
  std::int64_t Limits::*field;
};
inline constexpr IntegerLimit kIntegerLimits[] = {
    {"maxAttributeValueChars", &Limits::max_attribute_value_chars},
    {"maxAttributesBytes", &Limits::max_attributes_bytes},
    {"maxAttributes", &Limits::max_attributes},
    {"maxMessageChars", &Limits::max_message_chars},
    {"maxFrameBytes", &Limits::max_frame_bytes},
    {"messageBurst", &Limits::message_burst},
    {"idleTimeoutSeconds", &Limits::idle_timeout_seconds},
};

struct Member {
  std::string member_id;
  std::string role;  // guest, agent, bot, system
  std::string display_name;
  friend bool operator==(const Member&, const Member&) = default;
};

using Attributes = std::map<std::string, std::string>;

struct Connected {
  std::string request_id;
  std::string conversation_id;
  std::string member_id;
  std::string resume_token;
  bool resumed = false;
  Limits limits;
};
struct AttributesSet {
  std::string request_id;
  Attributes attributes;
  std::vector<std::string> truncated;
  std::optional<std::string> traceparent;
};
struct MessageAccepted {
  std::string request_id;
  std::string message_id;
  std::int64_t seq = 0;
  std::optional<std::string> traceparent;
};
struct Ack {
  std::string request_id;
};
struct Pong {
  std::string request_id;
};
struct ErrorReply {
  std::optional<std::string> request_id;
  int code = 400;
  std::string error;
  std::string message;
  std::optional<std::int64_t> retry_after_ms;
};

// Events: seq and timestamp (RFC 3339, UTC, milliseconds) on every one.
struct EventHeader {
  std::int64_t seq = 0;
  std::string timestamp;
};
struct MessageEvent : EventHeader {
  std::string message_id;
  Member sender;
  std::string body;
  std::string body_type = "standard";
  std::optional<std::string> traceparent;
};
struct MemberJoined : EventHeader {
  Member member;
};
struct MemberLeft : EventHeader {
  Member member;
};
struct TypingEvent : EventHeader {
  std::string member_id;
};
struct AttributesUpdated : EventHeader {
  Attributes attributes;
  std::vector<std::string> changed;
};
// The `disconnected` frame: a reply to `disconnect` (request_id set) or an event.
struct Disconnected : EventHeader {
  std::optional<std::string> request_id;
  std::string reason;  // guest-left, agent-ended, idle-timeout, server-shutdown
};

using ServerFrame = std::variant<Connected, AttributesSet, MessageAccepted, Ack, Pong, ErrorReply, MessageEvent,
                                 MemberJoined, MemberLeft, TypingEvent, AttributesUpdated, Disconnected>;

Result<ServerFrame> parse_server_frame(std::string_view text);
std::string serialize(const ServerFrame& frame);

// Events carry a seq; replies do not. Null for non-events.
const EventHeader* event_header(const ServerFrame& frame);

}  // namespace tracechat::protocol::guest_chat
