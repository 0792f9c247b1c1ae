// Out of descriptors, a server keeps serving (issue #16). A child process runs the server
// and, with RLIMIT_NOFILE lowered, fills its last free descriptors; this process is the
// client, so its sockets do not count against the child's limit. While accept(2) fails
// with EMFILE the server retries on its back-off timer — the attempts are counted and
// held to what the schedule allows in the time that passed, which a slow machine can only
// make a looser bound, never a failure — and serves the connection it already has. Once
// descriptors are freed it accepts the connections that waited in the backlog. The child
// reports through a pipe, one `verb key=value...` line per step, and the test asserts.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/system/error_code.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tracechat/emulator/emulator.h"
#include "tracechat/net/http_server.h"

using namespace std::chrono_literals;
namespace net = tracechat::net;
namespace emulator = tracechat::emulator;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kBackoff = 20ms;
constexpr auto kBackoffMax = 160ms;
// Failed accepts the child waits for before it reports: 20+40+80+160*4 ms of pauses.
constexpr std::uint64_t kHeldFailures = 8;
// Descriptors the child leaves itself above the highest one open when it lowers the
// limit (all of them taken by the ballast, and given back at the end).
constexpr int kSpare = 24;
// How long either side waits for the other before giving up (a hang guard, not a verdict).
constexpr auto kPatience = 20s;

// The most failed accepts the back-off lets through within `elapsed` of the first: that
// one, then one each time a pause (doubling from kBackoff up to kBackoffMax) runs out.
std::uint64_t most_failures_within(Clock::duration elapsed) {
  std::uint64_t failures = 1;
  Clock::duration waited{0};
  std::chrono::milliseconds pause = kBackoff;
  while (waited + pause <= elapsed) {
    waited += pause;
    ++failures;
    pause = std::min(pause * 2, kBackoffMax);
  }
  return failures;
}

