// One Web Messaging WebSocket connection: configureSession, onMessage (Text, Event:
// Presence Join/Disconnect/Clear, Typing) with custom attributes taken only from
// `message.channel.metadata.customAttributes`, echo, closeSession; the conversation's
// events rendered as StructuredMessages.
#pragma once

#include <memory>
#include <string>

#include "connection_log.h"
#include "platform.h"
#include "tracechat/net/websocket.h"
#include "tracechat/protocol/web_messaging.h"

namespace tracechat::emulator {

namespace wm = protocol::web_messaging;

class WebMessagingConnection final : public net::WebSocketHandler,
                                     public ConversationListener,
                                     public std::enable_shared_from_this<WebMessagingConnection> {
 public:
  WebMessagingConnection(Platform& platform, EventLog& log, std::string deployment_id);

  void on_open(std::weak_ptr<net::WebSocketChannel> channel) override;
  void on_text(std::string text) override;
  void on_binary(std::size_t bytes) override;
  void on_idle() override;
  void on_closed(std::string_view why) override;
  void on_event(const Event& event) override;
  void on_session_closed() override;

  void shut_down();

 private:
  void handle(const wm::ConfigureSession& request);
  void handle(const wm::OnMessage& request);
  void handle(const wm::Echo& request);
  void handle(const wm::CloseSession& request);
  void on_event_message(const wm::OnMessage& request);
  void send(const wm::ServerMessage& message);
  void send_error(int code, std::string text, const std::optional<std::string>& tracing_id);
  void send_error(const PlatformError& e, const std::optional<std::string>& tracing_id);
  wm::StructuredMessage render(const gc::MessageEvent& event) const;
  void close(net::CloseCode code, std::string reason_code);

  Platform& platform_;
  EventLog& log_;
  const std::string deployment_id_;
  std::weak_ptr<net::WebSocketChannel> channel_;
  std::string remote_;
  // Strand-only state.
  std::shared_ptr<Conversation> conversation_;
  std::string token_;
  std::string organization_id_;
  ConnectionCounters counters_;
  // Set and read under the conversation's lock: the guest message this connection just
  // sent, whose echo carries the request's tracingId.
  std::string echo_message_id_;
  std::optional<std::string> echo_tracing_id_;
};

}  // namespace tracechat::emulator
