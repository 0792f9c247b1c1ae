#include "tracechat/net/http_server.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cerrno>
#include <optional>
#include <thread>
#include <vector>

#include "transfer_coding.h"
#include "websocket_session.h"

namespace tracechat::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

beast::tcp_stream& lowest(beast::tcp_stream& s) { return s; }
beast::tcp_stream& lowest(beast::ssl_stream<beast::tcp_stream>& s) { return beast::get_lowest_layer(s); }

// One connection: (TLS handshake,) read a request, answer it, repeat while keep-alive
// holds. Stream is beast::tcp_stream or an ssl_stream over one.
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <typename... StreamArgs>
  Session(const HttpServerOptions& options, const HttpHandler& handler, const WebSocketUpgrade& upgrade,
          tcp::socket socket, StreamArgs&... args)
      : stream_(std::move(socket), args...), options_(options), handler_(handler), upgrade_(upgrade) {
    beast::error_code ec;
    const auto remote = lowest(stream_).socket().remote_endpoint(ec);
    if (!ec) remote_ = remote.address().to_string() + ":" + std::to_string(remote.port());
  }

  void start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read_request();
    } else {
      lowest(stream_).expires_after(options_.idle_timeout);
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return self->close();  // not TLS, or a certificate the client refused
        self->read_request();
      });
    }
  }

 private:
  void read_request() {
    parser_.emplace();
    parser_->body_limit(options_.body_limit);
    parser_->header_limit(64 * 1024);
    lowest(stream_).expires_after(options_.idle_timeout);
    // The header first: the framing is checked, and a 100 Continue sent, before any
    // byte of the body is read as a body (or as a next request).
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  static bool connection_gone(beast::error_code ec) {
    return ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
           ec == asio::error::connection_reset || ec == ssl::error::stream_truncated;
  }

  void on_header(beast::error_code ec) {
    if (connection_gone(ec)) return close();
    if (ec) return refuse_malformed(ec);
    const auto& head = parser_->get();
    if (auto refusal = check_head(head); refusal.status != 0) {
      // The body's extent is unknown or undecodable: answer and close, so nothing left
      // on this connection is ever read as a request.
      return reply(text_response(refusal.status, refusal.reason + "\n"), false, false);
    }
    if (const auto expect = head.find(http::field::expect); expect != head.end()) {
      if (!beast::iequals(expect->value(), "100-continue")) {
        return reply(text_response(417, "the only expectation this server meets is 100-continue\n"), false, false);
      }
      if (!parser_->is_done()) return send_continue();
    }
    read_body();
  }

  // RFC 9112 §3.2: exactly one Host in an HTTP/1.1 request, at most one in 1.0.
  // Transfer-Encoding: see check_transfer_encoding. Content-Length together with
  // Transfer-Encoding, and Content-Length values that disagree, the parser refuses.
  static detail::FramingRefusal check_head(const http::request_header<>& head) {
    const auto hosts = head.count(http::field::host);
    if (hosts > 1 || (hosts == 0 && head.version() >= 11)) {
      return {400, "a request must carry exactly one Host header"};
    }
    if (head.count(http::field::transfer_encoding) == 0) return {};
    std::string codings;
    for (auto [it, end] = head.equal_range(http::field::transfer_encoding); it != end; ++it) {
      codings.append(it->value()).push_back(',');
    }
    return detail::check_transfer_encoding(codings, head.version());
  }

  void send_continue() {
    auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
    http::async_write(stream_, *interim, [self = this->shared_from_this(), interim](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->read_body();
    });
  }

  void read_body() {
    if (parser_->is_done()) return on_read({});
    // Beast reads into what the buffer has room for, and the parser moves body bytes
    // out as they come, so a buffer that never grew read a large body 512 bytes at a
    // time (330 reads, each with its timer and epoll calls, for a 167 kB OTLP export).
    // Room for 64 kB while a large body arrives; released after the request.
    if (const auto length = parser_->content_length(); length && *length > buffer_.capacity()) {
      buffer_.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*length, kLargeBodyReadBytes)));
    }
    lowest(stream_).expires_after(options_.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void refuse_malformed(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return reply(text_response(413, "request body exceeds " + std::to_string(options_.body_limit) + " bytes\n"),
                   false, false);
    }
    reply(text_response(400, "malformed HTTP request: " + ec.message() + "\n"), false, false);
  }

  void on_read(beast::error_code ec) {
    if (buffer_.capacity() > kSmallBufferBytes && buffer_.size() == 0) buffer_.shrink_to_fit();
    if (connection_gone(ec)) return close();
    if (ec) return refuse_malformed(ec);

    auto req = parser_->release();
    HttpRequest request = to_request(req);
    if (upgrade_ && beast::websocket::is_upgrade(req)) return on_upgrade(std::move(req), request);
    HttpResponse response;
    try {
      response = handler_(request);
    } catch (const std::exception& e) {
      response = text_response(500, std::string("internal error: ") + e.what() + "\n");
    }
    reply(std::move(response), req.keep_alive(), req.method() == http::verb::head);
  }

  HttpRequest to_request(http::request<http::string_body>& req) const {
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    for (const auto& field : req) {
      request.headers.push_back(HttpHeader{std::string(field.name_string()), std::string(field.value())});
    }
    request.body = std::move(req.body());
    request.remote_address = remote_;
    return request;
  }

  // The application accepts the upgrade (the stream moves to a WebSocket session) or
  // refuses it with an HTTP answer before the upgrade.
  void on_upgrade(http::request<http::string_body> req, const HttpRequest& request) {
    std::variant<WebSocketAccept, HttpResponse> decision;
    try {
      decision = upgrade_(request);
    } catch (const std::exception& e) {
      decision = text_response(500, std::string("internal error: ") + e.what() + "\n");
    }
    if (auto* refused = std::get_if<HttpResponse>(&decision)) return reply(std::move(*refused), false, false);
    detail::start_websocket_session(std::move(stream_), std::move(req), std::move(std::get<WebSocketAccept>(decision)),
                                    remote_);
  }

  // Every header the handler set goes out, repeated ones as separate lines (two
  // Set-Cookie stay two); the framing headers are the server's own. A HEAD answer
  // carries the headers a GET would have, the handler's Content-Length included, and
  // no body (RFC 9110 §9.3.2).
  void reply(HttpResponse response, bool keep_alive, bool head_request) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->result(static_cast<unsigned>(response.status));
    res->version(11);
    std::optional<std::string> content_length;
    for (auto& h : response.headers) {
      if (beast::iequals(h.name, "content-length")) {
        content_length = h.value;
      } else if (!beast::iequals(h.name, "transfer-encoding") && !beast::iequals(h.name, "connection")) {
        res->insert(h.name, h.value);
      }
    }
    if (res->find(http::field::server) == res->end()) res->set(http::field::server, "tracechat");
    res->keep_alive(keep_alive);
    if (head_request) {
      const bool may_have_length = response.status >= 200 && response.status != 204 && response.status != 304;
      if (may_have_length)
        res->set(http::field::content_length, content_length.value_or(std::to_string(response.body.size())));
    } else {
      res->body() = std::move(response.body);
      res->prepare_payload();
    }
    lowest(stream_).expires_after(options_.idle_timeout);
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
                        if (ec || !keep_alive) return self->close();
                        self->read_request();
                      });
  }

  void close() {
    beast::error_code ignored;
    lowest(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
    lowest(stream_).socket().close(ignored);
  }

  Stream stream_;
  const HttpServerOptions& options_;
  const HttpHandler& handler_;
  const WebSocketUpgrade& upgrade_;
  static constexpr std::uint64_t kLargeBodyReadBytes = 64 * 1024;
  static constexpr std::size_t kSmallBufferBytes = 4096;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_;
};

