// WebSocketClient: one outgoing WebSocket (ws:// or wss://) on an EventLoop. TLS
// verifies the server's certificate and host name unless TlsOptions says otherwise.
// Callbacks run on the loop's thread; send() and close() may be called from any thread.
// The loop must outlive its clients, and what the callbacks refer to must outlive the
// connection (until on_closed).
// It is the transport under the chat client; Beast stays in the .cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tracechat/net/event_loop.h"
#include "tracechat/net/http.h"
#include "tracechat/net/tls.h"
#include "tracechat/net/url.h"
#include "tracechat/net/websocket.h"
#include "tracechat/result.h"

namespace tracechat::net {

struct WebSocketClientOptions {
  TlsOptions tls;
  // Resolve, TCP connect, TLS and the upgrade together.
  std::chrono::milliseconds connect_timeout{10000};
  std::size_t max_message_bytes = 4 * 1024 * 1024;
  std::size_t max_queued_bytes = 8 * 1024 * 1024;  // send() past this fails the connection
  std::vector<HttpHeader> headers;                 // extra upgrade request headers (Origin, ...)
};

struct WebSocketClosed {
  int code = 0;        // the server's close code; 0 when the connection was lost without one
  std::string reason;  // its close reason, or what went wrong
};

struct WebSocketClientCallbacks {
  std::function<void(std::string text)> on_text;
  std::function<void(const WebSocketClosed& closed)> on_closed;  // once, after a successful connect
};

struct ConnectFailure {
  std::string message;
  int http_status = 0;  // the status of a refused upgrade (400, 404, ...), else 0
};

class WebSocketClient {
 public:
  // Starts connecting `url` (ws, wss; http(s) are taken as their WebSocket twins).
  // `on_connected` runs on the loop once: with the client, or with why it failed.
  using ConnectedCallback = std::function<void(Result<std::shared_ptr<WebSocketClient>, ConnectFailure>)>;
  static void connect(EventLoop& loop, const Url& url, WebSocketClientOptions options,
                      WebSocketClientCallbacks callbacks, ConnectedCallback on_connected);

  virtual ~WebSocketClient() = default;
  virtual void send(std::string text) = 0;
  // A close frame after the queued frames; on_closed follows when the server answers.
  virtual void close(CloseCode code, std::string reason = {}) = 0;
  // Drops the TCP connection with no close frame, as a network failure would.
  virtual void abort() = 0;
};

}  // namespace tracechat::net
