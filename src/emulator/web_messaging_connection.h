// One Web Messaging WebSocket connection: configureSession (joins the token's session),
// onMessage (Text, a Structured button response, Event: Presence Join/Disconnect/Clear,
// Typing) with custom attributes taken only from
// `message.channel.metadata.customAttributes`, echo (rate-limited per connection),
// closeSession; the conversation's events rendered as StructuredMessages. The session's
// conversation starts with its first onMessage that is a Join or a message
// (web_messaging_sessions.h).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/token_bucket.h"
#include "connection_log.h"
#include "platform.h"
#include "tracechat/net/websocket.h"
#include "tracechat/protocol/web_messaging.h"
#include "web_messaging_sessions.h"

namespace tracechat::emulator {

namespace wm = protocol::web_messaging;

class WebMessagingConnection final : public net::WebSocketHandler,
                                     public SessionConnection,
                                     public std::enable_shared_from_this<WebMessagingConnection> {
 public:
  WebMessagingConnection(Platform& platform, WebMessagingSessions& sessions, EventLog& log, std::string deployment_id);

  void on_open(std::weak_ptr<net::WebSocketChannel> channel) override;
  void on_text(std::string text) override;
  void on_binary(std::size_t bytes) override;
  void on_idle() override;
  void on_closed(std::string_view why) override;
  void on_event(const Conversation& c, const Event& event, const MessageContent& content) override;
  void close_connection(std::string reason_code) override;

  void shut_down();

 private:
  void dispatch(const wm::ClientRequest& request);
  void handle(const wm::ConfigureSession& request);
  void handle(const wm::OnMessage& request);
  void handle(const wm::Echo& request);
  void handle(const wm::CloseSession& request);
  // The session's conversation for this onMessage, with the message's custom attributes
  // applied: started now when the message starts one and what it carries passes the
  // platform's rules. Null when the message needs none and the session has none.
  Result<std::shared_ptr<Conversation>, PlatformError> conversation_for(const wm::OnMessage& request);
  void post_message(const wm::OnMessage& request, const std::shared_ptr<Conversation>& c);
  void on_event_message(const wm::OnMessage& request, const std::shared_ptr<Conversation>& c);
  void send(const wm::ServerMessage& message);
  void send_error(int code, std::string text, const std::optional<std::string>& tracing_id);
  void send_error(const PlatformError& e, const std::optional<std::string>& tracing_id);
  void close(net::CloseCode code, std::string reason_code);

  Platform& platform_;
  WebMessagingSessions& sessions_;
  EventLog& log_;
  const std::string deployment_id_;
  std::weak_ptr<net::WebSocketChannel> channel_;
  std::string remote_;
  // Strand-only state.
  std::shared_ptr<WebMessagingSession> session_;  // set by configureSession
  TokenBucket echo_bucket_;
  ConnectionCounters counters_;
  // Set and read under the conversation's lock: the guest message this connection just
  // sent, whose echo carries the request's tracingId.
  std::string echo_message_id_;
  std::optional<std::string> echo_tracing_id_;
};

}  // namespace tracechat::emulator
