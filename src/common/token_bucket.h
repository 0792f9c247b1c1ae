// A token bucket: `rate` tokens per second, at most `burst` stored. The emulator keeps
// one per conversation (guest-chat) or session (Web Messaging); the chat client keeps
// one to stay under the server's limit. Not thread-safe: its owner guards it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>

namespace tracechat {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(double rate_per_second, double burst)
      : rate_(rate_per_second), burst_(burst), tokens_(burst), last_(Clock::now()) {}

  // Takes a token if one is there; otherwise returns how long until one will be.
  std::chrono::milliseconds take(Clock::time_point now = Clock::now()) {
    refill(now);
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return std::chrono::milliseconds(0);
    }
    const double wait_seconds = (1.0 - tokens_) / rate_;
    return std::chrono::milliseconds(
        std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait_seconds * 1000))));
  }

 private:
  void refill(Clock::time_point now) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    if (elapsed > 0) {
      tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
      last_ = now;
    }
  }

  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace tracechat
