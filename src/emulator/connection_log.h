// Structured log lines (logfmt on stderr): one per connection when it closes, one per
// error. Message bodies and attribute values are never logged: they are the guest's
// data, and an attribute may hold a secret.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace tracechat::emulator {

class EventLog {
 public:
  explicit EventLog(std::FILE* out = stderr, bool enabled = true) : out_(out), enabled_(enabled) {}

  // key=value pairs; values are quoted when they hold spaces, quotes or '='.
  void write(std::string_view level, std::initializer_list<std::pair<std::string_view, std::string_view>> fields);
  std::uint64_t errors() const { return errors_.load(); }

 private:
  std::FILE* out_;
  bool enabled_;
  std::atomic<std::uint64_t> errors_{0};
};

// What one connection did, for the line logged when it closes. frames_out is counted
// from other threads (events are sent under their conversation's lock); the rest only
// on the connection's strand.
struct ConnectionCounters {
  std::chrono::steady_clock::time_point opened = std::chrono::steady_clock::now();
  std::uint64_t frames_in = 0;
  std::atomic<std::uint64_t> frames_out{0};
  std::uint64_t errors = 0;
};

// The connection's closing line. `scope` names what the URL addressed: the organization
// (guest-chat) or the deployment (Web Messaging).
void log_connection_closed(EventLog& log, std::string_view dialect, std::string_view remote,
                           std::pair<std::string_view, std::string_view> scope, std::string_view conversation_id,
                           const ConnectionCounters& counters, std::string_view why);

}  // namespace tracechat::emulator
