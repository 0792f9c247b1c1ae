#include "tracechat/net/websocket_client.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <list>
#include <optional>

#include "tls_context.h"
#include "tracechat/version.h"

namespace tracechat::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

// The connection: resolve, connect, (TLS,) upgrade; then one read loop and one write
// queue, all on the loop's thread. Stream is a plain TCP socket or an ssl_stream over one.
//
// A load run holds thousands of these, most of them idle, so what an idle connection
// keeps is kept small: what only connecting needs (resolver, timer, options, the upgrade's
// response) lives in Connecting and goes once the upgrade is done; the socket is a plain
// one, not beast::tcp_stream, whose timeout state every read would carry; a pending read
// asks for a few bytes only (read()); the queues allocate nothing while empty.
template <typename Stream>
class Connection final : public WebSocketClient, public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

 public:
  Connection(asio::io_context& ioc, Url url, WebSocketClientOptions options, WebSocketClientCallbacks callbacks)
      : ioc_(ioc),
        max_queued_bytes_(options.max_queued_bytes),
        callbacks_(std::move(callbacks)),
        connecting_(std::make_unique<Connecting>(ioc, std::move(url), std::move(options))) {}

  void start(ConnectedCallback on_connected) {
    connecting_->on_connected = std::move(on_connected);
    if constexpr (kTls) {
      ctx_.emplace(ssl::context::tls_client);
      if (auto ok = detail::configure_client_tls(*ctx_, connecting_->options.tls); !ok)
        return fail_connect(ok.error().message);
      ws_.emplace(ioc_, *ctx_);
    } else {
      ws_.emplace(ioc_);
    }
    // One deadline for resolve, connect, TLS and upgrade: when it passes, whatever is in
    // progress is cancelled and fails as timed out, and every step checks it on ending (a
    // host name lookup already running cannot be stopped, and an operation may have
    // ended just before).
    connecting_->timer.expires_after(connecting_->options.connect_timeout);
    connecting_->timer.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || !self->connecting_) return;
      self->connecting_->timed_out = true;
      self->connecting_->resolver.cancel();
      beast::error_code ignored;
      beast::get_lowest_layer(*self->ws_).close(ignored);
    });
    const Url& url = connecting_->url;
    connecting_->resolver.async_resolve(
        url.host, std::to_string(url.port),
        [self = this->shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
          // (A lookup already running is not stopped by the deadline: its end is checked.)
          if (ec || self->connecting_->timed_out) {
            return self->fail_connect("cannot resolve " + self->connecting_->url.host + ": " + self->why(ec));
          }
          self->on_resolved(r);
        });
  }

  void send(std::string text) override {
    asio::post(ioc_, [self = this->shared_from_this(), text = std::move(text)]() mutable {
      if (self->finished_ || self->close_requested_) return;
      self->queued_bytes_ += text.size();
      self->outbox_.push_back(std::move(text));
      if (self->queued_bytes_ > self->max_queued_bytes_) {
        return self->finish(WebSocketClosed{
            0, "send queue over " + std::to_string(self->max_queued_bytes_) + " bytes: the server is not reading"});
      }
      if (!self->writing_) self->write_next();
    });
  }

  void close(CloseCode code, std::string reason) override {
    asio::post(ioc_, [self = this->shared_from_this(), code, reason = std::move(reason)]() mutable {
      if (self->finished_ || self->close_requested_) return;
      self->close_requested_ =
          std::make_unique<websocket::close_reason>(static_cast<websocket::close_code>(code), reason);
      if (!self->writing_) self->write_next();
    });
  }

  void abort() override {
    asio::post(ioc_, [self = this->shared_from_this()] {
      beast::error_code ignored;
      beast::get_lowest_layer(*self->ws_).close(ignored);
    });
  }

 private:
  // What connecting needs, and nothing after.
  struct Connecting {
    Connecting(asio::io_context& ioc, Url u, WebSocketClientOptions o)
        : resolver(ioc), timer(ioc), url(std::move(u)), options(std::move(o)) {}
    tcp::resolver resolver;
    asio::steady_timer timer;
    Url url;
    WebSocketClientOptions options;
    ConnectedCallback on_connected;
    websocket::response_type response;
    bool timed_out = false;
  };

  // An error while connecting, in words: a cancellation by the deadline says so.
  std::string why(const beast::error_code& ec) const {
    if (connecting_ && connecting_->timed_out) {
      return "no answer within " + std::to_string(connecting_->options.connect_timeout.count()) + " ms";
    }
    return ec.message();
  }

  void on_resolved(const tcp::resolver::results_type& endpoints) {
    asio::async_connect(
        beast::get_lowest_layer(*ws_), endpoints,
        [self = this->shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
          if (ec || self->connecting_->timed_out) {
            return self->fail_connect("cannot connect to " + self->connecting_->url.origin() + ": " + self->why(ec));
          }
          beast::error_code ignored;
          beast::get_lowest_layer(*self->ws_).set_option(tcp::no_delay(true), ignored);
          self->on_tcp_connected();
        });
  }

  void on_tcp_connected() {
    if constexpr (kTls) {
      auto& tls = ws_->next_layer();
      const std::string& host = connecting_->url.host;
      // SNI, and the certificate must name the host we asked for.
      if (!SSL_set_tlsext_host_name(tls.native_handle(), host.c_str())) {
        return fail_connect("cannot set TLS server name '" + host + "'");
      }
      if (connecting_->options.tls.verify_peer) tls.set_verify_callback(ssl::host_name_verification(host));
      tls.async_handshake(ssl::stream_base::client, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec || self->connecting_->timed_out) {
          return self->fail_connect("TLS handshake with " + self->connecting_->url.origin() +
                                    " failed: " + self->why(ec));
        }
        self->upgrade();
      });
    } else {
      upgrade();
    }
  }

  void upgrade() {
    const Url& url = connecting_->url;
    ws_->set_option(
        websocket::stream_base::decorator([headers = connecting_->options.headers](websocket::request_type& req) {
          req.set(beast::http::field::user_agent, "tracechat/" TRACECHAT_VERSION);
          for (const auto& h : headers) req.set(h.name, h.value);
        }));
    ws_->read_message_max(connecting_->options.max_message_bytes);
    // Each message is written as one frame, however large (write_next sizes the buffer
    // it is masked in): without this, Beast would split a message into frames of the
    // buffer's size.
    ws_->auto_fragment(false);
    const bool default_port = url.port == (kTls ? 443 : 80);
    const std::string host = default_port ? url.host : url.host + ":" + std::to_string(url.port);
    ws_->async_handshake(
        connecting_->response, host, url.target, [self = this->shared_from_this()](beast::error_code ec) {
          // (timed_out without an error: the deadline passed as the upgrade ended, and the
          // socket is closed already.)
          if (ec || self->connecting_->timed_out) {
            const int status = static_cast<int>(self->connecting_->response.result_int());
            // (A response that never came is no status: Beast leaves one of its own there.)
            if (!self->connecting_->timed_out && status != 0 && status != 101) {
              return self->fail_connect(self->connecting_->url.to_string() +
                                            " refused the WebSocket upgrade with HTTP " + std::to_string(status),
                                        status);
            }
            return self->fail_connect("WebSocket upgrade of " + self->connecting_->url.to_string() +
                                      " failed: " + self->why(ec));
          }
          // From here the WebSocket's own timeouts apply; the idle rule is the caller's.
          websocket::stream_base::timeout timeouts{};
          timeouts.handshake_timeout = std::chrono::seconds(30);
          timeouts.idle_timeout = websocket::stream_base::none();
          timeouts.keep_alive_pings = false;
          self->ws_->set_option(timeouts);
          // Clears the decorator's copy of the headers too.
          self->ws_->set_option(websocket::stream_base::decorator([](websocket::request_type&) {}));
          self->connected_ = true;
          auto on_connected = std::move(self->connecting_->on_connected);
          self->connecting_.reset();  // cancels the deadline
          on_connected(std::shared_ptr<WebSocketClient>(self));
          self->read();
        });
  }

  void fail_connect(std::string message, int status = 0) {
    finished_ = true;
    if (ws_) {
      beast::error_code ignored;
      beast::get_lowest_layer(*ws_).close(ignored);
    }
    auto on_connected = std::exchange(connecting_->on_connected, nullptr);
    connecting_->timer.cancel();
    if (on_connected) on_connected(ConnectFailure{std::move(message), status});
  }

  // Reads one message. The wait for its first bytes asks for only kWaitReadBytes: Beast
  // prepares (allocates) the buffer of a pending read up front, so a full-size read
  // would pin ~1.5 KiB on every idle connection. Once the message has begun, it is read in
  // large pieces. (The emulator's server side does the same, websocket_session.cpp.)
  static constexpr std::size_t kWaitReadBytes = 64;
  static constexpr std::size_t kMessageReadBytes = 64 * 1024;
  // A larger message is masked and written in pieces of this size (still one frame).
  static constexpr std::size_t kMaxWriteBuffer = 64 * 1024;

  // The wait reads into wait_, a plain buffer: Beast's read into a dynamic buffer wraps
  // its read operation in one more, which an idle connection would hold for nothing.
  void read() {
    ws_->async_read_some(asio::buffer(wait_), [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
      if (!ec) self->buffer_.commit(asio::buffer_copy(self->buffer_.prepare(n), asio::buffer(self->wait_, n)));
      self->on_read(ec);
    });
  }

  void read_some(std::size_t limit) {
    ws_->async_read_some(buffer_, limit,
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == websocket::error::closed) {
      const auto& reason = ws_->reason();
      return finish(WebSocketClosed{reason.code, std::string(reason.reason.c_str())});
    }
    // Our own close in flight: Beast cancels the read, and the close's completion reports.
    if (ec == asio::error::operation_aborted && close_sent_) return;
    if (ec) return finish(WebSocketClosed{0, "connection lost: " + ec.message()});
    if (!ws_->is_message_done()) return read_some(kMessageReadBytes);
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    // Give the message's buffer back before waiting again, for the same reason.
    buffer_.shrink_to_fit();
    if (callbacks_.on_text && !finished_) callbacks_.on_text(std::move(text));
    if (!finished_) read();
  }

  void write_next() {
    if (finished_) return;
    if (!outbox_.empty()) {
      writing_ = true;
      ws_->text(true);
      // The buffer a client masks its frames in (RFC 6455 5.3) is Beast's, kept between
      // messages: 4 KiB unless told otherwise. Sized to each message (in 64-byte steps,
      // so that similar messages reuse it), a message is masked and written whole and an
      // idle connection keeps only its last frame's worth — usually a heartbeat's 64
      // bytes. A load run holds thousands of idle connections.
      const std::size_t size = outbox_.front().size();
      ws_->write_buffer_bytes(std::clamp<std::size_t>((size + 63) / 64 * 64, 64, kMaxWriteBuffer));
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
    beast::get_lowest_layer(*ws_).close(ignored);
    if (connected_ && callbacks_.on_closed) callbacks_.on_closed(closed);
    callbacks_ = {};  // the callbacks may hold their owner; let it go
  }

  asio::io_context& ioc_;
  const std::size_t max_queued_bytes_;
  WebSocketClientCallbacks callbacks_;
  std::unique_ptr<Connecting> connecting_;  // until the upgrade is done
  std::optional<ssl::context> ctx_;
  std::optional<websocket::stream<Stream>> ws_;
  char wait_[kWaitReadBytes];      // the first bytes of a message (read())
  beast::flat_buffer buffer_;      // the message
  std::list<std::string> outbox_;  // (an empty std::deque allocates 600 bytes)
  std::size_t queued_bytes_ = 0;
  bool connected_ = false;
  bool writing_ = false;
  bool close_sent_ = false;
  bool finished_ = false;
  std::unique_ptr<websocket::close_reason> close_requested_;  // (130 bytes inline)
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
      std::make_shared<Connection<beast::ssl_stream<tcp::socket>>>(ioc, std::move(target), std::move(options),
                                                                   std::move(callbacks))
          ->start(std::move(on_connected));
    } else {
      std::make_shared<Connection<tcp::socket>>(ioc, std::move(target), std::move(options), std::move(callbacks))
          ->start(std::move(on_connected));
    }
  });
}

}  // namespace tracechat::net
