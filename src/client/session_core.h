// SessionCore: the chat session's state machine — the connection's lifecycle (connect,
// handshake, reconnect, close, fail) and the routing of the server's answers to the part
// that sent the request. The parts keep their own state: OutgoingQueue the messages,
// ContextAttachment the request after the handshake, AttributeSync later attribute
// changes, Heartbeat the idle connection, Backoff the reconnect delays.
//
// Threads: SessionCore lives on one EventLoop and is touched only from that loop's thread
// (the facade, chat_session.cpp, posts the caller's requests to it), and so are its parts:
// none of them has a lock of its own. The one object shared with the callers' threads is
// SessionShared, whose mutex only its own methods take (the attribute state is reached
// through SessionShared::with_attributes, which holds it while a short function runs);
// nothing emits an event, sends or ends a span while it is held.
#pragma once

#include <boost/container/flat_map.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "attribute_sync.h"
#include "backoff.h"
#include "context_attachment.h"
#include "dialect.h"
#include "endpoint.h"
#include "heartbeat.h"
#include "outgoing.h"
#include "session_shared.h"
#include "tracechat/net/event_loop.h"
#include "tracechat/net/websocket_client.h"
#include "tracechat/trace/tracer.h"

namespace tracechat::client {

// What a session needs of its ChatSessionConfig after open(). The rest is not kept: the
// URL (the endpoint holds it, parsed), the dialect's and the deployment's settings (the
// dialect and SessionShared took theirs), the heartbeat interval (Heartbeat has it) — a
// load run holds thousands of sessions.
struct SessionSettings {
  explicit SessionSettings(const ChatSessionConfig& config)
      : display_name(config.display_name),
        tls(config.tls),
        trace(config.trace),
        initial_attributes(config.attributes.initial),
        lint_attributes(config.attributes.lint),
        reconnect(config.reconnect),
        connect_timeout(config.connect_timeout),
        handshake_timeout(config.handshake_timeout),
        close_timeout(config.close_timeout) {}
  std::string display_name;
  net::TlsOptions tls;
  TraceOptions trace;
  std::map<std::string, std::string> initial_attributes;
  bool lint_attributes;
  ReconnectOptions reconnect;
  std::chrono::milliseconds connect_timeout;
  std::chrono::milliseconds handshake_timeout;
  std::chrono::milliseconds close_timeout;
};

class SessionCore : public std::enable_shared_from_this<SessionCore> {
 public:
  SessionCore(net::EventLoop& loop, const ChatSessionConfig& config, Endpoint endpoint,
              std::unique_ptr<WireDialect> dialect, std::shared_ptr<SessionShared> shared);
  ~SessionCore();

  // All of these run on the loop's thread.
  void start();
  void enqueue(std::uint64_t client_id, std::string text, std::optional<std::string> payload);
  void attributes_changed();
  void typing();
  void close();
  void abandon();  // the facade is going away: stop at once, no events

 private:
  // What a request in flight was, by its correlation.
  enum class Pending { handshake, attach, attributes, message, ping, typing, leave };

  // ---- lifecycle (session_core.cpp) ----
  void start_session_span();
  void connect();
  void on_connected(std::uint64_t epoch, Result<std::shared_ptr<net::WebSocketClient>, net::ConnectFailure> result);
  void connect_failed(const net::ConnectFailure& failure);
  void send_handshake();
  void on_closed(std::uint64_t epoch, const net::WebSocketClosed& closed);
  void schedule_reconnect(const std::string& cause);
  void close_timed_out();
  void fail(const std::string& cause);
  void finish_closed(const std::string& cause);
  void drop_connection(bool gracefully);
  void set_state(SessionState to, const std::string& cause = {});
  bool over() const { return state_ == SessionState::closed || state_ == SessionState::failed; }
  void publish() { shared_->publish(stats_); }
  // Runs `task` on the loop after `delay` if the session still exists; the second form
  // only if the connection is still the one of now.
  void after(std::chrono::milliseconds delay, std::function<void(SessionCore&)> task);
  void after_on_this_connection(std::chrono::milliseconds delay, void (*task)(SessionCore&));

  // ---- requests (session_requests.cpp) ----
  std::string send_request(Request request, Pending kind);
  // Numbers `request` (the dialect makes the correlation) and sends it.
  std::string send_numbered(Request request, Pending kind);
  void send_plain(Request::Kind kind, Pending pending);  // no span, no payload: ping, typing
  void send_leave();
  void begin_attach();
  void finish_attach(const std::string& cause = {});
  void send_attributes();
  void pump();
  void send_front();
  void message_done(bool delivered, const std::string& message_id, const std::string& error);
  void fail_queued(const std::string& why);
  void heartbeat();
  std::uint64_t next_number() { return ++request_number_; }
  // messaging.destination.name: Web Messaging shows guests no conversation id.
  const std::string& destination() const { return conversation_id_.empty() ? session_id_ : conversation_id_; }

  // ---- what the server says (session_events.cpp) ----
  void on_text(std::uint64_t epoch, std::string text);
  void handle(HandshakeDone& h);
  void handle(Accepted& a);
  void handle(Refused& r);
  std::optional<Pending> take_pending(const std::string& correlation);
  void handle(Incoming& in);
  void handle(Membership& m);
  void handle(RemoteTyping& t);
  void handle(RemoteAttributes& a);
  void handle(Ended& e);
  void handle(Unreadable& u);
  void take_limits(const ServerLimits& limits);
  void handshake_refused(const Refused& r);
  void rate_limited(const Refused& r);
  void record_received(const Incoming& in, std::size_t body_size);
  bool accept_seq(const std::optional<std::int64_t>& seq);

  // The session, for its whole life.
  net::EventLoop& loop_;
  const SessionSettings config_;
  const Endpoint endpoint_;
  const std::unique_ptr<WireDialect> dialect_;
  const std::shared_ptr<SessionShared> shared_;
  trace::Tracer tracer_;
  trace::Span session_span_;
  const char* messaging_system_ = "";
  SessionState state_ = SessionState::idle;
  SessionStats stats_;

  // The connection and the conversation.
  std::shared_ptr<net::WebSocketClient> ws_;
  std::uint64_t epoch_ = 0;  // connections so far; callbacks of older ones are ignored
  bool handshaken_once_ = false;
  bool resumed_ = false;
  bool abandoned_ = false;
  bool close_requested_ = false;  // close() before the session was up, with messages waiting
  bool leave_sent_ = false;
  std::string close_cause_;  // why this side aborted the connection, for on_closed
  Backoff backoff_;
  std::string conversation_id_;
  std::string session_id_;
  std::string resume_token_;
  std::optional<std::int64_t> last_seq_;
  // Web Messaging without auto-start: the context waits for the guest's first message,
  // and until one went out nothing may start a conversation (no Join, typing or leave).
  const ContextTiming context_timing_;
  bool conversation_started_ = false;
  ServerLimits limits_;

  // Requests, and the parts that make them.
  std::uint64_t request_number_ = 0;
  // Requests awaiting an answer, by correlation: a few at most, and none while idle, when
  // a sorted vector holds no memory (a hash map keeps its bucket array).
  boost::container::flat_map<std::string, Pending> pending_;
  std::string handshake_correlation_;
  ContextAttachment context_;
  AttributeSync attributes_;
  OutgoingQueue outgoing_;
  Heartbeat heartbeat_;
};

}  // namespace tracechat::client
