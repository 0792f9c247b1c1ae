// Structured log lines (logfmt on stderr): one per connection when it closes, one per
// error. Message bodies and attribute values are never logged: they are the guest's
// data, and an attribute may hold a secret.
#pragma once

#include <atomic>
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

}  // namespace tracechat::emulator
