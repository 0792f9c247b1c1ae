// One guest-chat WebSocket connection (guest-chat-v1): the connect handshake, the
// commands, the frame-size and idle rules, and the conversation's events on the way out.
#pragma once

#include <memory>
#include <string>

#include "connection_log.h"
#include "platform.h"
#include "tracechat/net/websocket.h"

namespace tracechat::emulator {

class GuestChatConnection final : public net::WebSocketHandler,
                                  public ConversationListener,
                                  public std::enable_shared_from_this<GuestChatConnection> {
 public:
  GuestChatConnection(Platform& platform, EventLog& log, std::string organization_id, std::string guest_id,
                      std::string deployment_id);

  void on_open(std::weak_ptr<net::WebSocketChannel> channel) override;
  void on_text(std::string text) override;
  void on_binary(std::size_t bytes) override;
  void on_idle() override;
  void on_closed(std::string_view why) override;
  void on_event(const Conversation& c, const Event& event, const MessageContent& content) override;

  // Server shutdown: a final `disconnected` (server-shutdown), then close 1001.
  void shut_down();

 private:
  void handle(gc::Connect& frame);
  void handle(gc::SetAttributes& frame);
  void handle(gc::SendMessage& frame);
  void handle(gc::Typing& frame);
  void handle(gc::Ping& frame);
  void handle(gc::Disconnect& frame);
  void send(const gc::ServerFrame& frame);
  void send_error(std::optional<std::string> request_id, int code, std::string error, std::string message,
                  std::optional<std::int64_t> retry_after_ms = std::nullopt);
  void send_error(const std::string& request_id, const PlatformError& e);

  Platform& platform_;
  EventLog& log_;
  const std::string organization_id_;
  const std::string guest_id_;
  const std::string deployment_id_;
  std::weak_ptr<net::WebSocketChannel> channel_;
  std::string remote_;
  // Touched only on the connection's strand (the WebSocketHandler calls).
  std::shared_ptr<Conversation> conversation_;
  ConnectionCounters counters_;
};

}  // namespace tracechat::emulator
