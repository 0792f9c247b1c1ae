// The Genesys Cloud Web Messaging guest protocol (../shared/reference/genesys-web-messaging.md):
// typed requests and responses, strict parsing with errors that name the path, serialization,
// and a lint that reports what the server would silently drop — above all custom attributes
// in the deprecated top-level `channel.metadata`, which the platform ignores since 2026-06-05.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tracechat/result.h"

namespace tracechat::protocol::web_messaging {

inline constexpr int kMaxJsonDepth = 50;

using StringMap = std::map<std::string, std::string>;

// An event inside a message: Presence (Join, Disconnect, Clear, ...) or Typing (On).
struct MessageEvent {
  std::string event_type;                   // Presence | Typing
  std::string type;                         // presence.type or typing.type
  std::optional<std::int64_t> duration_ms;  // typing.duration
  friend bool operator==(const MessageEvent&, const MessageEvent&) = default;
};

// The platform's error codes, as the official SDKs model them. An error answer is
// {"type":"response","class":"string","code":<code>,"body":"<text>"}, except 4029, whose
// body is a TooManyRequestsErrorMessage.
namespace error_code {
inline constexpr int kBadRequest = 400;  // a frame the server cannot read at all
inline constexpr int kSessionExpired = 4006;
inline constexpr int kSessionNotFound = 4007;
inline constexpr int kTextTooLong = 4011;
inline constexpr int kCustomAttributesTooLarge = 4013;  // over maxCustomDataBytes
inline constexpr int kMissingParameter = 4020;
inline constexpr int kRateLimited = 4029;
inline constexpr int kUnexpected = 5000;
}  // namespace error_code

// Structured content (`content[]`). A bot offers quick replies in an Outbound Structured
// message; the guest answers one with a ButtonResponse in an Inbound Structured message.
struct QuickReply {     // contentType "QuickReply"
  std::string text;     // the button's label
  std::string payload;  // what the bot gets back when it is chosen
  std::string action = "Message";
  friend bool operator==(const QuickReply&, const QuickReply&) = default;
};
struct ButtonResponse {  // contentType "ButtonResponse"
  std::string type = "QuickReply";
  std::string text;
  std::string payload;
  friend bool operator==(const ButtonResponse&, const ButtonResponse&) = default;
};
// Any other content type (Attachment, Card, Carousel, ...): kept by name so that a reader
// can say what it skipped, since the platform adds types over time.
struct OtherContent {
  std::string content_type;
  friend bool operator==(const OtherContent&, const OtherContent&) = default;
};
using Content = std::variant<QuickReply, ButtonResponse, OtherContent>;

// IncomingNormalizedMessage, the `message` of onMessage and echo.
struct IncomingMessage {
  std::string type = "Text";  // Text | Structured | Event | Message | Receipt
  std::optional<std::string> text;
  std::vector<Content> content;  // a Structured message's button responses
  std::vector<MessageEvent> events;
  StringMap metadata;
  std::optional<std::string> channel_message_id;
  // message.channel.metadata.customAttributes: the supported place for participant data.
  std::optional<StringMap> custom_attributes;
};

// ---- client → server -------------------------------------------------------------

struct RequestEnvelope {
  std::string token;
  std::optional<std::string> tracing_id;
};

struct ConfigureSession : RequestEnvelope {
  std::string deployment_id;
  bool start_new = false;
  std::optional<std::string> resume_token;
};
struct OnMessage : RequestEnvelope {
  IncomingMessage message;
  std::optional<std::string> time;
};
struct Echo : RequestEnvelope {
  IncomingMessage message;
};
struct CloseSession : RequestEnvelope {
  bool close_all_connections = false;
};

using ClientRequest = std::variant<ConfigureSession, OnMessage, Echo, CloseSession>;

const RequestEnvelope& envelope(const ClientRequest& request);
std::string_view action_name(const ClientRequest& request);

// What the server answers for a request it cannot take: a code and a text body.
struct RequestError {
  int code = 400;
  std::string message;
  std::optional<std::string> tracing_id;  // echoed when the request had a usable one
};

Result<ClientRequest, RequestError> parse_client_request(std::string_view text);
std::string serialize(const ClientRequest& request);

// Paths in an outgoing request that the server drops silently: unknown members, and
// custom attributes in the deprecated top-level `channel.metadata`.
std::vector<std::string> lint_client_request(std::string_view text);

// ---- server → client -------------------------------------------------------------

struct SessionResponse {
  bool connected = true;
  bool new_session = true;
  bool read_only = false;
  bool cleared_existing_session = false;
  std::vector<std::string> allowed_media;
  std::vector<std::string> blocked_extensions;
  std::int64_t max_custom_data_bytes = 2048;
  std::optional<std::int64_t> duration_seconds;
  std::optional<std::string> expiration_date;
  bool auto_started = false;
};

struct Participant {  // channel.from / channel.to
  std::string nickname;
  std::string id;
  std::string id_type;  // Opaque
  friend bool operator==(const Participant&, const Participant&) = default;
};

struct StructuredMessage {
  std::string id;
  std::string type = "Text";  // Text | Event | Structured
  std::optional<std::string> text;
  std::string direction = "Inbound";  // Inbound: from the guest, echoed; Outbound: agent or bot
  std::string channel_time;           // RFC 3339; orders messages the server sent out of order
  std::optional<std::string> channel_message_id;
  std::optional<Participant> from;
  std::optional<Participant> to;
  std::vector<Content> content;  // an Outbound Structured message's quick replies
  std::vector<MessageEvent> events;
  StringMap metadata;                             // correlationId: the id the platform gives the message's request
  std::optional<std::string> originating_entity;  // Bot | Human
};

struct ErrorText {  // class "string": an error (4xx/5xx) or a plain confirmation
  std::string text;
};
struct TooManyRequests {
  int error_code = error_code::kRateLimited;  // a JSON number, as the platform's clients model it
  std::string error_message;
  std::int64_t retry_after_seconds = 1;
};
struct SessionExpiredEvent {};
struct SessionClearedEvent {};
struct ConnectionClosedEvent {
  std::string reason_code;
};

using Body = std::variant<SessionResponse, StructuredMessage, ErrorText, TooManyRequests, SessionExpiredEvent,
                          SessionClearedEvent, ConnectionClosedEvent>;

// The envelope of everything the server sends.
struct ServerMessage {
  std::string type = "response";  // response (to a request) | message (pushed)
  int code = 200;
  std::optional<std::string> tracing_id;
  Body body;
};

std::string_view class_name(const Body& body);
Result<ServerMessage> parse_server_message(std::string_view text);
std::string serialize(const ServerMessage& message);

}  // namespace tracechat::protocol::web_messaging
