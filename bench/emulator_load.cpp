// emulator_load: a load driver for the platform emulator. It starts `tracechat emulator`
// as its own process (so the emulator's memory is measured alone), then
//   1. opens --idle-sessions guest-chat sessions (connect handshake done) and reports the
//      emulator's RSS growth per idle session;
//   2. drives --active-sessions sessions that keep --window messages in flight each for
//      --seconds, and reports accepted messages/s and the send → message-accepted
//      latency percentiles.
// A session that does not open within --connect-timeout (TCP) and then
// --handshake-timeout (the WebSocket upgrade and guest-chat's `connected`) is given up
// on, never waited for: a server that stops accepting leaves connections in its listen
// backlog, where the upgrade is never answered. The sessions that could not open are
// reported by why.
// The emulator runs with a config that lifts the per-conversation rate limit and turns
// the bot off: this measures the server's capacity, not the documented 2 messages/s.
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
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
  // The banner line, within 30 s: an emulator that hangs before it listens must not hang
  // the load run with it.
  std::string banner;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool line_done = false;
  while (!line_done) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd readable{out[0], POLLIN, 0};
    if (left.count() <= 0 || poll(&readable, 1, static_cast<int>(left.count())) <= 0) {
      kill(e.pid, SIGKILL);
      waitpid(e.pid, nullptr, 0);
      std::fprintf(stderr, "emulator did not print its address within 30 s (so far: %s)\n", banner.c_str());
      std::exit(2);
    }
    char c;
    if (read(out[0], &c, 1) != 1) break;  // it exited: what it printed says why
    line_done = c == '\n';
    if (!line_done) banner.push_back(c);
  }
  const auto at = banner.find("127.0.0.1:");
  if (at == std::string::npos) {
    std::fprintf(stderr, "emulator did not start: %s\n", banner.c_str());
    std::exit(2);
  }
  e.port = static_cast<std::uint16_t>(std::stoi(banner.substr(at + 10)));
  return e;
}

// How long a session may take to open, and why the ones that did not open failed
// (reason → sessions).
struct OpenLimits {
  Clock::duration connect;    // TCP connect
  Clock::duration handshake;  // from connected to `connected`: the upgrade and guest-chat's connect
};
using OpenFailures = std::map<std::string, std::uint64_t>;

