#include "raw_ws_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

namespace tracechat::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct RawWsClient::Impl {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  std::deque<std::pair<bool, std::string>> outbox;  // (text?, payload)
  bool writing = false;
  std::thread thread;

  mutable std::mutex mutex;
  std::condition_variable cv;
  std::deque<std::string> inbox;
  bool is_closed = false;
  int close_code = 0;

  void read_loop() {
    ws.async_read(buffer, [this](beast::error_code ec, std::size_t) {
      if (ec) {
        std::lock_guard lock(mutex);
        is_closed = true;
        close_code = ws.reason().code;
        cv.notify_all();
        return;
      }
      {
        std::lock_guard lock(mutex);
        inbox.push_back(beast::buffers_to_string(buffer.data()));
        cv.notify_all();
      }
      buffer.consume(buffer.size());
      read_loop();
    });
  }

  void write_next() {
    if (writing || outbox.empty()) return;
    writing = true;
    ws.text(outbox.front().first);
    ws.async_write(asio::buffer(outbox.front().second), [this](beast::error_code, std::size_t) {
      writing = false;
      outbox.pop_front();
      write_next();
    });
  }

  void enqueue(bool text, std::string payload) {
    asio::post(ioc, [this, text, payload = std::move(payload)]() mutable {
      outbox.emplace_back(text, std::move(payload));
      write_next();
    });
  }
};

RawWsClient::RawWsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RawWsClient::~RawWsClient() {
  asio::post(impl_->ioc, [i = impl_.get()] {
    beast::error_code ignored;
    beast::get_lowest_layer(i->ws).socket().close(ignored);
  });
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::unique_ptr<RawWsClient> RawWsClient::connect(std::uint16_t port, const std::string& target, int* refused_status) {
  auto impl = std::make_unique<Impl>();
  beast::error_code ec;
  beast::get_lowest_layer(impl->ws).socket().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) {
    if (refused_status != nullptr) *refused_status = -1;
    return nullptr;
  }
  websocket::response_type response;
  impl->ws.handshake(response, "127.0.0.1:" + std::to_string(port), target, ec);
  if (ec) {
    if (refused_status != nullptr) *refused_status = static_cast<int>(response.result_int());
    return nullptr;
  }
  impl->ws.read_message_max(64 * 1024 * 1024);
  auto* raw = impl.get();
  raw->read_loop();
  raw->thread = std::thread([raw] { raw->ioc.run(); });
  return std::unique_ptr<RawWsClient>(new RawWsClient(std::move(impl)));
}

void RawWsClient::send_text(std::string text) { impl_->enqueue(true, std::move(text)); }
void RawWsClient::send_binary(std::string bytes) { impl_->enqueue(false, std::move(bytes)); }
void RawWsClient::send_json(const boost::json::value& value) { send_text(boost::json::serialize(value)); }

std::optional<std::string> RawWsClient::read(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  impl_->cv.wait_for(lock, timeout, [&] { return !impl_->inbox.empty() || impl_->is_closed; });
  if (impl_->inbox.empty()) return std::nullopt;
  auto out = std::move(impl_->inbox.front());
  impl_->inbox.pop_front();
  return out;
}

boost::json::value RawWsClient::read_json(std::chrono::milliseconds timeout) {
  auto text = read(timeout);
  if (!text) return nullptr;
  boost::system::error_code ec;
  auto v = boost::json::parse(*text, ec);
  return ec ? boost::json::value(nullptr) : v;
}

boost::json::value RawWsClient::read_until_type(const std::string& type, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return nullptr;
    auto v = read_json(left);
    if (v.is_null()) return v;
    if (v.is_object() && v.as_object().contains("type") && v.at("type") == type.c_str()) return v;
  }
}

int RawWsClient::wait_closed(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  impl_->cv.wait_for(lock, timeout, [&] { return impl_->is_closed; });
  return impl_->is_closed ? impl_->close_code : -1;
}

bool RawWsClient::closed() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->is_closed;
}

void RawWsClient::drop() {
  asio::post(impl_->ioc, [i = impl_.get()] {
    beast::error_code ignored;
    beast::get_lowest_layer(i->ws).socket().close(ignored);
  });
}

}  // namespace tracechat::testing
