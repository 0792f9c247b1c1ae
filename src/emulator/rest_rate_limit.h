// The Platform API's rate limit: requests per minute per OAuth client on /api/v2/*. A
// token bucket per client holds a minute's worth, so a client may spend its minute in a
// burst and then gets a request every 60/N seconds. Over the limit: 429 with
// Retry-After in whole seconds and Genesys Cloud's too.many.requests.retry.after body.
// The platform's real figure is uncertain (300 is commonly cited), so it is configurable.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/token_bucket.h"
#include "tracechat/net/http.h"

namespace tracechat::emulator {

class RestRateLimit {
 public:
  explicit RestRateLimit(double requests_per_minute) : per_minute_(requests_per_minute) {}

  // nullopt: the request may go on; otherwise the 429 to answer with. Clients are the
  // configured (or generated) OAuth clients, so the table has a bounded size.
  std::optional<net::HttpResponse> admit(const std::string& client_id,
                                         TokenBucket::Clock::time_point now = TokenBucket::Clock::now());

 private:
  double per_minute_;
  std::mutex mutex_;
  std::unordered_map<std::string, TokenBucket> buckets_;
};

}  // namespace tracechat::emulator
