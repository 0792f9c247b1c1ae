// Raw HTTP/1.1 on both sides of a server under test, byte for byte, with nothing in
// between to tidy a hostile request up or hide a stray answer:
//   raw_exchange()   a caller that sends bytes as they are and reads until the server closes;
//   ScriptedUpstream a backend that records each request it reads and answers with
//                    whatever bytes its script returns (interim 100s, stale extras...).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tracechat::test_support {

struct RawHeader {
  std::string name;  // as received
  std::string value;
};

struct RawMessage {
  std::string start_line;  // "GET /x HTTP/1.1" or "HTTP/1.1 200 OK"
  std::vector<RawHeader> headers;
  std::string body;

  int status() const;          // from a status line
  std::string target() const;  // from a request line
  std::size_t count(std::string_view name) const;
  std::string header(std::string_view name) const;  // the first value, or ""
};

// Splits a byte stream into messages framed by Content-Length (what the servers under
// test send). A response to HEAD, or a 1xx/204/304, has no body: pass `head` for the
// responses that answer HEAD requests.
std::vector<RawMessage> parse_messages(std::string_view bytes, bool responses, bool head = false);

// Connects to 127.0.0.1:port, sends `bytes`, then (with `half_close`) shuts down the
// sending side, and reads until the server closes or `timeout` passes.
std::string raw_exchange(std::uint16_t port, std::string_view bytes, bool half_close = true,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

class ScriptedUpstream {
 public:
  // The bytes to answer one request with; `connection` counts the connections accepted
  // (from 1). An empty answer closes the connection.
  using Script = std::function<std::string(const RawMessage& request, int connection)>;

  explicit ScriptedUpstream(Script script);
  ~ScriptedUpstream();
  ScriptedUpstream(const ScriptedUpstream&) = delete;
  ScriptedUpstream& operator=(const ScriptedUpstream&) = delete;

  std::uint16_t port() const;
  std::vector<RawMessage> requests() const;  // every request read so far, in order
  int connections() const;

  // "HTTP/1.1 <status> X\r\nContent-Length: n\r\n<extra>\r\n<body>"; `extra` is whole
  // header lines, each ending in \r\n.
  static std::string response(int status, std::string_view body, std::string_view extra = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracechat::test_support
