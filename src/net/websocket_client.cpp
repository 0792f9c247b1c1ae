#include "tracechat/net/websocket_client.h"

#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <optional>

#include "tls_context.h"

namespace tracechat::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

// The connection: resolve, connect, (TLS,) upgrade; then one read loop and one write
// queue, all on the loop's thread. Stream is beast::tcp_stream or an ssl_stream over one.
template <typename Stream>
class Connection final : public WebSocketClient, public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Connection(asio::io_context& ioc, Url url, WebSocketClientOptions options, WebSocketClientCallbacks callbacks)
      : ioc_(ioc),
        resolver_(ioc),
        url_(std::move(url)),
        options_(std::move(options)),
        callbacks_(std::move(callbacks)) {}

  void start(ConnectedCallback on_connected) {
    on_connected_ = std::move(on_connected);
    if constexpr (kTls) {
      ctx_.emplace(ssl::context::tls_client);
      if (auto ok = detail::configure_client_tls(*ctx_, options_.tls); !ok) return fail_connect(ok.error().message);
      ws_.emplace(ioc_, *ctx_);
    } else {
      ws_.emplace(ioc_);
    }
    beast::get_lowest_layer(*ws_).expires_after(options_.connect_timeout);
    resolver_.async_resolve(url_.host, std::to_string(url_.port),
                            [self = this->shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
                              if (ec)
                                return self->fail_connect("cannot resolve " + self->url_.host + ": " + ec.message());
                              self->on_resolved(r);
                            });
  }

  void send(std::string text) override {
    asio::post(ioc_, [self = this->shared_from_this(), text = std::move(text)]() mutable {
      if (self->finished_ || self->close_requested_) return;
      self->queued_bytes_ += text.size();
      self->outbox_.push_back(std::move(text));
      if (self->queued_bytes_ > self->options_.max_queued_bytes) {
        return self->finish(WebSocketClosed{0, "send queue over " + std::to_string(self->options_.max_queued_bytes) +
                                                   " bytes: the server is not reading"});
      }
      if (!self->writing_) self->write_next();
    });
  }

  void close(CloseCode code, std::string reason) override {
    asio::post(ioc_, [self = this->shared_from_this(), code, reason = std::move(reason)]() mutable {
      if (self->finished_ || self->close_requested_) return;
      self->close_requested_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
      if (!self->writing_) self->write_next();
    });
  }

  void abort() override {
    asio::post(ioc_, [self = this->shared_from_this()] {
      beast::error_code ignored;
      beast::get_lowest_layer(*self->ws_).socket().close(ignored);
    });
  }

 private:
  void on_resolved(const tcp::resolver::results_type& endpoints) {
    beast::get_lowest_layer(*ws_).async_connect(
        endpoints, [self = this->shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
          if (ec) return self->fail_connect("cannot connect to " + self->url_.origin() + ": " + ec.message());
          beast::error_code ignored;
          beast::get_lowest_layer(*self->ws_).socket().set_option(tcp::no_delay(true), ignored);
          self->on_tcp_connected();
        });
  }

  void on_tcp_connected() {
    if constexpr (kTls) {
      auto& tls = ws_->next_layer();
      // SNI, and the certificate must name the host we asked for.
      if (!SSL_set_tlsext_host_name(tls.native_handle(), url_.host.c_str())) {
        return fail_connect("cannot set TLS server name '" + url_.host + "'");
      }
      if (options_.tls.verify_peer) tls.set_verify_callback(ssl::host_name_verification(url_.host));
      tls.async_handshake(ssl::stream_base::client, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return self->fail_connect("TLS handshake with " + self->url_.origin() + " failed: " + ec.message());
        self->upgrade();
      });
    } else {
      upgrade();
    }
  }

  void upgrade() {
    ws_->set_option(websocket::stream_base::decorator([headers = options_.headers](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "tracechat/" TRACECHAT_VERSION);
      for (const auto& h : headers) req.set(h.name, h.value);
    }));
    ws_->read_message_max(options_.max_message_bytes);
    // The buffer the client masks its frames in (RFC 6455 5.3), held for the
    // connection's life: 4 KiB by default. Chat frames are a few hundred bytes; a larger
    // one is masked and written in 1 KiB pieces — still as one frame: without
    // auto_fragment(false), Beast would split each message into frames of the buffer's
    // size. 3 KiB less a connection, and a load run holds thousands of them.
    ws_->auto_fragment(false);
    ws_->write_buffer_bytes(1024);
    const bool default_port = url_.port == (kTls ? 443 : 80);
    const std::string host = default_port ? url_.host : url_.host + ":" + std::to_string(url_.port);
    ws_->async_handshake(response_, host, url_.target, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) {
        const int status = static_cast<int>(self->response_.result_int());
        if (status != 0 && status != 101) {
          return self->fail_connect(
              self->url_.to_string() + " refused the WebSocket upgrade with HTTP " + std::to_string(status), status);
        }
        return self->fail_connect("WebSocket upgrade of " + self->url_.to_string() + " failed: " + ec.message());
      }
      // From here the WebSocket's own timeouts apply; the idle rule is the caller's.
      beast::get_lowest_layer(*self->ws_).expires_never();
      websocket::stream_base::timeout timeouts{};
      timeouts.handshake_timeout = std::chrono::seconds(30);
      timeouts.idle_timeout = websocket::stream_base::none();
      timeouts.keep_alive_pings = false;
      self->ws_->set_option(timeouts);
      self->connected_ = true;
      std::exchange(self->on_connected_, nullptr)(std::shared_ptr<WebSocketClient>(self));
      self->read();
    });
  }

  void fail_connect(std::string message, int status = 0) {
    finished_ = true;
    if (ws_) {
      beast::error_code ignored;
      beast::get_lowest_layer(*ws_).socket().close(ignored);
    }
    if (on_connected_) std::exchange(on_connected_, nullptr)(ConnectFailure{std::move(message), status});
  }

  void read() {
    ws_->async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec == websocket::error::closed) {
        const auto& reason = self->ws_->reason();
        return self->finish(WebSocketClosed{reason.code, std::string(reason.reason.c_str())});
      }
      // Our own close in flight: Beast cancels the read, and the close's completion reports.
      if (ec == asio::error::operation_aborted && self->close_sent_) return;
      if (ec) return self->finish(WebSocketClosed{0, "connection lost: " + ec.message()});
      std::string text = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      if (self->callbacks_.on_text && !self->finished_) self->callbacks_.on_text(std::move(text));
      if (!self->finished_) self->read();
    });
  }

  void write_next() {
    if (finished_) return;
    if (!outbox_.empty()) {
      writing_ = true;
      ws_->text(true);
      ws_->async_write(asio::buffer(outbox_.front()),
                       [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                         self->writing_ = false;
                         if (self->finished_) return;
                         self->queued_bytes_ -= self->outbox_.front().size();
                         self->outbox_.pop_front();
                         if (ec) return self->finish(WebSocketClosed{0, "connection lost: " + ec.message()});
                         self->write_next();
                       });
      return;
    }
    if (close_requested_ && !close_sent_) {
      close_sent_ = true;
      writing_ = true;
      ws_->async_close(*close_requested_, [self = this->shared_from_this()](beast::error_code ec) {
        self->writing_ = false;
        if (ec) return self->finish(WebSocketClosed{0, "close failed: " + ec.message()});
        const auto& reason = self->ws_->reason();  // the server's answering close frame
        self->finish(WebSocketClosed{reason.code, std::string(reason.reason.c_str())});
      });
    }
  }

  void finish(WebSocketClosed closed) {
    if (finished_) return;
    finished_ = true;
    outbox_.clear();
    queued_bytes_ = 0;
    beast::error_code ignored;
    beast::get_lowest_layer(*ws_).socket().close(ignored);
    if (connected_ && callbacks_.on_closed) callbacks_.on_closed(closed);
    callbacks_ = {};  // the callbacks may hold their owner; let it go
  }

  asio::io_context& ioc_;
  tcp::resolver resolver_;
  Url url_;
  WebSocketClientOptions options_;
  WebSocketClientCallbacks callbacks_;
  ConnectedCallback on_connected_;
  std::optional<ssl::context> ctx_;
  std::optional<websocket::stream<Stream>> ws_;
  websocket::response_type response_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  std::size_t queued_bytes_ = 0;
  bool connected_ = false;
  bool writing_ = false;
  bool close_sent_ = false;
  bool finished_ = false;
  std::optional<websocket::close_reason> close_requested_;
};

}  // namespace

void WebSocketClient::connect(EventLoop& loop, const Url& url, WebSocketClientOptions options,
                              WebSocketClientCallbacks callbacks, ConnectedCallback on_connected) {
  auto& ioc = *static_cast<asio::io_context*>(loop.native());
  Url target = url;
  if (target.scheme == "http") target.scheme = "ws";
  if (target.scheme == "https") target.scheme = "wss";
  // Started on the loop, so every callback, including an early failure, arrives there.
  asio::post(ioc, [&ioc, target = std::move(target), options = std::move(options), callbacks = std::move(callbacks),
                   on_connected = std::move(on_connected)]() mutable {
    if (target.tls()) {
      std::make_shared<Connection<beast::ssl_stream<beast::tcp_stream>>>(ioc, std::move(target), std::move(options),
                                                                         std::move(callbacks))
          ->start(std::move(on_connected));
    } else {
      std::make_shared<Connection<beast::tcp_stream>>(ioc, std::move(target), std::move(options), std::move(callbacks))
          ->start(std::move(on_connected));
    }
  });
}

}  // namespace tracechat::net
