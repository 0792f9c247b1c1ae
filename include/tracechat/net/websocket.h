// Server-side WebSocket connections, accepted by HttpServer when a request asks to
// upgrade. The application sees two small interfaces, so Boost.Beast stays in the .cpp:
// a WebSocketChannel to send on, and a WebSocketHandler that receives.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "tracechat/net/http.h"

namespace tracechat::net {

// RFC 6455 close codes the servers use.
enum class CloseCode : std::uint16_t {
  normal = 1000,
  going_away = 1001,
  policy = 1008,
  too_big = 1009,
  internal_error = 1011,
};

// One open connection, the sending side. Thread-safe: frames are queued and written in
// the order send() was called, from any thread.
class WebSocketChannel {
 public:
  virtual ~WebSocketChannel() = default;
  virtual void send(std::string text) = 0;
  // Sends the close frame after every frame already queued.
  virtual void close(CloseCode code, std::string reason = {}) = 0;
  virtual const std::string& remote_address() const = 0;
};

// The receiving side, one per connection. Calls arrive one at a time, never concurrently,
// on the connection's strand; they must not block.
class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;
  // The channel is handed over weakly: the connection owns its handler, not the reverse.
  virtual void on_open(std::weak_ptr<WebSocketChannel> channel) = 0;
  virtual void on_text(std::string text) = 0;
  virtual void on_binary(std::size_t bytes) = 0;
  // Nothing was received for WebSocketOptions::idle_timeout.
  virtual void on_idle() = 0;
  // The connection is gone (closed by either side, reset, or too big a frame).
  virtual void on_closed(std::string_view why) = 0;
};

struct WebSocketOptions {
  // A message larger than this fails the connection with close code 1009.
  std::size_t max_message_bytes = 4 * 65536;
  std::chrono::seconds idle_timeout{0};  // 0: never
  // Frames queued for a peer that does not read; past this the connection is closed
  // with 1008 rather than letting one slow client take the server's memory.
  std::size_t max_queued_bytes = 8 * 1024 * 1024;
};

struct WebSocketAccept {
  std::shared_ptr<WebSocketHandler> handler;
  WebSocketOptions options;
};

// Decides on an upgrade request: accept it with a handler, or refuse it with an HTTP
// response (400, 404, ...) sent before the upgrade.
using WebSocketUpgrade = std::function<std::variant<WebSocketAccept, HttpResponse>(const HttpRequest&)>;

}  // namespace tracechat::net