// accept(2) failures that mean "not now": the process or the system has no descriptor
// left, or the kernel no memory for the socket. The connection waits in the backlog.
bool out_of_resources(const beast::error_code& ec) {
  if (ec.category() != boost::system::system_category()) return false;
  const int e = ec.value();
  return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

std::string errno_name(const beast::error_code& ec) {
  if (ec.category() == boost::system::system_category()) {
    switch (ec.value()) {
      case EMFILE: return "EMFILE";
      case ENFILE: return "ENFILE";
      case ENOBUFS: return "ENOBUFS";
      case ENOMEM: return "ENOMEM";
      default: break;
    }
  }
  return std::to_string(ec.value());
}

// The soft RLIMIT_NOFILE, as the log line gives it.
std::string open_files_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return "unknown";
  return limit.rlim_cur == RLIM_INFINITY ? "unlimited" : std::to_string(limit.rlim_cur);
}

}  // namespace

struct HttpServer::Impl {
  // Failed accepts in a row that are retried at once when the error is not a want of
  // descriptors or memory (Linux's accept passes on a network error of the one waiting
  // connection, ENETDOWN or EHOSTUNREACH): past these, the error is taken as persistent
  // and backed off like EMFILE.
  static constexpr std::uint64_t kImmediateRetries = 8;

