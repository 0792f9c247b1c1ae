#include "websocket_session.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <optional>

namespace tracechat::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

using tcp = asio::ip::tcp;

// The TCP socket under a plain or a TLS WebSocket.
tcp::socket& tcp_socket(tcp::socket& s) { return s; }
tcp::socket& tcp_socket(beast::ssl_stream<beast::tcp_stream>& s) { return beast::get_lowest_layer(s).socket(); }

// One WebSocket connection: accept the upgrade, then one read loop and one write queue,
// all on the connection's strand. Only one async write (or close) is ever in flight, as
// Beast requires; send() and close() from other threads are posted onto the strand.
template <typename Stream>
class WebSocketSession final : public WebSocketChannel, public std::enable_shared_from_this<WebSocketSession<Stream>> {
 public:
  WebSocketSession(Stream stream, WebSocketAccept accept, std::string remote)
      : ws_(std::move(stream)),
        handler_(std::move(accept.handler)),
        options_(accept.options),
        idle_timer_(ws_.get_executor()),
        remote_(std::move(remote)) {}

  void run(UpgradeRequest request) {
    if constexpr (!std::is_same_v<Stream, tcp::socket>) {
      beast::get_lowest_layer(ws_).expires_never();  // the WebSocket timeouts take over
    }
    // Small frames answered one by one: Nagle's algorithm against the peer's delayed ACK
    // would add up to 40 ms to a reply.
    beast::error_code ignored;
    tcp_socket(ws_.next_layer()).set_option(tcp::no_delay(true), ignored);
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(30);
    timeouts.idle_timeout = websocket::stream_base::none();  // the application's idle rule applies
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "tracechat"); }));
    ws_.read_message_max(options_.max_message_bytes);
    ws_.async_accept(request, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return self->finish("handshake failed: " + ec.message());
      self->handler_->on_open(self);
      self->arm_idle_timer();
      self->read();
    });
  }

  void send(std::string text) override {
    asio::post(ws_.get_executor(),
               [self = this->shared_from_this(), text = std::move(text)]() mutable { self->enqueue(std::move(text)); });
  }

  void close(CloseCode code, std::string reason) override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), code, reason = std::move(reason)]() mutable {
      if (self->finished_ || self->close_requested_) return;
      self->close_requested_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
      if (!self->writing_) self->write_next();
    });
  }

  const std::string& remote_address() const override { return remote_; }

 private:
  // Reads one message. The wait for its first bytes asks for only kWaitReadBytes: Beast
  // prepares (allocates) the buffer of a pending read up front, and most connections
  // spend most of their life waiting, so a full-size read would pin ~1.5 KiB on every
  // idle connection. Once the message has begun, it is read in large pieces.
  static constexpr std::size_t kWaitReadBytes = 64;
  static constexpr std::size_t kMessageReadBytes = 64 * 1024;

  void read() { read_some(kWaitReadBytes); }

  void read_some(std::size_t limit) {
    ws_.async_read_some(buffer_, limit,
                        [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    // A read that completed while a failed write or the close handshake finished the
    // session is already queued and arrives afterwards, possibly without an error: the
    // handler is gone by then and the message is dropped with the connection.
    if (finished_) return;
    if (ec == websocket::error::closed) return finish("closed by peer");
    if (ec == websocket::error::message_too_big) return finish("message larger than the limit");
    if (ec) return finish(ec.message());
    if (!ws_.is_message_done()) return read_some(kMessageReadBytes);
    arm_idle_timer();
    const std::size_t bytes = buffer_.size();
    if (ws_.got_text()) {
      std::string text = beast::buffers_to_string(buffer_.data());
      buffer_.consume(bytes);
      handler_->on_text(std::move(text));
    } else {
      buffer_.consume(bytes);
      handler_->on_binary(bytes);
    }
    // Give the message's buffer back before waiting again, for the same reason.
    buffer_.shrink_to_fit();
    if (!finished_) read();
  }

  void arm_idle_timer() {
    if (options_.idle_timeout.count() <= 0) return;
    idle_timer_.expires_after(options_.idle_timeout);
    idle_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->finished_) return;  // re-armed or cancelled
      self->handler_->on_idle();
    });
  }

  void enqueue(std::string text) {
    if (finished_ || close_requested_) return;
    queued_bytes_ += text.size();
    outbox_.push_back(std::move(text));
    if (queued_bytes_ > options_.max_queued_bytes) {
      // Keep only the frame being written (its completion pops it), drop the rest.
      outbox_.erase(outbox_.begin() + (writing_ ? 1 : 0), outbox_.end());
      queued_bytes_ = writing_ ? outbox_.front().size() : 0;
      close_requested_ = websocket::close_reason(websocket::close_code::policy_error, "slow consumer");
    }
    if (!writing_) write_next();
  }

  void write_next() {
    if (finished_) return;
    if (!outbox_.empty()) {
      writing_ = true;
      ws_.text(true);
      ws_.async_write(asio::buffer(outbox_.front()),
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        self->writing_ = false;
                        if (self->finished_) return;  // finish() already emptied the queue
                        self->queued_bytes_ -= self->outbox_.front().size();
                        self->outbox_.pop_front();
                        if (ec) return self->finish("write failed: " + ec.message());
                        self->write_next();
                      });
      return;
    }
    if (close_requested_ && !close_sent_) {
      close_sent_ = true;
      writing_ = true;
      ws_.async_close(*close_requested_, [self = this->shared_from_this()](beast::error_code ec) {
        self->writing_ = false;
        self->finish(ec ? "close failed: " + ec.message() : "closed by server");
      });
    }
  }

  void finish(const std::string& why) {
    if (finished_) return;
    finished_ = true;
    idle_timer_.cancel();
    outbox_.clear();
    queued_bytes_ = 0;
    if (handler_) handler_->on_closed(why);
    handler_.reset();
    beast::error_code ignored;
    tcp_socket(ws_.next_layer()).close(ignored);
  }

  websocket::stream<Stream> ws_;
  std::shared_ptr<WebSocketHandler> handler_;
  WebSocketOptions options_;
  asio::steady_timer idle_timer_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool close_sent_ = false;
  bool finished_ = false;
  std::optional<websocket::close_reason> close_requested_;
};

}  // namespace

void start_websocket_session(beast::tcp_stream stream, UpgradeRequest request, WebSocketAccept accept,
                             std::string remote_address) {
  // A plain socket under the WebSocket, not the tcp_stream the HTTP part used: its
  // timers and per-operation state would cost every idle connection ~1 KiB, and the
  // WebSocket stream keeps its own timer for the handshake (docs/performance.md).
  std::make_shared<WebSocketSession<tcp::socket>>(stream.release_socket(), std::move(accept), std::move(remote_address))
      ->run(std::move(request));
}

void start_websocket_session(beast::ssl_stream<beast::tcp_stream> stream, UpgradeRequest request,
                             WebSocketAccept accept, std::string remote_address) {
  std::make_shared<WebSocketSession<beast::ssl_stream<beast::tcp_stream>>>(std::move(stream), std::move(accept),
                                                                           std::move(remote_address))
      ->run(std::move(request));
}

}  // namespace tracechat::net::detail
