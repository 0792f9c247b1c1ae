// ChatSession: the guest side of one chat conversation, with its trace context attached.
//
// Opening a session connects to the platform, performs the dialect's handshake and then,
// before anything else, attaches the session's trace context to the conversation as
// attributes, so that flows and Data Actions can continue the trace. Every later request
// carries its own span's context (guest-chat: `traceparent`; Web Messaging: `tracingId`).
//
// The session runs on a net::EventLoop (its own, unless one is passed in). Every public
// method is thread-safe and returns at once; what happens is reported as SessionEvents,
// either to a callback (run on the loop's thread: keep it short) or into a queue that a
// UI thread drains with poll_event(). Messages wait in a bounded queue paced by the
// server's rate limit; a full queue is an error from send(), never a silent drop.
// On a lost connection the session reconnects with capped exponential backoff, resumes
// the conversation and resends what the server had not acknowledged; the guest-chat
// dialect also replays the events missed, deduplicated by seq and by message.
//
// docs/client.md is the guide; this header is the reference.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tracechat/conventions.h"
#include "tracechat/net/tls.h"
#include "tracechat/result.h"
#include "tracechat/trace/span_context.h"
#include "tracechat/trace/tracer.h"

namespace tracechat::net {
class EventLoop;
}

namespace tracechat::client {

// The wire protocol. `automatic` picks it from the URL: `/v1/{org}/guest/{guest}/connect`
// is guest-chat, `/v1?deploymentId=` is Web Messaging.
enum class Dialect { automatic, guest_chat, web_messaging };
const char* to_string(Dialect dialect) noexcept;

// idle → connecting → handshaking → attaching_context → active ⇄ reconnecting → closing →
// closed; failed from anywhere, with the cause. reconnecting goes back through
// handshaking and attaching_context (which sends only what changed, or a ping).
enum class SessionState {
  idle,
  connecting,
  handshaking,
  attaching_context,
  active,
  reconnecting,
  closing,
  closed,
  failed
};
const char* to_string(SessionState state) noexcept;

struct TraceOptions {
  // Where spans go. A default Tracer records nothing: the session then makes its own
  // non-recording ids, so the context still propagates.
  trace::Tracer tracer;
  // Continue this trace (the chat.session span becomes its child); invalid: a new trace.
  trace::SpanContext parent;
  // The attribute names the context is attached under.
  std::string trace_id_key = std::string(conventions::kTraceIdAttribute);
  std::string span_id_key = std::string(conventions::kSpanIdAttribute);
  std::string traceparent_key = std::string(conventions::kTraceparentAttribute);
  // Set only when `parent` came with a tracestate.
  std::string tracestate_key = std::string(conventions::kTracestateAttribute);
  // Per-message mode (the context sent again with every message): before each message the
  // span-id and traceparent attributes are moved to that message's span, so a flow run
  // by the message continues from it. Only the changed keys are sent (guest-chat: a
  // set-attributes just before the message; Web Messaging: on the message itself).
  bool per_message_context = false;
  // A consumer span per message received from another member (else a span event).
  bool receive_spans = true;
  // Record each message's text on its span (chat.message.text), for the explorer's
  // transcript. Off by default: what a guest writes may be personal data, and a trace
  // store is rarely the place its retention and access rules were made for.
  bool record_message_text = false;
};

struct AttributeOptions {
  // The caller's own attributes, attached together with the trace context.
  std::map<std::string, std::string> initial;
  // Run the codec's lint on every outgoing frame and report what the server would drop
  // as a warning event. On by default in debug builds.
#ifdef NDEBUG
  bool lint = false;
#else
  bool lint = true;
#endif
  // Web Messaging advertises only the total (maxCustomDataBytes); the value length and
  // key count it keeps are set here. guest-chat takes all three from `connected.limits`.
  std::size_t web_messaging_max_value_chars = 256;
  std::size_t web_messaging_max_attributes = 50;
};

// Web Messaging: whether the deployment auto-starts conversations (docs/client.md,
// "Auto-start"). A Presence Join starts a conversation — routed to a flow, perhaps queued
// for an agent — so the context rides on one right after configureSession only when the
// deployment auto-starts; otherwise it goes with the guest's first message, and a guest
// who never types starts nothing. `from_deployment` reads
// messenger.apps.conversations.autoStart.enabled from the deployment's config.json.
enum class AutoStart { from_deployment, on, off };
const char* to_string(AutoStart auto_start) noexcept;

// When the session's trace context reaches the conversation.
enum class ContextTiming {
  after_handshake,  // guest-chat; Web Messaging with auto-start (on the Presence Join)
  first_message,    // Web Messaging without auto-start: on the guest's first message
};
const char* to_string(ContextTiming timing) noexcept;

struct ReconnectOptions {
  bool enabled = true;
  std::chrono::milliseconds initial_delay{250};
  std::chrono::milliseconds max_delay{10000};
  int max_attempts = 10;  // consecutive failed attempts before the session fails
};

struct ChatSessionConfig {
  std::string url;  // ws:// or wss:// (http/https are taken as ws/wss)
  Dialect dialect = Dialect::automatic;
  // The Origin header of the WebSocket upgrade, scheme://host[:port]. A deployment that
  // restricts its allowed domains refuses (403) an origin it does not list. Empty:
  // `https://` + the URL's host, as Genesys's mobile SDK sends.
  std::string origin;
  std::string display_name = "Guest";
  net::TlsOptions tls;  // verification on; tls.ca_file adds a trusted CA
  TraceOptions trace;
  AttributeOptions attributes;
  ReconnectOptions reconnect;
  std::size_t max_queued_messages = 256;   // waiting or in flight; send() fails beyond it
  std::size_t max_pending_events = 65536;  // poll mode only: the oldest are dropped and counted beyond it
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds handshake_timeout{10000};
  // An idle connection sends a ping (guest-chat) / echo (Web Messaging) after this long;
  // guest-chat uses at most a third of the server's idleTimeoutSeconds. A heartbeat
  // unanswered for two intervals counts as a lost connection.
  std::chrono::milliseconds heartbeat_interval{30000};
  // close(): how long the queue may take to drain before the session leaves anyway.
  std::chrono::milliseconds close_timeout{10000};
  // Web Messaging: the session token; empty makes a new one (a UUID). Reusing a token
  // resumes that session. Rate and burst of the onMessage limit (documented 2/s).
  std::string web_messaging_token;
  double web_messaging_messages_per_second = 2;
  double web_messaging_burst = 1;
  // Web Messaging: `echo`, the heartbeat, is itself limited (about 2 per minute per
  // connection): the heartbeat interval is at least 110% of 60 s / this.
  double web_messaging_echo_per_minute = 2;
  AutoStart web_messaging_auto_start = AutoStart::from_deployment;
  // Where from_deployment reads the deployment's config.json. Empty: from
  // https://api-cdn.<domain> for a wss://webmessaging.<domain> URL, otherwise from the
  // WebSocket URL's own host (http for ws, https for wss), as the emulator serves it.
  // open() waits for the answer, up to connect_timeout; when there is none, the session
  // goes on without auto-start (a warning says why), the choice that starts nothing.
  std::string deployment_config_url;
};

// ---- events -------------------------------------------------------------------------

// A button a bot offers with its message (a Web Messaging quick reply). Answer one with
// ChatSession::send_quick_reply.
struct QuickReply {
  std::string text;     // the label
  std::string payload;  // what the bot gets back
  friend bool operator==(const QuickReply&, const QuickReply&) = default;
};

struct StateChanged {
  SessionState from = SessionState::idle;
  SessionState to = SessionState::idle;
  std::string cause;  // why, for reconnecting and failed (and a note otherwise)
};

// The handshake is done (again, after a reconnect).
struct Connected {
  std::string conversation_id;  // guest-chat; Web Messaging does not show it to guests
  // guest-chat: the member id. Web Messaging: the first 8 characters of the session
  // token — the token itself lets anyone resume the session, so it is never shown.
  std::string session_id;
  bool resumed = false;
  std::string trace_id;  // hex
  ContextTiming context_timing = ContextTiming::after_handshake;
};

// The trace context and the caller's attributes are on the conversation.
struct ContextAttached {
  std::map<std::string, std::string> attributes;  // what was sent
  std::vector<std::string> truncated;             // keys the server shortened (never the context's)
};

struct MessageReceived {
  std::string message_id;
  std::optional<std::int64_t> seq;  // guest-chat
  std::string sender_role;          // guest, agent, bot, system
  std::string sender_name;
  std::string body;
  bool own = false;                        // this session's own message, as the server stored it
  std::optional<std::uint64_t> client_id;  // for an own message: what send() returned
  std::optional<std::string> traceparent;  // the sender's context, when it gave one
  std::vector<QuickReply> quick_replies;   // Web Messaging: the buttons offered with it
  std::optional<std::string> payload;      // an own button response: the payload it sent
};

struct MessageDelivered {
  std::uint64_t client_id = 0;
  std::string message_id;  // the server's id
};

struct MessageFailed {
  std::uint64_t client_id = 0;
  std::string error;  // the server's refusal, or why it was never sent
};

struct MemberChanged {
  bool joined = true;
  std::string role;
  std::string display_name;
};

struct TypingSeen {
  std::string member;
};

struct AttributesChanged {  // guest-chat: the conversation's attributes, after any change
  std::map<std::string, std::string> attributes;
  std::vector<std::string> changed;
};

struct RateLimited {
  std::chrono::milliseconds retry_after{0};
  std::size_t queued = 0;
};

// Something the session could not do but went on without: the context would have
// been truncated, the lint found a dropped field, a caller attribute was refused...
struct Warning {
  std::string code;  // context-not-attached, attribute-rejected, lint, resume-refused, ...
  std::string message;
};

struct ConversationEnded {
  std::string reason;  // guest-left, agent-ended, idle-timeout, session-cleared, ...
};

using SessionEvent =
    std::variant<StateChanged, Connected, ContextAttached, MessageReceived, MessageDelivered, MessageFailed,
                 MemberChanged, TypingSeen, AttributesChanged, RateLimited, Warning, ConversationEnded>;

// A one-line human description of an event (what `tracechat chat` prints).
std::string describe(const SessionEvent& event);

// A snapshot for a status line.
struct SessionInfo {
  SessionState state = SessionState::idle;
  Dialect dialect = Dialect::automatic;
  std::string conversation_id;
  std::string session_id;  // as in Connected
  std::string trace_id;
  std::string traceparent;  // of the chat.session span
  std::size_t queued_messages = 0;
  std::uint64_t messages_sent = 0;      // acknowledged by the server
  std::uint64_t messages_received = 0;  // from other members
  std::uint64_t rate_limit_waits = 0;   // 429s and waits for the local bucket's token
  std::uint64_t reconnects = 0;
  std::uint64_t duplicates_dropped = 0;                           // replayed or repeated events not shown twice
  std::uint64_t events_dropped = 0;                               // poll mode: events the UI did not take in time
  std::string failure;                                            // set in state failed
  ContextTiming context_timing = ContextTiming::after_handshake;  // known from the first handshake
  // The buttons of the last message from another member that offered any, until the guest
  // sends something.
  std::vector<QuickReply> quick_replies;
};

using EventCallback = std::function<void(const SessionEvent& event)>;

class SessionCore;
class SessionShared;

class ChatSession {
 public:
  // Validates the config (URL, dialect, ids) and starts connecting. Events go to
  // `on_event` on the loop's thread, or, when it is empty, to the queue poll_event() reads.
  // Web Messaging with AutoStart::from_deployment first reads the deployment's
  // config.json on the calling thread: open() then blocks for up to connect_timeout, so
  // call it off the loop's thread, or set web_messaging_auto_start to on or off.
  // `loop`: run on this loop (which must outlive the session) instead of an own one.
  static Result<std::unique_ptr<ChatSession>> open(ChatSessionConfig config, EventCallback on_event = {},
                                                   net::EventLoop* loop = nullptr);
  ~ChatSession();  // leaves at once (no drain); the conversation stays open for a resume
  ChatSession(const ChatSession&) = delete;
  ChatSession& operator=(const ChatSession&) = delete;

