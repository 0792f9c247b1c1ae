// A TCP proxy for resilience tests: forwards every connection made to it to a target
// port on 127.0.0.1, and can cut them all at once — both sockets closed with no
// WebSocket close frame, as a dropped network link would.
#pragma once

#include <cstdint>
#include <memory>

namespace tracechat::test_support {

class TcpProxy {
 public:
  explicit TcpProxy(std::uint16_t target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  std::uint16_t port() const;
  // Connections from now on go to `target_port` (a server restarted elsewhere).
  void set_target(std::uint16_t target_port);
  // Closes every connection open now; new ones are accepted as before.
  void cut_all();
  std::uint64_t connections_accepted() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracechat::test_support
