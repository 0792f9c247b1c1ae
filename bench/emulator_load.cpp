// emulator_load: a load driver for the platform emulator. It starts `tracechat emulator`
// as its own process (so the emulator's memory is measured alone), then
//   1. opens --idle-sessions guest-chat sessions (connect handshake done) and reports the
//      emulator's RSS growth per idle session;
//   2. drives --active-sessions sessions that keep --window messages in flight each for
//      --seconds, and reports accepted messages/s and the send → message-accepted
//      latency percentiles.
// The emulator runs with a config that lifts the per-conversation rate limit and turns
// the bot off: this measures the server's capacity, not the documented 2 messages/s.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

struct Emulator {
  pid_t pid = -1;
  std::uint16_t port = 0;
};

// Starts the emulator on a free loopback port and reads the port from its banner.
Emulator spawn(const std::string& binary, const std::filesystem::path& dir) {
  const auto config = dir / "load.json";
  std::ofstream(config)
      << R"({"limits":{"messagesPerSecond":1000000,"messageBurst":1000000,"idleTimeoutSeconds":3600},)"
      << R"("bot":{"enabled":false}})";
  int out[2];
  if (pipe(out) != 0) std::exit(2);
  Emulator e;
  e.pid = fork();
  if (e.pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    const std::string db = (dir / "load.sqlite").string();
    const std::string cfg = config.string();
    execl(binary.c_str(), binary.c_str(), "emulator", "--listen", "127.0.0.1:0", "--db", db.c_str(), "--config",
          cfg.c_str(), "--quiet", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string banner;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') banner.push_back(c);
  const auto at = banner.find("127.0.0.1:");
  if (at == std::string::npos) {
    std::fprintf(stderr, "emulator did not start: %s\n", banner.c_str());
    std::exit(2);
  }
  e.port = static_cast<std::uint16_t>(std::stoi(banner.substr(at + 10)));
  return e;
}

// One guest-chat session: connect, then (if active) keep `window` messages in flight.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(asio::io_context& ioc, std::vector<double>& latencies, std::uint64_t& accepted, std::uint64_t& failed)
      : ws_(ioc), latencies_(latencies), accepted_(accepted), failed_(failed) {}

  void start(const tcp::endpoint& endpoint, std::string target, std::function<void()> on_connected) {
    on_connected_ = std::move(on_connected);
    target_ = std::move(target);
    beast::get_lowest_layer(ws_).async_connect(endpoint, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->fail();
      beast::get_lowest_layer(self->ws_).socket().set_option(tcp::no_delay(true), ec);
      self->ws_.async_handshake("127.0.0.1", self->target_, [self](beast::error_code ec2) {
        if (ec2) return self->fail();
        self->write(R"({"command":"connect","requestId":"c","displayName":"load"})");
        self->read();
      });
    });
  }

  void drive(Clock::time_point until, int window) {
    until_ = until;
    for (int i = 0; i < window; ++i) send_message();
  }

 private:
  void fail() {
    ++failed_;
    if (on_connected_) std::exchange(on_connected_, nullptr)();
  }

  void send_message() {
    if (Clock::now() >= until_) return;
    sent_at_.push_back(Clock::now());
    write(R"({"command":"send-message","requestId":"m)" + std::to_string(next_id_++) +
          R"(","message":{"body":"load test message"}})");
  }

  void write(std::string frame) {
    outbox_.push_back(std::move(frame));
    if (outbox_.size() == 1) write_next();
  }
  void write_next() {
    ws_.text(true);
    ws_.async_write(asio::buffer(outbox_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->outbox_.pop_front();
      if (!self->outbox_.empty()) self->write_next();
    });
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      const std::string frame = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      self->on_frame(frame);
      self->read();
    });
  }

  void on_frame(const std::string& frame) {
    if (frame.find(R"("type":"connected")") != std::string::npos) {
      if (on_connected_) std::exchange(on_connected_, nullptr)();
    } else if (frame.find(R"("type":"message-accepted")") != std::string::npos && !sent_at_.empty()) {
      // Replies come in request order on one connection, so the oldest send is this one.
      latencies_.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent_at_.front()).count());
      sent_at_.pop_front();
      ++accepted_;
      send_message();
    } else if (frame.find(R"("type":"error")") != std::string::npos && !sent_at_.empty()) {
      sent_at_.pop_front();
      ++failed_;
      send_message();
    }
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  std::deque<Clock::time_point> sent_at_;
  std::string target_;
  std::function<void()> on_connected_;
  std::vector<double>& latencies_;
  std::uint64_t& accepted_;
  std::uint64_t& failed_;
  Clock::time_point until_{};
  std::uint64_t next_id_ = 0;
};

