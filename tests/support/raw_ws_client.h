// A WebSocket client for tests that sends raw frames and reads raw replies, so the
// emulator is checked against the wire protocol itself and not through tracechat's own
// client. One I/O thread; received frames queue up until the test reads them.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace tracechat::testing {

class RawWsClient {
 public:
  // Connects to ws://127.0.0.1:port + target. On a refused upgrade, nullptr, with the
  // HTTP status in *refused_status.
  static std::unique_ptr<RawWsClient> connect(std::uint16_t port, const std::string& target,
                                              int* refused_status = nullptr);
  ~RawWsClient();

  void send_text(std::string text);
  void send_binary(std::string bytes);
  void send_json(const boost::json::value& value);

  // The next received text frame, or nullopt after `timeout` or once the connection closed.
  std::optional<std::string> read(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The next frame parsed as JSON (null JSON value on timeout or close).
  boost::json::value read_json(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads frames until one has "type" == type (or timeout); returns it.
  boost::json::value read_until_type(const std::string& type,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Waits until the server closed the connection; returns its close code (0 if none).
  int wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  bool closed() const;
  // Closes from our side without a close frame (a dropped connection).
  void drop();

 private:
  struct Impl;
  explicit RawWsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracechat::testing