  HttpServerOptions options;
  HttpHandler handler;
  WebSocketUpgrade upgrade;
  asio::io_context ioc;
  // The accept loop (acceptor, back-off timer, the loop's state) runs on its own strand,
  // so stop() can close it from another thread without racing a handler.
  asio::strand<asio::io_context::executor_type> accept_strand{asio::make_strand(ioc)};
  tcp::acceptor acceptor{accept_strand};
  asio::steady_timer accept_timer{accept_strand};
  std::optional<ssl::context> tls;
  std::vector<std::thread> threads;
  std::uint16_t bound_port = 0;
  std::string listen_name;  // address:port, for the log lines

  // The loop's state, on accept_strand only.
  std::uint64_t failures_in_row = 0;
  std::chrono::milliseconds next_pause{0};
  std::chrono::steady_clock::time_point paused_since;

  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> accept_failures{0};
  std::atomic<std::uint64_t> accept_pauses{0};
  std::atomic<bool> backing_off{false};

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;  // stopped
      if (!ec) {
        // Counted, and an episode ended, before the session starts: on another thread its
        // answer may be out before this handler returns.
        accepted.fetch_add(1, std::memory_order_relaxed);
        if (backing_off.load(std::memory_order_relaxed)) log_resumed();
        failures_in_row = 0;
        ec = start_session(std::move(socket));
        if (!ec) return accept();
        accepted.fetch_sub(1, std::memory_order_relaxed);
      }
      accept_failures.fetch_add(1, std::memory_order_relaxed);
      ++failures_in_row;
      if (!out_of_resources(ec) && failures_in_row <= kImmediateRetries) return accept();
      pause(ec);
    });
  }

  // A session for an accepted connection. Creating one can fail only for want of memory
  // (a TLS stream's SSL object): the connection is closed and the failure is an
  // accept's that could not be completed.
  beast::error_code start_session(tcp::socket socket) {
    try {
      if (tls) {
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(options, handler, upgrade, std::move(socket),
                                                                        *tls)
            ->start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(options, handler, upgrade, std::move(socket))->start();
      }
    } catch (const std::exception&) {
      return asio::error::no_memory;
    }
    return {};
  }

  // Accepting again only when the timer fires: the backlog keeps the connections, and
  // the open ones are served meanwhile.
  void pause(const beast::error_code& ec) {
    const auto first = std::max(options.accept_backoff, std::chrono::milliseconds(1));
    const auto most = std::max(options.accept_backoff_max, first);
    if (!backing_off.load(std::memory_order_relaxed)) {
      backing_off.store(true, std::memory_order_relaxed);
      accept_pauses.fetch_add(1, std::memory_order_relaxed);
      paused_since = std::chrono::steady_clock::now();
      next_pause = first;
      log_paused(ec, first, most);
    }
    const auto delay = next_pause;
    next_pause = std::min(next_pause * 2, most);
    accept_timer.expires_after(delay);
    accept_timer.async_wait([this](beast::error_code wait_ec) {
      if (wait_ec || !acceptor.is_open()) return;  // stopped
      accept();
    });
  }

  void log_paused(const beast::error_code& ec, std::chrono::milliseconds first, std::chrono::milliseconds most) {
    if (options.log == nullptr) return;
    std::fprintf(options.log,
                 "level=warn component=http-server listen=%s event=accept-paused error=\"%s\" errno=%s "
                 "rlimit_nofile=%s msg=\"cannot accept connections; serving the open ones, retrying in %lld ms, "
                 "backing off to %lld ms\"\n",
                 listen_name.c_str(), ec.message().c_str(), errno_name(ec).c_str(), open_files_limit().c_str(),
                 static_cast<long long>(first.count()), static_cast<long long>(most.count()));
  }

  void log_resumed() {
    backing_off.store(false, std::memory_order_relaxed);
    if (options.log == nullptr) return;
    const auto paused =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - paused_since);
    std::fprintf(options.log,
                 "level=info component=http-server listen=%s event=accept-resumed refused=%llu paused_ms=%lld "
                 "msg=\"accepting again after %llu refused attempt%s\"\n",
                 listen_name.c_str(), static_cast<unsigned long long>(failures_in_row),
                 static_cast<long long>(paused.count()), static_cast<unsigned long long>(failures_in_row),
                 failures_in_row == 1 ? "" : "s");
  }
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler, WebSocketUpgrade upgrade)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  impl_->upgrade = std::move(upgrade);
}