bool wait_readable(int fd, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// --- the child's reports ----------------------------------------------------------

bool send_line(int fd, const std::string& line) { return write_all(fd, line + "\n"); }

std::optional<std::string> receive_line(int fd, Clock::duration patience = kPatience) {
  const auto deadline = Clock::now() + patience;
  std::string line;
  for (;;) {
    if (!wait_readable(fd, deadline)) return std::nullopt;
    char c;
    const auto n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    if (c == '\n') return line;
    line.push_back(c);
  }
}

// "verb k=v k=v": the verb under "", the rest by key.
std::map<std::string, std::string> fields(const std::string& line) {
  std::map<std::string, std::string> out;
  std::size_t at = 0;
  while (at < line.size()) {
    const auto end = std::min(line.find(' ', at), line.size());
    const std::string word = line.substr(at, end - at);
    const auto eq = word.find('=');
    if (eq == std::string::npos) {
      out[""] = word;
    } else {
      out[word.substr(0, eq)] = word.substr(eq + 1);
    }
    at = end + 1;
  }
  return out;
}

std::uint64_t number(const std::map<std::string, std::string>& f, const std::string& key) {
  const auto it = f.find(key);
  return it == f.end() ? ~std::uint64_t{0} : std::stoull(it->second);
}

std::string stats_fields(const net::HttpServerStats& s) {
  return "attempts=" + std::to_string(s.accept_attempts) + " accepted=" + std::to_string(s.accepted) +
         " failures=" + std::to_string(s.accept_failures) + " pauses=" + std::to_string(s.accept_pauses) +
         " backing_off=" + (s.backing_off ? "1" : "0");
}

// A forked child running `body(to_parent, from_parent)`; its exit status is the body's
// result. Killed if the test ends first.
class Child {
 public:
  explicit Child(const std::function<int(int, int)>& body) {
    int up[2], down[2];
    if (::pipe(up) != 0 || ::pipe(down) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(up[0]);
      ::close(down[1]);
      int code = 3;
      try {
        code = body(up[1], down[0]);
      } catch (const std::exception& e) {
        send_line(up[1], std::string("error exception:") + e.what());
      }
      ::_exit(code);  // no atexit handlers, no gtest teardown in the child
    }
    ::close(up[1]);
    ::close(down[0]);
    from_child_ = up[0];
    to_child_ = down[1];
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (from_child_ >= 0) ::close(from_child_);
    if (to_child_ >= 0) ::close(to_child_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool started() const { return pid_ > 0 && from_child_ >= 0; }
  // The next report, whose verb must be `verb` (else the report, an error line, is shown).
  std::map<std::string, std::string> expect(const std::string& verb) {
    const auto line = receive_line(from_child_);
    EXPECT_TRUE(line) << "no '" << verb << "' report from the child";
    auto f = fields(line.value_or(""));
    EXPECT_EQ(f[""], verb) << "the child reported: " << line.value_or("<nothing>");
    return f;
  }
  void say(const std::string& line) { EXPECT_TRUE(send_line(to_child_, line)); }
  int wait() {
    int status = 0;
    // The child ends on its own after its last report; the guard kills it otherwise.
    const auto deadline = Clock::now() + kPatience;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) return -1;
      std::this_thread::sleep_for(10ms);
    }
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int from_child_ = -1;
  int to_child_ = -1;
};

// --- in the child -------------------------------------------------------------------

int highest_open_descriptor() {
  int top = -1;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    top = std::max(top, std::stoi(entry.path().filename().string()));
  }
  return top;
}

// UndefinedBehaviorSanitizer checks an object's vptr the first time it meets the pair
// (static type, vtable): it reads the vtable's prefix after testing that memory through a
// pipe(2), which fails with EMFILE, and then reports the valid object as one with an
// "invalid vptr" (it reads like a use after free). So every pair checked while the child
// has no descriptor left is met once before: what the accept loop's failure path does
// (the accept's error named in the log line; the new connection's strand, released with
// the socket the accept did not fill) here, and each test sends its requests twice on the
// connection it keeps, so the first one's operations have all ended before the second
// answer arrives. A thread that has not yet begun (the emulator's store writer, on a
// loaded machine) would meet its own pair in the window: the child waits until every
// other thread is blocked. Without the sanitizer this costs nothing.
void warm_up_virtual_calls() {
  (void)boost::system::error_code(EMFILE, boost::system::system_category()).message();
  boost::asio::io_context io;
  { auto strand = boost::asio::make_strand(io); }
}

// Whether every thread of this process but the calling one is asleep (state S or D in
// /proc): started, and waiting for something to do.
bool other_threads_asleep() {
  const auto self = std::to_string(::gettid());
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    if (task.path().filename() == self) continue;
    std::ifstream stat(task.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto name_end = text.rfind(')');
    if (name_end == std::string::npos || name_end + 2 >= text.size()) continue;  // the thread ended
    const char state = text[name_end + 2];
    if (state != 'S' && state != 'D') return false;
  }
  return true;
}

bool wait_for_other_threads_to_sleep() {
  const auto give_up = Clock::now() + kPatience;
  while (!other_threads_asleep()) {
    if (Clock::now() > give_up) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// Lowers the soft limit to kSpare above the descriptors open, then opens /dev/null until
// none is left. The ballast, or empty (and `why`) when the process was not left at EMFILE.
std::vector<int> exhaust_descriptors(std::string& why) {
  warm_up_virtual_calls();
  if (!wait_for_other_threads_to_sleep()) {
    why = "busy-threads";
    return {};
  }
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = static_cast<rlim_t>(highest_open_descriptor() + 1 + kSpare);
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_cur > limit.rlim_max) limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    why = "setrlimit:" + std::to_string(errno);
    return {};
  }
  std::vector<int> ballast;
  for (;;) {
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ballast.push_back(fd);
      continue;
    }
    if (errno != EMFILE) why = "open:" + std::to_string(errno);
    break;
  }
  if (!why.empty()) {
    for (int fd : ballast) ::close(fd);
    ballast.clear();
  }
  return ballast;
}

std::string log_text(std::FILE* log) {
  std::fflush(log);
  std::string text;
  char buffer[4096];
  for (off_t at = 0;;) {
    const auto n = ::pread(fileno(log), buffer, sizeof buffer, at);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    at += n;
  }
  return text;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// A log the child can read while the server writes it: unbuffered, so every line is in
// the file when fprintf returns.
std::FILE* open_log() {
  std::FILE* log = std::tmpfile();
  if (log != nullptr) std::setvbuf(log, nullptr, _IONBF, 0);
  return log;
}

// The log lines the episode left, for the report (and on the child's stderr, where the
// test's output shows them).
std::string log_fields(std::FILE* log) {
  const std::string text = log_text(log);
  std::fputs(text.c_str(), stderr);
  return "paused_lines=" + std::to_string(count_of(text, "event=accept-paused")) +
         " resumed_lines=" + std::to_string(count_of(text, "event=accept-resumed"));
}

// --- in this process: the client ----------------------------------------------------

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // The kernel completes the handshake into the listen backlog whether or not the server
  // can accept: connect returns at once either way.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string get_request(bool keep_alive) {
  return std::string("GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: ") + (keep_alive ? "keep-alive" : "close") +
         "\r\n\r\n";
}

