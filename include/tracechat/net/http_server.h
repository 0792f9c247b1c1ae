// HttpServer: an HTTP/1.1 server on Boost.Asio/Beast, one async state machine per
// connection, keep-alive, a request body limit (413 past it) and an idle timeout.
// Handlers run on the server's I/O threads and must not block for long.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "tracechat/net/http.h"
#include "tracechat/net/websocket.h"
#include "tracechat/result.h"

namespace tracechat::net {

struct HttpServerOptions {
  std::string address = "127.0.0.1";  // loopback unless told otherwise
  std::uint16_t port = 0;             // 0: any free port (see HttpServer::port())
  std::size_t body_limit = 4 * 1024 * 1024;
  std::chrono::seconds idle_timeout{60};
  unsigned threads = 1;
  // HTTPS when both are set (PEM files); plain HTTP otherwise.
  std::string tls_cert_file;
  std::string tls_key_file;
};

using HttpHandler = std::function<HttpResponse(HttpRequest&)>;

class HttpServer {
 public:
  // With `upgrade`, WebSocket upgrade requests go to it instead of `handler`.
  HttpServer(HttpServerOptions options, HttpHandler handler, WebSocketUpgrade upgrade = nullptr);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the I/O threads. Errors name the address (or the
  // certificate file that could not be loaded).
  Result<void> start();
  void stop();
  std::uint16_t port() const noexcept;
  std::string url() const;  // http(s)://address:port

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracechat::net
