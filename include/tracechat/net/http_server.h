// HttpServer: an HTTP/1.1 server on Boost.Asio/Beast, one async state machine per
// connection, keep-alive, a request body limit (413 past it) and an idle timeout.
// Handlers run on the server's I/O threads and must not block for long.
//
// Out of descriptors, it keeps serving: when accept(2) fails because the process or the
// system has no file descriptor left (EMFILE, ENFILE) or the kernel no memory for a
// socket (ENOBUFS, ENOMEM), the connection stays in the listen backlog and the server
// stops accepting for accept_backoff, doubling on each failure up to
// accept_backoff_max, instead of retrying at once in a loop. The connections already
// open are served meanwhile, and the waiting ones are accepted as descriptors free up.
// Another error that repeats (more than a few in a row) is backed off the same way.
// One log line when an episode begins (the error and the RLIMIT_NOFILE soft limit), one
// when accepting works again.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
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
  // The pause after an accept that failed for want of descriptors or memory; it doubles
  // on each failure in a row, up to accept_backoff_max, and starts over after an accept.
  std::chrono::milliseconds accept_backoff{50};
  std::chrono::milliseconds accept_backoff_max{1000};
  // Where the server's own log lines go (logfmt, `level=warn component=http-server
  // event=accept-paused ...`); nullptr: nowhere.
  std::FILE* log = stderr;
};

// What the accept loop has done since start(); read from any thread.
struct HttpServerStats {
  std::uint64_t accept_attempts = 0;  // accept operations that completed: accepted + accept_failures
  std::uint64_t accepted = 0;         // connections accepted and handed to a session
  std::uint64_t accept_failures = 0;  // accepts that failed (EMFILE and the like)
  std::uint64_t accept_pauses = 0;    // episodes in which accepting was backed off
  bool backing_off = false;           // in one now: accepts fail and are retried on a timer
};

using HttpHandler = std::function<HttpResponse(HttpRequest&)>;

class HttpServer {
 public:
  // With `upgrade`, WebSocket upgrade requests go to it instead of `handler`.
  HttpServer(HttpServerOptions options, HttpHandler handler, WebSocketUpgrade upgrade = nullptr);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens (connections wait in the backlog until start), so that a caller
  // learns the address is taken before it does anything it cannot undo. Errors name the
  // address (or the certificate file that could not be loaded).
  Result<void> listen();
  // listen() unless done, then accepts and starts the I/O threads.
  Result<void> start();
  void stop();
  std::uint16_t port() const noexcept;
  std::string url() const;  // http(s)://address:port
  HttpServerStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracechat::net