std::string guest_target(std::size_t i) {
  char guest[40];
  std::snprintf(guest, sizeof guest, "00000000-0000-4000-8000-%012zx", i);
  return std::string("/v1/5d6e0a54-7c34-4c2e-9b4b-0f1b2c3d4e5f/guest/") + guest + "/connect";
}

// Opens `count` sessions and runs the io_context until all have connected (or failed).
std::vector<std::shared_ptr<Session>> open_sessions(asio::io_context& ioc, const tcp::endpoint& endpoint,
                                                    std::size_t count, std::size_t first_index,
                                                    std::vector<double>& latencies, std::uint64_t& accepted,
                                                    std::uint64_t& failed) {
  std::vector<std::shared_ptr<Session>> sessions;
  std::size_t done = 0;
  // Open in waves so the listen backlog is never the bottleneck being measured.
  constexpr std::size_t kWave = 500;
  for (std::size_t i = 0; i < count; i += kWave) {
    const std::size_t wave_end = std::min(count, i + kWave);
    for (std::size_t j = i; j < wave_end; ++j) {
      auto s = std::make_shared<Session>(ioc, latencies, accepted, failed);
      s->start(endpoint, guest_target(first_index + j), [&done] { ++done; });
      sessions.push_back(std::move(s));
    }
    while (done < wave_end) ioc.run_one();
  }
  return sessions;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Load driver for `tracechat emulator`: idle-session memory, then message throughput and ack latency"};
  std::string binary = "build/src/tracechat";
  std::size_t idle_sessions = 10000;
  std::size_t active_sessions = 200;
  int window = 8;
  double seconds = 10;
  app.add_option("--tracechat", binary, "the tracechat executable")->capture_default_str();
  app.add_option("--idle-sessions", idle_sessions, "sessions opened and left idle")->capture_default_str();
  app.add_option("--active-sessions", active_sessions, "sessions sending messages")->capture_default_str();
  app.add_option("--window", window, "messages in flight per active session")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--seconds", seconds, "how long the active sessions send")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  CLI11_PARSE(app, argc, argv);

  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);

  const auto dir = std::filesystem::temp_directory_path() / ("tracechat-load-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const Emulator emulator = spawn(binary, dir);
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), emulator.port);
  asio::io_context ioc;
  std::vector<double> latencies;
  std::uint64_t accepted = 0, failed = 0;

  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const long rss_start = rss_kib(emulator.pid);
  const auto t0 = Clock::now();
  auto idle = open_sessions(ioc, endpoint, idle_sessions, 0, latencies, accepted, failed);
  const double open_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long rss_idle = rss_kib(emulator.pid);
  const auto idle_failed = failed;
  std::printf("idle sessions:    %zu connected in %.2f s (%llu failed)\n", idle_sessions - idle_failed, open_seconds,
              static_cast<unsigned long long>(idle_failed));
  std::printf("emulator RSS:     %.1f MiB at start, %.1f MiB with the idle sessions: %.2f KiB per idle session\n",
              rss_start / 1024.0, rss_idle / 1024.0,
              idle_sessions > 0 ? static_cast<double>(rss_idle - rss_start) / static_cast<double>(idle_sessions) : 0.0);

  failed = 0;
  auto active = open_sessions(ioc, endpoint, active_sessions, idle_sessions, latencies, accepted, failed);
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (auto& s : active) s->drive(until, window);
  ioc.run_for(std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()) + std::chrono::seconds(2));
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count() - 2.0;
  std::printf("active sessions:  %zu, %d messages in flight each, %.1f s\n", active_sessions, window, seconds);
  std::printf("accepted:         %llu messages, %.0f messages/s (%llu errors)\n",
              static_cast<unsigned long long>(accepted), static_cast<double>(accepted) / std::max(elapsed, seconds),
              static_cast<unsigned long long>(failed));
  std::printf("ack latency ms:   p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", percentile(latencies, 50),
              percentile(latencies, 90), percentile(latencies, 99), percentile(latencies, 100));
  std::printf("emulator RSS:     %.1f MiB after the run\n", rss_kib(emulator.pid) / 1024.0);

  kill(emulator.pid, SIGTERM);
  int status = 0;
  waitpid(emulator.pid, &status, 0);
  std::filesystem::remove_all(dir);
  const bool ok = idle_failed == 0 && accepted > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok) std::fprintf(stderr, "load run failed (connect failures, no messages, or an unclean emulator exit)\n");
  return ok ? 0 : 1;
}