// Reads until `done(bytes)` or the patience runs out; what was read.
std::string read_until(int fd, const std::function<bool(const std::string&)>& done) {
  const auto deadline = Clock::now() + kPatience;
  std::string bytes;
  char buffer[4096];
  while (!done(bytes) && wait_readable(fd, deadline)) {
    const auto n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
  return bytes;
}

// One response framed by Content-Length (what HttpServer sends), from its status line.
std::string read_response(int fd) {
  return read_until(fd, [](const std::string& bytes) {
    const auto head_end = bytes.find("\r\n\r\n");
    if (head_end == std::string::npos) return false;
    std::string head = bytes.substr(0, head_end);
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
    const auto length_at = head.find("content-length:");
    const std::size_t length = length_at == std::string::npos ? 0 : std::stoul(head.substr(length_at + 15));
    return bytes.size() >= head_end + 4 + length;
  });
}

// --- WebSocket, by hand: an upgrade, masked text frames out, text frames in -----------

std::string upgrade_request(const std::string& target) {
  return "GET " + target +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

std::string guest_target(int guest) {
  char id[40];
  std::snprintf(id, sizeof id, "0f0e0d0c-0b0a-4908-8706-%012d", guest);
  return std::string("/v1/5d6e0a54-7c34-4c2e-9b4b-0f1b2c3d4e5f/guest/") + id + "/connect";
}

bool send_text_frame(int fd, const std::string& text) {
  std::string frame{static_cast<char>(0x81)};
  if (text.size() < 126) {
    frame.push_back(static_cast<char>(0x80 | text.size()));
  } else {
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>(text.size() >> 8));
    frame.push_back(static_cast<char>(text.size() & 0xff));
  }
  const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
  frame.append(reinterpret_cast<const char*>(mask), 4);
  for (std::size_t i = 0; i < text.size(); ++i) frame.push_back(static_cast<char>(text[i] ^ mask[i % 4]));
  return write_all(fd, frame);
}

// The server's text frames (unmasked, unfragmented) read until one contains `needle`;
// `pending` keeps what was read past the frames. Empty on timeout or close.
std::string frame_with(int fd, std::string& pending, const std::string& needle) {
  for (;;) {
    std::string payload;
    const auto complete = [&payload](const std::string& bytes) {
      if (bytes.size() < 2) return false;
      std::size_t length = static_cast<unsigned char>(bytes[1]) & 0x7f, head = 2;
      if (length == 126) {
        if (bytes.size() < 4) return false;
        length = (static_cast<std::size_t>(static_cast<unsigned char>(bytes[2])) << 8) |
                 static_cast<unsigned char>(bytes[3]);
        head = 4;
      }
      if (bytes.size() < head + length) return false;
      payload = bytes.substr(head, length);
      return true;
    };
    std::string more = read_until(fd, [&](const std::string& bytes) { return complete(pending + bytes); });
    pending += more;
    if (!complete(pending)) return {};
    const std::size_t head = (static_cast<unsigned char>(pending[1]) & 0x7f) == 126 ? 4 : 2;
    pending.erase(0, head + payload.size());
    if (payload.find(needle) != std::string::npos) return payload;
  }
}

// Sends the upgrade and reads its answer's head.
std::string upgrade(int fd, const std::string& target) {
  if (!write_all(fd, upgrade_request(target))) return {};
  return read_until(fd, [](const std::string& bytes) { return bytes.find("\r\n\r\n") != std::string::npos; });
}

// The server in the child: the HttpServer itself.
int serve_out_of_descriptors(int to_parent, int from_parent) {
  std::FILE* log = open_log();
  net::HttpServerOptions options;
  options.threads = 2;
  options.accept_backoff = kBackoff;
  options.accept_backoff_max = kBackoffMax;
  options.log = log;
  net::HttpServer server(options, [](net::HttpRequest&) { return net::text_response(200, "ok\n"); });
  if (log == nullptr || !server.start()) return send_line(to_parent, "error start"), 1;
  send_line(to_parent, "port port=" + std::to_string(server.port()));

  if (receive_line(from_parent) != "fill") return 1;
  std::string why;
  const auto ballast = exhaust_descriptors(why);
  if (ballast.empty()) return send_line(to_parent, "error " + why), 1;
  // Nothing has tried to connect since the parent's first connection: the first failed
  // accept comes after this.
  const auto before_first_failure = Clock::now();
  send_line(to_parent, "full ballast=" + std::to_string(ballast.size()));

  // The parent connects now. Wait for the failures (counts, polled), then read the clock:
  // the time is an over-estimate of how long the server has been failing, so the bound
  // it gives is loose on a slow machine, never tight.
  const auto give_up = Clock::now() + kPatience;
  auto held = server.stats();
  while (held.accept_failures < kHeldFailures && Clock::now() < give_up) {
    std::this_thread::sleep_for(5ms);
    held = server.stats();
  }
  const auto elapsed = Clock::now() - before_first_failure;
  send_line(to_parent, "held " + stats_fields(held) + " bound=" + std::to_string(most_failures_within(elapsed)) +
                           " elapsed_ms=" +
                           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));

  if (receive_line(from_parent) != "free") return 1;
  const auto before_free = server.stats();
  for (int fd : ballast) ::close(fd);
  send_line(to_parent, "freed " + stats_fields(before_free));

  if (receive_line(from_parent) != "done") return 1;
  const auto after = server.stats();
  server.stop();
  send_line(to_parent, "resumed " + stats_fields(after) + " " + log_fields(log));
  return 0;
}

