// Sends one HTTP request and retries it as RetryPolicy says. Shared by the OAuth token
// fetch and the API calls, so both wait out a 429 and back off from a 5xx the same way.
#pragma once

#include <random>

#include "tracechat/net/http_client.h"
#include "tracechat/platform/platform_error.h"
#include "tracechat/platform/retry_policy.h"
#include "tracechat/result.h"

namespace tracechat::platform {

class RetryingSender {
 public:
  explicit RetryingSender(RetryPolicy policy);

  // The first answer that is neither a 429 nor a 5xx, or a rate_limited / failed error
  // once the attempts are spent. `endpoint` ("GET /api/v2/conversations/{id}") names the
  // call in logs and errors; it must hold no secret. A request that is not idempotent
  // (submitting a job) is retried only after a 429, which says it was not processed: a
  // 5xx or a lost connection may have come after the work was done.
  enum class Idempotent { yes, no };
  Result<net::HttpResponse, PlatformError> send(net::HttpClient& http, const net::HttpRequest& request,
                                                std::string_view endpoint, Idempotent idempotent = Idempotent::yes);
  const RetryPolicy& policy() const { return policy_; }
  void log(std::string_view line) const;

 private:
  std::chrono::milliseconds backoff(int attempt);
  void sleep(std::chrono::milliseconds wait) const;

  RetryPolicy policy_;
  std::minstd_rand jitter_;
};

// Retry-After as whole seconds (RFC 9110 also allows an HTTP date, which the platform
// does not send); nullopt when absent or unreadable. A number too large to hold reads
// as the largest: the server asked for a long wait, not for none.
std::optional<std::chrono::seconds> retry_after_seconds(const net::HttpResponse& response);

}  // namespace tracechat::platform
