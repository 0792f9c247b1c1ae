// How long to wait before reconnecting (docs/client.md, "Resilience"): capped exponential
// backoff with jitter — each delay between half and all of its step — so that many
// clients cut off together do not come back together; at most max_attempts failures in
// a row before the session gives up.
//
// Not thread-safe, and it needs no lock: SessionCore owns it and uses it only on the
// loop's thread.
#pragma once

#include <chrono>
#include <optional>
#include <random>

#include "tracechat/client/chat_session.h"

namespace tracechat::client {

class Backoff {
 public:
  explicit Backoff(const ReconnectOptions& options) : options_(options) {}

  // Counts one more failure; the delay before the next attempt, or nullopt when the
  // attempts are used up.
  std::optional<std::chrono::milliseconds> next();
  // A handshake succeeded: the next failure is the first again.
  void reset() { attempts_ = 0; }

 private:
  const ReconnectOptions options_;
  int attempts_ = 0;
  // 8 bytes of state where std::mt19937_64 holds 2.5 KiB: every session has one, and a
  // load run holds thousands of sessions. Jitter needs spread, not a strong generator.
  std::minstd_rand jitter_{static_cast<std::minstd_rand::result_type>(std::random_device{}())};
};

}  // namespace tracechat::client