// The platform emulator in the child: its WebSocket upgrades, on the same accept loop.
int emulate_out_of_descriptors(int to_parent, int from_parent) {
  struct TempDir {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("tracechat-descriptor-limit-" + std::to_string(::getpid()));
    TempDir() { std::filesystem::create_directories(path); }
    ~TempDir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } dir;
  std::FILE* log = open_log();
  emulator::EmulatorOptions options;
  options.listen = "127.0.0.1:0";
  options.db = dir.path / "platform.sqlite";
  options.log = log;
  options.config.bot.enabled = false;
  auto started = emulator::Emulator::start(options);
  if (log == nullptr || !started) return send_line(to_parent, "error start"), 1;
  auto& emulator = **started;
  send_line(to_parent, "port port=" + std::to_string(emulator.port()));

  if (receive_line(from_parent) != "fill") return 1;
  std::string why;
  const auto ballast = exhaust_descriptors(why);
  if (ballast.empty()) return send_line(to_parent, "error " + why), 1;
  send_line(to_parent, "full ballast=" + std::to_string(ballast.size()));

  // The emulator's server says when it stops accepting; its stats are not exposed.
  const auto give_up = Clock::now() + kPatience;
  while (count_of(log_text(log), "event=accept-paused") == 0 && Clock::now() < give_up) {
    std::this_thread::sleep_for(5ms);
  }
  send_line(to_parent, "held paused_lines=" + std::to_string(count_of(log_text(log), "event=accept-paused")));

  if (receive_line(from_parent) != "free") return 1;
  for (int fd : ballast) ::close(fd);
  send_line(to_parent, "freed");

  if (receive_line(from_parent) != "done") return 1;
  started->reset();  // stops: the open connections are closed with their final notice
  send_line(to_parent, "resumed " + log_fields(log));
  return 0;
}

// Writes to a child or a socket that went away fail instead of killing the test.
class IgnoreSigpipe {
 public:
  IgnoreSigpipe() : previous_(std::signal(SIGPIPE, SIG_IGN)) {}
  ~IgnoreSigpipe() { std::signal(SIGPIPE, previous_); }

 private:
  void (*previous_)(int);
};

}  // namespace

TEST(DescriptorLimit, TheServerBacksOffServesWhatIsOpenAndAcceptsTheWaitingConnectionsWhenDescriptorsFreeUp) {
  IgnoreSigpipe ignore_sigpipe;
  Child child(serve_out_of_descriptors);
  ASSERT_TRUE(child.started());
  auto reported = child.expect("port");
  const auto port = static_cast<std::uint16_t>(number(reported, "port"));
  ASSERT_NE(port, 0);

  // A kept-alive connection, accepted while the child still had descriptors; two
  // requests (see warm_up_virtual_calls).
  const int open = connect_to(port);
  ASSERT_GE(open, 0);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(write_all(open, get_request(true)));
    EXPECT_TRUE(read_response(open).starts_with("HTTP/1.1 200"));
  }

  child.say("fill");
  reported = child.expect("full");
  ASSERT_GT(number(reported, "ballast"), 0u);

  // Connections the server cannot accept: they wait in the backlog, requests sent.
  constexpr int kWaiting = 4;
  std::vector<int> waiting;
  for (int i = 0; i < kWaiting; ++i) {
    const int fd = connect_to(port);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(write_all(fd, get_request(false)));
    waiting.push_back(fd);
  }

  // Failing, and retrying on the back-off's schedule, not in a loop.
  reported = child.expect("held");
  const auto failures = number(reported, "failures");
  EXPECT_GE(failures, kHeldFailures);
  EXPECT_LE(failures, number(reported, "bound"))
      << "accept retried faster than the back-off allows (" << reported["elapsed_ms"] << " ms)";
  EXPECT_EQ(number(reported, "accepted"), 1u);
  EXPECT_EQ(number(reported, "pauses"), 1u);
  EXPECT_EQ(reported["backing_off"], "1");

  // The connection it has is served meanwhile.
  ASSERT_TRUE(write_all(open, get_request(true)));
  EXPECT_TRUE(read_response(open).starts_with("HTTP/1.1 200"));

  child.say("free");
  reported = child.expect("freed");
  EXPECT_EQ(reported["backing_off"], "1");  // still, up to the moment descriptors were freed
  EXPECT_EQ(number(reported, "accepted"), 1u);

  // Every connection that waited is accepted and answered.
  for (int fd : waiting) {
    EXPECT_TRUE(read_response(fd).starts_with("HTTP/1.1 200"));
    ::close(fd);
  }
  ::close(open);

  child.say("done");
  reported = child.expect("resumed");
  EXPECT_EQ(number(reported, "accepted"), 1u + kWaiting);
  EXPECT_EQ(number(reported, "pauses"), 1u);
  EXPECT_EQ(reported["backing_off"], "0");
  EXPECT_EQ(number(reported, "paused_lines"), 1u);  // one line for the episode
  EXPECT_EQ(number(reported, "resumed_lines"), 1u);
  EXPECT_EQ(child.wait(), 0);
}

