#include "tracechat/net/http_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <optional>
#include <thread>
#include <vector>

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
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == ssl::error::stream_truncated) {
      return close();
    }
    if (ec == http::error::body_limit) {
      return reply(text_response(413, "request body exceeds " + std::to_string(options_.body_limit) + " bytes\n"),
                   false);
    }
    if (ec) return reply(text_response(400, "malformed HTTP request: " + ec.message() + "\n"), false);

    auto req = parser_->release();
    HttpRequest request = to_request(req);
    if (upgrade_ && beast::websocket::is_upgrade(req)) return on_upgrade(std::move(req), request);
    HttpResponse response;
    try {
      response = handler_(request);
    } catch (const std::exception& e) {
      response = text_response(500, std::string("internal error: ") + e.what() + "\n");
    }
    reply(std::move(response), req.keep_alive());
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
    if (auto* refused = std::get_if<HttpResponse>(&decision)) return reply(std::move(*refused), false);
    detail::start_websocket_session(std::move(stream_), std::move(req), std::move(std::get<WebSocketAccept>(decision)),
                                    remote_);
  }

  void reply(HttpResponse response, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->result(static_cast<unsigned>(response.status));
    res->version(11);
    res->set(http::field::server, "tracechat");
    for (auto& h : response.headers) res->set(h.name, h.value);
    res->body() = std::move(response.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
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
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_;
};

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  HttpHandler handler;
  WebSocketUpgrade upgrade;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::optional<ssl::context> tls;
  std::vector<std::thread> threads;
  std::uint16_t bound_port = 0;

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        if (tls) {
          std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(options, handler, upgrade, std::move(socket),
                                                                          *tls)
              ->start();
        } else {
          std::make_shared<Session<beast::tcp_stream>>(options, handler, upgrade, std::move(socket))->start();
        }
      }
      accept();
    });
  }
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler, WebSocketUpgrade upgrade)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  impl_->upgrade = std::move(upgrade);
}

HttpServer::~HttpServer() { stop(); }

Result<void> HttpServer::start() {
  auto& i = *impl_;
  beast::error_code ec;
  if (!i.options.tls_cert_file.empty() || !i.options.tls_key_file.empty()) {
    i.tls.emplace(ssl::context::tls_server);
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
  if (ec) return Error{"cannot listen on " + where + ": " + ec.message()};
  i.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error{"cannot listen on " + where + ": " + ec.message()};
  i.bound_port = i.acceptor.local_endpoint().port();
  i.accept();
  for (unsigned t = 0; t < std::max(1u, i.options.threads); ++t) {
    i.threads.emplace_back([&ioc = i.ioc] { ioc.run(); });
  }
  return {};
}

void HttpServer::stop() {
  auto& i = *impl_;
  if (i.threads.empty()) return;
  asio::post(i.ioc, [&i] {
    beast::error_code ignored;
    i.acceptor.close(ignored);
  });
  i.ioc.stop();
  for (auto& t : i.threads) t.join();
  i.threads.clear();
}

std::uint16_t HttpServer::port() const noexcept { return impl_->bound_port; }

std::string HttpServer::url() const {
  const bool ipv6 = impl_->options.address.find(':') != std::string::npos;
  const std::string host = ipv6 ? "[" + impl_->options.address + "]" : impl_->options.address;
  return std::string(impl_->tls ? "https://" : "http://") + host + ":" + std::to_string(port());
}

}  // namespace tracechat::net
