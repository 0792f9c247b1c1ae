#include "raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <list>
#include <stdexcept>
#include <thread>

namespace tracechat::test_support {

namespace {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Reads one header block from `text` (up to the blank line); returns its length, or 0
// when it is not complete yet.
std::size_t parse_head(std::string_view text, RawMessage& out) {
  const auto end = text.find("\r\n\r\n");
  if (end == std::string_view::npos) return 0;
  std::string_view head = text.substr(0, end);
  const auto first = head.find("\r\n");
  out.start_line = std::string(head.substr(0, first));
  head = first == std::string_view::npos ? std::string_view{} : head.substr(first + 2);
  while (!head.empty()) {
    const auto eol = head.find("\r\n");
    const auto line = head.substr(0, eol);
    const auto colon = line.find(':');
    std::string_view value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    out.headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
    head = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
  }
  return end + 4;
}

int listen_on_loopback(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, 64) != 0) {
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  return fd;
}

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

int RawMessage::status() const {
  const auto space = start_line.find(' ');
  return space == std::string::npos ? 0 : std::atoi(start_line.c_str() + space + 1);
}

std::string RawMessage::target() const {
  const auto first = start_line.find(' ');
  const auto second = start_line.find(' ', first + 1);
  return first == std::string::npos ? "" : start_line.substr(first + 1, second - first - 1);
}

std::size_t RawMessage::count(std::string_view name) const {
  return static_cast<std::size_t>(
      std::count_if(headers.begin(), headers.end(), [&](const RawHeader& h) { return iequal(h.name, name); }));
}

std::string RawMessage::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (iequal(h.name, name)) return h.value;
  }
  return "";
}

std::vector<RawMessage> parse_messages(std::string_view bytes, bool responses, bool head) {
  std::vector<RawMessage> out;
  while (!bytes.empty()) {
    RawMessage m;
    const std::size_t head_length = parse_head(bytes, m);
    if (head_length == 0) break;
    bytes.remove_prefix(head_length);
    std::size_t length = 0;
    const int status = responses ? m.status() : 0;
    const bool bodiless = responses && (head || (status >= 100 && status < 200) || status == 204 || status == 304);
    if (!bodiless && m.count("content-length") != 0) length = std::stoul(m.header("content-length"));
    length = std::min(length, bytes.size());
    m.body = std::string(bytes.substr(0, length));
    bytes.remove_prefix(length);
    out.push_back(std::move(m));
  }
  return out;
}

std::string raw_exchange(std::uint16_t port, std::string_view bytes, bool half_close,
                         std::chrono::milliseconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string received;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 && send_all(fd, bytes)) {
    if (half_close) ::shutdown(fd, SHUT_WR);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buffer[16384];
      const auto n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      received.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return received;
}

struct ScriptedUpstream::Impl {
  Script script;
  int listener = -1;
  std::uint16_t port = 0;
  std::atomic<bool> stopping{false};
  std::atomic<int> connections{0};
  mutable std::mutex mutex;
  std::vector<RawMessage> requests;
  std::list<int> open;  // connection sockets, closed on stop
  std::list<std::thread> threads;
  std::thread acceptor;

  void serve(int fd, int connection) {
    std::string buffer;
    for (;;) {
      RawMessage request;
      std::size_t head_length = 0;
      while ((head_length = parse_head(buffer, request)) == 0) {
        char chunk[16384];
        const auto n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return;
        buffer.append(chunk, static_cast<std::size_t>(n));
        request = RawMessage{};
      }
      std::size_t length = request.count("content-length") ? std::stoul(request.header("content-length")) : 0;
      while (buffer.size() < head_length + length) {
        char chunk[16384];
        const auto n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return;
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
      request.body = buffer.substr(head_length, length);
      buffer.erase(0, head_length + length);
      {
        std::lock_guard lock(mutex);
        requests.push_back(request);
      }
      const std::string answer = script(request, connection);
      if (answer.empty()) {
        ::shutdown(fd, SHUT_RDWR);  // (the descriptor itself is closed on stop)
        return;
      }
      if (!send_all(fd, answer)) return;
    }
  }
};

ScriptedUpstream::ScriptedUpstream(Script script) : impl_(std::make_unique<Impl>()) {
  impl_->script = std::move(script);
  impl_->listener = listen_on_loopback(impl_->port);
  impl_->acceptor = std::thread([i = impl_.get()] {
    for (;;) {
      const int fd = ::accept(i->listener, nullptr, nullptr);
      if (fd < 0 || i->stopping) {
        if (fd >= 0) ::close(fd);
        return;
      }
      const int connection = ++i->connections;
      std::lock_guard lock(i->mutex);
      i->open.push_back(fd);
      i->threads.emplace_back([i, fd, connection] { i->serve(fd, connection); });
    }
  });
}

ScriptedUpstream::~ScriptedUpstream() {
  impl_->stopping = true;
  ::shutdown(impl_->listener, SHUT_RDWR);
  ::close(impl_->listener);
  impl_->acceptor.join();
  {
    std::lock_guard lock(impl_->mutex);
    for (const int fd : impl_->open) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : impl_->threads) t.join();
  for (const int fd : impl_->open) ::close(fd);
}

std::uint16_t ScriptedUpstream::port() const { return impl_->port; }

std::vector<RawMessage> ScriptedUpstream::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

int ScriptedUpstream::connections() const { return impl_->connections; }

std::string ScriptedUpstream::response(int status, std::string_view body, std::string_view extra) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(extra) + "\r\n" + std::string(body);
}

}  // namespace tracechat::test_support