HttpServer::~HttpServer() { stop(); }

Result<void> HttpServer::listen() {
  auto& i = *impl_;
  if (i.acceptor.is_open()) return {};
  beast::error_code ec;
  if (!i.options.tls_cert_file.empty() || !i.options.tls_key_file.empty()) {
    i.tls.emplace(ssl::context::tls_server);
    SSL_CTX_set_min_proto_version(i.tls->native_handle(), TLS1_2_VERSION);
    i.tls->use_certificate_chain_file(i.options.tls_cert_file, ec);
    if (ec) return Error{"cannot load TLS certificate '" + i.options.tls_cert_file + "': " + ec.message()};
    i.tls->use_private_key_file(i.options.tls_key_file, ssl::context::pem, ec);
    if (ec) return Error{"cannot load TLS key '" + i.options.tls_key_file + "': " + ec.message()};
  }
  const auto address = asio::ip::make_address(i.options.address, ec);
  if (ec) return Error{"invalid listen address '" + i.options.address + "': " + ec.message()};
  const tcp::endpoint endpoint(address, i.options.port);
  const std::string where = i.options.address + ":" + std::to_string(i.options.port);
  i.acceptor.open(endpoint.protocol(), ec);
  if (!ec) i.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) i.acceptor.bind(endpoint, ec);
  if (!ec) i.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    i.acceptor.close(ignored);  // (listen() again tries again)
    return Error{"cannot listen on " + where + ": " + ec.message()};
  }
  i.bound_port = i.acceptor.local_endpoint().port();
  const bool ipv6 = i.options.address.find(':') != std::string::npos;
  i.listen_name = (ipv6 ? "[" + i.options.address + "]" : i.options.address) + ":" + std::to_string(i.bound_port);
  return {};
}

Result<void> HttpServer::start() {
  auto& i = *impl_;
  if (!i.threads.empty()) return Error{"the server on " + i.listen_name + " has started already"};
  if (auto listening = listen(); !listening) return listening;
  i.accept();  // its handlers run on accept_strand, the acceptor's executor
  for (unsigned t = 0; t < std::max(1u, i.options.threads); ++t) {
    i.threads.emplace_back([&ioc = i.ioc] { ioc.run(); });
  }
  return {};
}

void HttpServer::stop() {
  auto& i = *impl_;
  if (i.threads.empty()) return;
  const auto stop_accepting = [&i] {
    beast::error_code ignored;
    i.acceptor.close(ignored);
    i.accept_timer.cancel();
  };
  asio::post(i.accept_strand, stop_accepting);
  i.ioc.stop();
  for (auto& t : i.threads) t.join();
  i.threads.clear();
  // The posted close may not have run before the loop stopped; no thread runs it now.
  // The listening socket is closed either way (a client connecting after stop() is
  // refused, not left in the backlog), and the back-off timer cancelled. Their handlers
  // are destroyed, never run, with the io_context.
  stop_accepting();
}

std::uint16_t HttpServer::port() const noexcept { return impl_->bound_port; }

HttpServerStats HttpServer::stats() const {
  const auto& i = *impl_;
  HttpServerStats s;
  s.accepted = i.accepted.load(std::memory_order_relaxed);
  s.accept_failures = i.accept_failures.load(std::memory_order_relaxed);
  s.accept_attempts = s.accepted + s.accept_failures;
  s.accept_pauses = i.accept_pauses.load(std::memory_order_relaxed);
  s.backing_off = i.backing_off.load(std::memory_order_relaxed);
  return s;
}

std::string HttpServer::url() const {
  const bool ipv6 = impl_->options.address.find(':') != std::string::npos;
  const std::string host = ipv6 ? "[" + impl_->options.address + "]" : impl_->options.address;
  return std::string(impl_->tls ? "https://" : "http://") + host + ":" + std::to_string(port());
}

}  // namespace tracechat::net
