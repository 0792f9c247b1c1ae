// The live list's notices. One thread looks at the store every poll interval; when what
// it has indexed moved on, every open /api/live WebSocket is sent {"type":"changed"} and
// the page fetches the list again. A notice carries no data, so a page never has to
// merge: it asks the same question as before and gets the current answer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "tracechat/net/websocket.h"

namespace tracechat::explorer {

class LiveUpdates {
 public:
  // `probe`: a value that changes whenever the store has new spans (nullopt: it could
  // not be read this time).
  LiveUpdates(std::function<std::optional<std::string>()> probe, std::chrono::milliseconds poll,
              std::size_t max_clients);
  ~LiveUpdates();  // stops the thread and closes the sockets
  LiveUpdates(const LiveUpdates&) = delete;
  LiveUpdates& operator=(const LiveUpdates&) = delete;

  // An upgrade to /api/live: accepted, or a 503 when max_clients are connected.
  std::variant<net::WebSocketAccept, net::HttpResponse> accept();
  std::uint64_t clients() const;
  std::uint64_t notices() const { return notices_.load(); }

 private:
  class Client;
  // The open connections. Shared with each connection's handler, which may outlive this
  // object on a server that is still winding down.
  struct Registry {
    std::mutex mutex;
    std::uint64_t next_id = 0;
    std::size_t pending = 0;  // accepted, not yet open
    std::map<std::uint64_t, std::weak_ptr<net::WebSocketChannel>> channels;
  };
  void run();

  std::function<std::optional<std::string>()> probe_;
  const std::chrono::milliseconds poll_;
  const std::size_t max_clients_;
  const std::shared_ptr<Registry> registry_ = std::make_shared<Registry>();
  std::mutex stop_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> notices_{0};
  std::thread thread_;
};

}  // namespace tracechat::explorer
