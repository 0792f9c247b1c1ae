// SessionCore: the chat session's state machine. It lives on one EventLoop and is
// touched only from that loop's thread, so it needs no locks of its own; the facade
// (chat_session.cpp) posts the caller's requests to it.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/token_bucket.h"
#include "dialect.h"
#include "endpoint.h"
#include "outgoing.h"
#include "session_shared.h"
#include "tracechat/net/event_loop.h"
#include "tracechat/net/websocket_client.h"
#include "tracechat/trace/tracer.h"

namespace tracechat::client {

class SessionCore : public std::enable_shared_from_this<SessionCore> {
 public:
  SessionCore(net::EventLoop& loop, ChatSessionConfig config, Endpoint endpoint, std::unique_ptr<WireDialect> dialect,
              std::shared_ptr<SessionShared> shared);
  ~SessionCore();

  // All of these run on the loop's thread.
  void start();
  void enqueue(std::uint64_t client_id, std::string text);
  void attributes_changed();
  void typing();
  void close();
  void abandon();  // the facade is going away: stop at once, no events

 private:
  enum class Pending { handshake, attach, attributes, message, ping, typing, leave };

  void start_session_span();
  void connect();
  void on_connected(std::uint64_t epoch, Result<std::shared_ptr<net::WebSocketClient>, net::ConnectFailure> result);
  void on_text(std::uint64_t epoch, std::string text);
  void on_closed(std::uint64_t epoch, const net::WebSocketClosed& closed);

  void handle(HandshakeDone& h);
  void handle(Accepted& a);
  void handle(Refused& r);
  void handle(Incoming& in);
  void handle(Membership& m);
  void handle(RemoteTyping& t);
  void handle(RemoteAttributes& a);
  void handle(Ended& e);
  void handle(Unreadable& u);

  void begin_attach();
  void finish_attach();
  void send_attributes();
  void pump();
  void message_done(bool delivered, const std::string& message_id, const std::string& error);
  std::string send_request(Request request, Pending kind);
  // A request with no span and no payload: ping, typing, leave.
  void send_plain(Request::Kind kind, Pending pending);
  void heartbeat(std::uint64_t epoch);

  bool accept_seq(const std::optional<std::int64_t>& seq);
  void schedule_reconnect(const std::string& cause);
  void fail(const std::string& cause);
  void finish_closed(const std::string& cause);
  void fail_queued(const std::string& why);
  void set_state(SessionState to, const std::string& cause = {});
  void publish();
  std::uint64_t next_number() { return ++request_number_; }
  std::chrono::milliseconds heartbeat_interval() const;

  net::EventLoop& loop_;
  ChatSessionConfig config_;
  Endpoint endpoint_;
  std::unique_ptr<WireDialect> dialect_;
  std::shared_ptr<SessionShared> shared_;
  std::unique_ptr<trace::TracerProvider> own_provider_;  // when the caller gave no tracer
  trace::Tracer tracer_;
  trace::Span session_span_;
  std::string messaging_system_;

  SessionState state_ = SessionState::idle;
  std::shared_ptr<net::WebSocketClient> ws_;
  std::uint64_t epoch_ = 0;  // connections so far; callbacks of older ones are ignored
  bool handshaken_once_ = false;
  bool context_attached_ = false;
  bool initial_applied_ = false;
  bool resumed_ = false;
  bool abandoned_ = false;
  bool close_requested_ = false;
  std::string close_cause_;  // why this side aborted the connection, for on_closed  // close() before the session was
                             // up, with messages waiting
  int attempts_ = 0;
  std::mt19937_64 jitter_{std::random_device{}()};

  std::string conversation_id_;
  std::string session_id_;
  std::string resume_token_;
  std::optional<std::int64_t> last_seq_;
  ServerLimits limits_;
  std::optional<TokenBucket> bucket_;

  std::uint64_t request_number_ = 0;
  std::unordered_map<std::string, Pending> pending_;
  std::string handshake_correlation_;
  std::optional<std::string> attach_correlation_;
  AttributeChanges attach_sent_;
  trace::Span attach_span_;
  std::optional<std::string> attributes_correlation_;
  AttributeChanges attributes_sent_;

  std::deque<Outgoing> queue_;
  std::optional<std::string> message_correlation_;  // the front is in flight
  bool waiting_retry_ = false;
  bool pump_timer_armed_ = false;
  bool leave_sent_ = false;
  // Own messages recently delivered, by traceparent: names the client id of the
  // server's copy, and drops a second copy.
  std::deque<std::pair<std::string, std::uint64_t>> delivered_;
  std::deque<std::string> shown_own_;

  std::chrono::steady_clock::time_point last_sent_;
  std::optional<std::chrono::steady_clock::time_point> ping_since_;
  std::uint64_t messages_sent_ = 0, messages_received_ = 0, rate_limit_waits_ = 0, reconnects_ = 0, duplicates_ = 0;
};

}  // namespace tracechat::client
