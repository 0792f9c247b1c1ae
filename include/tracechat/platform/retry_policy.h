// How the Platform API client waits and retries. A 429 is waited out for as long as its
// Retry-After says (the platform's own instruction); a 5xx or a lost connection backs
// off exponentially with full jitter, capped; either way the attempts are bounded and
// the last failure names the endpoint.
#pragma once

#include <chrono>
#include <functional>
#include <string_view>

namespace tracechat::platform {

struct RetryPolicy {
  int max_attempts = 5;                         // per request, the first one included
  std::chrono::milliseconds backoff_base{500};  // 5xx: a random wait in [0, base * 2^n] ...
  std::chrono::milliseconds backoff_cap{8000};  // ... never more than this
  std::chrono::seconds max_retry_after{120};    // a longer Retry-After is an error, not a wait
  std::chrono::milliseconds timeout{15000};     // per HTTP exchange
  // How a wait happens: tests replace it to record waits without sleeping.
  std::function<void(std::chrono::milliseconds)> sleep;
  // Asked after each wait: true gives up at once (the user pressed Ctrl-C).
  std::function<bool()> stop_requested;
  // Told about each wait and each token fetch, in words (no secret, at most a token's
  // first 8 characters); null: silent.
  std::function<void(std::string_view)> log;
};

}  // namespace tracechat::platform