// The emulator's WebSocket upgrades go through the same accept loop: an open chat goes on
// while the emulator is out of descriptors, and chats that connected meanwhile open once
// descriptors are free (under the sanitizers, the WebSocket path after EMFILE is checked
// for use after free).
TEST(DescriptorLimit, TheEmulatorKeepsItsOpenChatsAndOpensTheWaitingOnesWhenDescriptorsFreeUp) {
  IgnoreSigpipe ignore_sigpipe;
  Child child(emulate_out_of_descriptors);
  ASSERT_TRUE(child.started());
  auto reported = child.expect("port");
  const auto port = static_cast<std::uint16_t>(number(reported, "port"));
  ASSERT_NE(port, 0);

  const int open = connect_to(port);
  ASSERT_GE(open, 0);
  std::string open_pending;
  ASSERT_TRUE(upgrade(open, guest_target(0)).starts_with("HTTP/1.1 101"));
  ASSERT_TRUE(send_text_frame(open, R"({"command":"connect","requestId":"c","displayName":"open"})"));
  EXPECT_NE(frame_with(open, open_pending, R"("type":"connected")"), "");
  // Twice with descriptors to spare (see warm_up_virtual_calls), once without below.
  for (const char* ping : {R"({"command":"ping","requestId":"p0"})", R"({"command":"ping","requestId":"p1"})"}) {
    ASSERT_TRUE(send_text_frame(open, ping));
    EXPECT_NE(frame_with(open, open_pending, R"("type":"pong")"), "");
  }

  child.say("fill");
  reported = child.expect("full");
  ASSERT_GT(number(reported, "ballast"), 0u);

  constexpr int kWaiting = 3;
  std::vector<int> waiting;
  for (int i = 1; i <= kWaiting; ++i) {
    const int fd = connect_to(port);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(write_all(fd, upgrade_request(guest_target(i))));
    waiting.push_back(fd);
  }
  reported = child.expect("held");
  EXPECT_EQ(number(reported, "paused_lines"), 1u);

  ASSERT_TRUE(send_text_frame(open, R"({"command":"ping","requestId":"p"})"));
  EXPECT_NE(frame_with(open, open_pending, R"("type":"pong")"), "");

  child.say("free");
  child.expect("freed");
  for (int fd : waiting) {
    const std::string head =
        read_until(fd, [](const std::string& bytes) { return bytes.find("\r\n\r\n") != std::string::npos; });
    EXPECT_TRUE(head.starts_with("HTTP/1.1 101")) << head;
    std::string pending = head.substr(std::min(head.size(), head.find("\r\n\r\n") + 4));
    ASSERT_TRUE(send_text_frame(fd, R"({"command":"connect","requestId":"c","displayName":"waited"})"));
    EXPECT_NE(frame_with(fd, pending, R"("type":"connected")"), "");
  }

  // Closed before the emulator stops, so it does not wait for their closing handshakes.
  for (int fd : waiting) ::close(fd);
  ::close(open);

  child.say("done");
  reported = child.expect("resumed");
  EXPECT_EQ(number(reported, "paused_lines"), 1u);
  EXPECT_EQ(number(reported, "resumed_lines"), 1u);
  EXPECT_EQ(child.wait(), 0);
}
