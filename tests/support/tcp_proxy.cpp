#include "tcp_proxy.h"

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <future>
#include <list>
#include <mutex>
#include <thread>

namespace tracechat::test_support {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// One proxied connection: two sockets and a pump in each direction.
struct Pair : std::enable_shared_from_this<Pair> {
  explicit Pair(asio::io_context& io) : client(io), server(io) {}
  tcp::socket client, server;
  std::array<char, 16384> up{}, down{};

  void start() {
    pump(client, server, up);
    pump(server, client, down);
  }
  void pump(tcp::socket& from, tcp::socket& to, std::array<char, 16384>& buffer) {
    from.async_read_some(
        asio::buffer(buffer), [self = shared_from_this(), &from, &to, &buffer](auto ec, std::size_t n) {
          if (ec) return self->cut();
          asio::async_write(to, asio::buffer(buffer.data(), n), [self, &from, &to, &buffer](auto ec2, std::size_t) {
            if (ec2) return self->cut();
            self->pump(from, to, buffer);
          });
        });
  }
  void cut() {
    boost::system::error_code ignored;
    // SO_LINGER 0: the peer sees a reset, as when a link or a NAT drops the connection.
    client.set_option(asio::socket_base::linger(true, 0), ignored);
    server.set_option(asio::socket_base::linger(true, 0), ignored);
    client.close(ignored);
    server.close(ignored);
  }
};

}  // namespace

struct TcpProxy::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::atomic<std::uint16_t> target;
  std::list<std::weak_ptr<Pair>> pairs;
  std::atomic<std::uint64_t> accepted{0};
  std::thread thread;

  void accept() {
    auto pair = std::make_shared<Pair>(io);
    acceptor.async_accept(pair->client, [this, pair](auto ec) {
      if (ec) return;
      ++accepted;
      pair->server.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), target.load()), [pair](auto ec2) {
        if (ec2) return pair->cut();
        pair->start();
      });
      pairs.push_back(pair);
      accept();
    });
  }
};

TcpProxy::TcpProxy(std::uint16_t target_port) : impl_(std::make_unique<Impl>()) {
  impl_->target = target_port;
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

TcpProxy::~TcpProxy() {
  asio::post(impl_->io, [this] {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
    for (auto& weak : impl_->pairs) {
      if (auto pair = weak.lock()) pair->cut();
    }
  });
  impl_->io.stop();
  impl_->thread.join();
}

std::uint16_t TcpProxy::port() const { return impl_->acceptor.local_endpoint().port(); }

void TcpProxy::cut_all() {
  std::promise<void> done;
  asio::post(impl_->io, [this, &done] {
    for (auto& weak : impl_->pairs) {
      if (auto pair = weak.lock()) pair->cut();
    }
    impl_->pairs.clear();
    done.set_value();
  });
  done.get_future().wait();
}

void TcpProxy::set_target(std::uint16_t target_port) { impl_->target = target_port; }

std::uint64_t TcpProxy::connections_accepted() const { return impl_->accepted.load(); }

}  // namespace tracechat::test_support
