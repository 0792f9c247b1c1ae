#include "live_updates.h"

#include <vector>

namespace tracechat::explorer {

// One /api/live connection: it only listens. The registry holds its channel weakly, so a
// closed connection is never kept alive by it.
class LiveUpdates::Client final : public net::WebSocketHandler {
 public:
  Client(std::shared_ptr<Registry> registry, std::uint64_t id) : registry_(std::move(registry)), id_(id) {}
  void on_open(std::weak_ptr<net::WebSocketChannel> channel) override {
    std::lock_guard lock(registry_->mutex);
    if (registry_->pending > 0) --registry_->pending;
    registry_->channels.emplace(id_, std::move(channel));
  }
  void on_text(std::string) override {}
  void on_binary(std::size_t) override {}
  void on_idle() override {}
  void on_closed(std::string_view) override {
    std::lock_guard lock(registry_->mutex);
    // A handshake that failed closes without having opened: it was pending.
    if (registry_->channels.erase(id_) == 0 && registry_->pending > 0) --registry_->pending;
  }

 private:
  const std::shared_ptr<Registry> registry_;
  const std::uint64_t id_;
};

LiveUpdates::LiveUpdates(std::function<std::optional<std::string>()> probe, std::chrono::milliseconds poll,
                         std::size_t max_clients)
    : probe_(std::move(probe)), poll_(poll), max_clients_(max_clients) {
  thread_ = std::thread([this] { run(); });
}

LiveUpdates::~LiveUpdates() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  std::lock_guard lock(registry_->mutex);
  for (auto& [id, weak] : registry_->channels) {
    if (auto channel = weak.lock()) channel->close(net::CloseCode::going_away, "explorer stopping");
  }
}

std::variant<net::WebSocketAccept, net::HttpResponse> LiveUpdates::accept() {
  std::lock_guard lock(registry_->mutex);
  // A connection counts from its upgrade: a page cannot get past the limit by opening
  // many sockets at once.
  if (registry_->channels.size() + registry_->pending >= max_clients_) {
    auto busy = net::json_response(503, R"({"error":"too many live connections"})");
    busy.set_header("Retry-After", "5");
    return busy;
  }
  ++registry_->pending;
  net::WebSocketAccept accepted;
  accepted.handler = std::make_shared<Client>(registry_, registry_->next_id++);
  accepted.options.max_message_bytes = 1024;  // the page sends nothing
  accepted.options.max_queued_bytes = 64 * 1024;
  return accepted;
}

std::uint64_t LiveUpdates::clients() const {
  std::lock_guard lock(registry_->mutex);
  return registry_->channels.size();
}

void LiveUpdates::run() {
  std::optional<std::string> last = probe_();
  std::unique_lock lock(stop_mutex_);
  while (!wake_.wait_for(lock, poll_, [this] { return stopping_; })) {
    lock.unlock();
    const std::optional<std::string> now = probe_();
    if (now && now != last) {
      last = now;
      std::vector<std::shared_ptr<net::WebSocketChannel>> open;
      {
        std::lock_guard registry_lock(registry_->mutex);
        for (auto& [id, weak] : registry_->channels) {
          if (auto channel = weak.lock()) open.push_back(std::move(channel));
        }
      }
      for (auto& channel : open) channel->send(R"({"type":"changed"})");
      notices_ += open.size();
    }
    lock.lock();
  }
}

}  // namespace tracechat::explorer
