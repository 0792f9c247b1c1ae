#include "rest_rate_limit.h"

#include <algorithm>
#include <string>

#include "rest_error.h"

namespace tracechat::emulator {

std::optional<net::HttpResponse> RestRateLimit::admit(const std::string& client_id,
                                                      TokenBucket::Clock::time_point now) {
  std::chrono::milliseconds wait{0};
  {
    std::lock_guard lock(mutex_);
    // A bucket of at least one token, so a limit under 1 per minute still lets one through.
    auto it = buckets_.try_emplace(client_id, per_minute_ / 60.0, std::max(1.0, per_minute_)).first;
    wait = it->second.take(now);
  }
  if (wait.count() == 0) return std::nullopt;
  const auto seconds = std::max<std::int64_t>(1, (wait.count() + 999) / 1000);
  auto response =
      rest_error(429, "too.many.requests.retry.after",
                 "Rate limit exceeded the maximum. Retry the request in [" + std::to_string(seconds) + "] seconds");
  response.set_header("Retry-After", std::to_string(seconds));
  return response;
}

}  // namespace tracechat::emulator
