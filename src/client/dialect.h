// A dialect turns the session's requests into one wire protocol's frames and that
// protocol's server frames back into WireEvents, so the session's state machine
// (session_core.cpp) is written once for both. One implementation per protocol:
// guest_chat_dialect.cpp and web_messaging_dialect.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "attribute_state.h"
#include "endpoint.h"

namespace tracechat::client {

// What the server allows, as far as the dialect tells.
struct ServerLimits {
  AttributeLimits attributes;
  std::size_t max_message_chars = 4096;
  double messages_per_second = 2;
  double message_burst = 1;
  std::chrono::seconds idle_timeout{0};                 // 0: not advertised
  std::chrono::milliseconds min_heartbeat_interval{0};  // Web Messaging: what the echo rate allows
};

// ---- what the session asks for --------------------------------------------------------
// `correlation` is what the server's answer will carry back: the guest-chat requestId, or
// the Web Messaging tracingId. `traceparent` is the request's own span context.
struct Request {
  enum class Kind { handshake, attach, message, ping, typing, leave };
  Kind kind = Kind::ping;
  std::string correlation;
  std::string traceparent;                     // may be empty (ping)
  std::string text;                            // message
  std::optional<std::string> payload;          // message: a quick reply's answer (Web Messaging)
  AttributeChanges attributes;                 // attach; message (Web Messaging carries them along)
  std::string display_name;                    // handshake
  std::string resume_token;                    // handshake; empty: a new conversation
  std::optional<std::int64_t> last_event_seq;  // handshake
};

// ---- what the server said ---------------------------------------------------------------
struct HandshakeDone {
  std::string conversation_id;
  std::string session_id;
  std::string resume_token;
  bool resumed = false;
  bool read_only = false;
  ServerLimits limits;
};
// The answer to a request: message stored, attributes set, pong, ack.
struct Accepted {
  std::string correlation;
  std::string message_id;
  std::optional<std::map<std::string, std::string>> attributes;  // guest-chat: all stored now
  std::vector<std::string> truncated;
};
struct Refused {
  std::optional<std::string> correlation;
  int code = 400;
  std::string error;  // slug or text
  std::optional<std::chrono::milliseconds> retry_after;
};
struct Incoming {
  std::string message_id;
  std::optional<std::int64_t> seq;
  std::string sender_id;
  std::string sender_role;
  std::string sender_name;
  std::string body;
  bool own = false;  // the dialect knows (Web Messaging: Inbound); else the core compares sender_id
  std::optional<std::string> correlation;  // own messages: the request's (Web Messaging echo)
  std::optional<std::string> traceparent;
  std::vector<QuickReply> quick_replies;  // Web Messaging: buttons offered with the message
  std::optional<std::string> payload;     // an own button response's payload
};
struct Membership {
  std::optional<std::int64_t> seq;
  bool joined = true;
  std::string role;
  std::string display_name;
};
struct RemoteTyping {
  std::optional<std::int64_t> seq;
  std::string member;
};
struct RemoteAttributes {
  std::optional<std::int64_t> seq;
  std::map<std::string, std::string> attributes;
  std::vector<std::string> changed;
};
// The conversation is over (conversation_over) or only this connection is (the session
// may resume it).
struct Ended {
  std::optional<std::int64_t> seq;
  std::optional<std::string> correlation;  // a reply to our leave request
  std::string reason;
  bool conversation_over = true;
  // This connection was closed because another one of the same session took its place
  // (Web Messaging's connection limit): reconnecting would only close another in turn.
  bool displaced = false;
};
struct Unreadable {
  std::string error;
};

using WireEvent = std::variant<HandshakeDone, Accepted, Refused, Incoming, Membership, RemoteTyping, RemoteAttributes,
                               Ended, Unreadable>;

class WireDialect {
 public:
  virtual ~WireDialect() = default;
  virtual Dialect kind() const = 0;
  // A correlation for a request: guest-chat numbers requests; Web Messaging uses the
  // request's traceparent as its tracingId when it has one.
  virtual std::string correlation(std::uint64_t number, const std::string& traceparent) const = 0;
  virtual std::string render(const Request& request) const = 0;
  // What the codec's lint says the server would drop from `frame` (paths).
  virtual std::vector<std::string> lint(std::string_view frame) const = 0;
  virtual void parse(std::string_view frame, std::vector<WireEvent>& out) const = 0;
  // Web Messaging has no request for attributes alone: they travel on messages.
  virtual bool attributes_ride_on_messages() const = 0;
};

std::unique_ptr<WireDialect> make_guest_chat_dialect();
std::unique_ptr<WireDialect> make_web_messaging_dialect(const Endpoint& endpoint, const ChatSessionConfig& config);

}  // namespace tracechat::client