// One guest-chat session: connect, then (if active) keep `window` messages in flight.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(asio::io_context& ioc, const OpenLimits& limits, OpenFailures& open_failures, std::vector<double>& latencies,
          std::uint64_t& accepted, std::uint64_t& failed)
      : ws_(ioc),
        deadline_(ioc),
        limits_(limits),
        open_failures_(open_failures),
        latencies_(latencies),
        accepted_(accepted),
        failed_(failed) {}

  // `on_settled` runs once: when the session has opened, or has been given up on.
  void start(const tcp::endpoint& endpoint, std::string target, std::function<void()> on_settled) {
    on_settled_ = std::move(on_settled);
    target_ = std::move(target);
    expire_after(limits_.connect, "connect timeout");
    beast::get_lowest_layer(ws_).async_connect(endpoint, [self = shared_from_this()](beast::error_code ec) {
      if (self->settled_) return;
      if (ec == asio::error::connection_refused) return self->give_up("connect refused");
      if (ec) return self->give_up("connect error: " + ec.message());
      beast::get_lowest_layer(self->ws_).socket().set_option(tcp::no_delay(true), ec);
      self->expire_after(self->limits_.handshake, "handshake timeout");
      self->ws_.async_handshake("127.0.0.1", self->target_, [self](beast::error_code ec2) {
        if (self->settled_) return;
        if (ec2) return self->give_up("upgrade failed: " + ec2.message());
        self->write(R"({"command":"connect","requestId":"c","displayName":"load"})");
        self->read();
      });
    });
  }

  void drive(Clock::time_point until, int window) {
    if (!open_) return;
    until_ = until;
    for (int i = 0; i < window; ++i) send_message();
  }

 private:
  // The opening's deadline: past it the socket is closed, which ends what is pending.
  void expire_after(Clock::duration limit, const char* reason) {
    deadline_.expires_after(limit);
    deadline_.async_wait([self = shared_from_this(), reason](beast::error_code ec) {
      if (!ec && !self->settled_) self->give_up(reason);
    });
  }

  void opened() {
    if (settled_) return;
    settled_ = true;
    open_ = true;
    deadline_.cancel();
    std::exchange(on_settled_, nullptr)();
  }

  void give_up(const std::string& reason) {
    if (settled_) return;
    settled_ = true;
    deadline_.cancel();
    ++open_failures_[reason];
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    std::exchange(on_settled_, nullptr)();
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
      if (ec) return self->give_up("closed before connected: " + ec.message());  // no-op once settled
      const std::string frame = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      self->on_frame(frame);
      self->read();
    });
  }

  void on_frame(const std::string& frame) {
    if (frame.find(R"("type":"connected")") != std::string::npos) {
      opened();
    } else if (!open_ && frame.find(R"("type":"error")") != std::string::npos) {
      give_up("connect refused by the emulator (error reply)");
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
  asio::steady_timer deadline_;
  const OpenLimits& limits_;
  OpenFailures& open_failures_;
  bool settled_ = false;
  bool open_ = false;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  std::deque<Clock::time_point> sent_at_;
  std::string target_;
  std::function<void()> on_settled_;
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

// Opens `count` sessions and runs the io_context until each has opened or been given up
// on (the limits bound the wait); the ones that did not open are counted in
// `open_failures` by why.
std::vector<std::shared_ptr<Session>> open_sessions(asio::io_context& ioc, const tcp::endpoint& endpoint,
                                                    std::size_t count, std::size_t first_index,
                                                    const OpenLimits& limits, OpenFailures& open_failures,
                                                    std::vector<double>& latencies, std::uint64_t& accepted,
                                                    std::uint64_t& failed) {
  std::vector<std::shared_ptr<Session>> sessions;
  std::size_t done = 0;
  // Open in waves so the listen backlog is never the bottleneck being measured.
  constexpr std::size_t kWave = 500;
  for (std::size_t i = 0; i < count; i += kWave) {
    const std::size_t wave_end = std::min(count, i + kWave);
    for (std::size_t j = i; j < wave_end; ++j) {
      auto s = std::make_shared<Session>(ioc, limits, open_failures, latencies, accepted, failed);
      s->start(endpoint, guest_target(first_index + j), [&done] { ++done; });
      sessions.push_back(std::move(s));
    }
    if (ioc.stopped()) ioc.restart();
    // Every session settles by its deadline; run_one returns 0 only once nothing is left.
    while (done < wave_end && ioc.run_one() > 0) {
    }
  }
  return sessions;
}

std::uint64_t total(const OpenFailures& failures) {
  std::uint64_t n = 0;
  for (const auto& [reason, count] : failures) n += count;
  return n;
}

// "could not open:   3 handshake timeout, 1 connect refused" (most first), nothing when all opened.
void print_open_failures(const OpenFailures& failures) {
  if (failures.empty()) return;
  std::vector<std::pair<std::uint64_t, std::string>> by_count;
  for (const auto& [reason, count] : failures) by_count.emplace_back(count, reason);
  std::sort(by_count.begin(), by_count.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string line;
  for (const auto& [count, reason] : by_count) {
    line += (line.empty() ? "" : ", ") + std::to_string(count) + " " + reason;
  }
  std::printf("could not open:   %s\n", line.c_str());
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
  double connect_timeout = 10;
  double handshake_timeout = 10;
  app.add_option("--tracechat", binary, "the tracechat executable")->capture_default_str();
  app.add_option("--idle-sessions", idle_sessions, "sessions opened and left idle")->capture_default_str();
  app.add_option("--active-sessions", active_sessions, "sessions sending messages")->capture_default_str();
  app.add_option("--window", window, "messages in flight per active session")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--seconds", seconds, "how long the active sessions send")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  app.add_option("--connect-timeout", connect_timeout, "seconds a session's TCP connect may take before it is given up")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  app.add_option("--handshake-timeout", handshake_timeout,
                 "seconds from connected to guest-chat's `connected` (the WebSocket upgrade, then the connect "
                 "command) before a session is given up")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  CLI11_PARSE(app, argc, argv);
  const auto to_duration = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  const OpenLimits limits{to_duration(connect_timeout), to_duration(handshake_timeout)};

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
  OpenFailures idle_open_failures, active_open_failures;

  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const long rss_start = rss_kib(emulator.pid);
  const auto t0 = Clock::now();
  auto idle = open_sessions(ioc, endpoint, idle_sessions, 0, limits, idle_open_failures, latencies, accepted, failed);
  const double open_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long rss_idle = rss_kib(emulator.pid);
  const auto idle_failed = total(idle_open_failures);
  std::printf("idle sessions:    %zu connected in %.2f s (%llu could not open)\n", idle_sessions - idle_failed,
              open_seconds, static_cast<unsigned long long>(idle_failed));
  print_open_failures(idle_open_failures);
  std::printf("emulator RSS:     %.1f MiB at start, %.1f MiB with the idle sessions: %.2f KiB per idle session\n",
              rss_start / 1024.0, rss_idle / 1024.0,
              idle_sessions > 0 ? static_cast<double>(rss_idle - rss_start) / static_cast<double>(idle_sessions) : 0.0);

  failed = 0;
  auto active = open_sessions(ioc, endpoint, active_sessions, idle_sessions, limits, active_open_failures, latencies,
                              accepted, failed);
  const auto active_failed = total(active_open_failures);
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (auto& s : active) s->drive(until, window);
  if (ioc.stopped()) ioc.restart();
  ioc.run_for(std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()) + std::chrono::seconds(2));
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count() - 2.0;
  std::printf("active sessions:  %zu, %d messages in flight each, %.1f s (%llu could not open)\n",
              active_sessions - active_failed, window, seconds, static_cast<unsigned long long>(active_failed));
  print_open_failures(active_open_failures);
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
  const bool ok =
      idle_failed == 0 && active_failed == 0 && accepted > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok) {
    std::fprintf(stderr, "load run failed (sessions that could not open, no messages, or an unclean emulator exit)\n");
  }
  return ok ? 0 : 1;
}