  // Queues a message; returns its client id (MessageDelivered/MessageFailed/MessageReceived
  // name it). Errors: empty or too long, queue full, session closed or failed.
  Result<std::uint64_t> send(std::string text);
  // Answers a quick reply: a Web Messaging button response carrying its text and payload,
  // queued and paced like any message. guest-chat has no buttons: the text is sent.
  Result<std::uint64_t> send_quick_reply(QuickReply reply);
  // Sets (a value) or deletes (nullopt) conversation attributes. Checked here against
  // the key syntax and the server's limits; an error names the first bad key and
  // nothing is changed. Only what differs from the server's state is sent.
  Result<void> set_attributes(const std::map<std::string, std::optional<std::string>>& changes);
  // Tells the other side the guest is typing (skipped when the rate limit has no room).
  void typing();
  // Drains the queue (up to close_timeout), ends the conversation and closes.
  void close();

  // Poll mode: the next event, waiting up to `timeout`.
  std::optional<SessionEvent> poll_event(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  // Blocks until the state is one of closed/failed, or `timeout`. True when it is.
  bool wait_finished(std::chrono::milliseconds timeout);

  SessionState state() const;
  SessionInfo info() const;
  trace::SpanContext context() const;  // the chat.session span's

 private:
  ChatSession(std::unique_ptr<net::EventLoop> own_loop, net::EventLoop& loop, std::shared_ptr<SessionShared> shared,
              std::shared_ptr<SessionCore> core);

  std::unique_ptr<net::EventLoop> own_loop_;
  net::EventLoop& loop_;
  std::shared_ptr<SessionShared> shared_;
  std::shared_ptr<SessionCore> core_;
};

}  // namespace tracechat::client
