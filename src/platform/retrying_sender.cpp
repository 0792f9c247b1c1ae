#include "retrying_sender.h"

#include <charconv>
#include <thread>

namespace tracechat::platform {

using namespace std::chrono_literals;

RetryingSender::RetryingSender(RetryPolicy policy) : policy_(std::move(policy)), jitter_(std::random_device{}()) {
  if (policy_.max_attempts < 1) policy_.max_attempts = 1;
}

void RetryingSender::log(std::string_view line) const {
  if (policy_.log) policy_.log(line);
}

void RetryingSender::sleep(std::chrono::milliseconds wait) const {
  if (policy_.sleep) {
    policy_.sleep(wait);
  } else {
    std::this_thread::sleep_for(wait);
  }
}

std::chrono::milliseconds RetryingSender::backoff(int attempt) {
  // Full jitter: a uniform wait up to the capped exponential, so clients that failed
  // together do not come back together.
  const auto ceiling =
      std::min<std::int64_t>(policy_.backoff_cap.count(), policy_.backoff_base.count() << std::min(attempt, 20));
  std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(ceiling, 0));
  return std::chrono::milliseconds(pick(jitter_));
}

std::optional<std::chrono::seconds> retry_after_seconds(const net::HttpResponse& response) {
  const auto value = response.header("Retry-After");
  if (!value) return std::nullopt;
  std::string_view text = *value;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (end != text.data() + text.size() || text.empty() || text.front() == '-') return std::nullopt;
  if (ec == std::errc::result_out_of_range) return std::chrono::seconds::max();
  if (ec != std::errc()) return std::nullopt;
  return std::chrono::seconds(seconds);
}

Result<net::HttpResponse, PlatformError> RetryingSender::send(net::HttpClient& http, const net::HttpRequest& request,
                                                              std::string_view endpoint, Idempotent idempotent) {
  const std::string name(endpoint);
  for (int attempt = 1;; ++attempt) {
    if (attempt > 1 && policy_.stop_requested && policy_.stop_requested()) {
      return PlatformError{PlatformError::Kind::failed, name + ": stopped", 0};
    }
    const bool last = attempt >= policy_.max_attempts;
    const bool may_repeat = idempotent == Idempotent::yes;
    const std::string of = " (attempt " + std::to_string(attempt) + " of " + std::to_string(policy_.max_attempts) + ")";
    auto response = http.send(request, policy_.timeout);
    if (!response) {
      if (last || !may_repeat)
        return PlatformError{PlatformError::Kind::failed, name + ": " + response.error().message + of, 0};
      const auto wait = backoff(attempt - 1);
      log(name + ": " + response.error().message + "; retrying in " + std::to_string(wait.count()) + " ms" + of);
      sleep(wait);
      continue;
    }
    if (response->status == 429) {
      const auto after = retry_after_seconds(*response);
      if (last) {
        return PlatformError{PlatformError::Kind::rate_limited,
                             name + ": still rate limited (HTTP 429) after " + std::to_string(attempt) +
                                 " attempts; try again later or lower the request rate",
                             429};
      }
      if (after && *after > policy_.max_retry_after) {
        return PlatformError{PlatformError::Kind::rate_limited,
                             name + ": rate limited (HTTP 429) for " + std::to_string(after->count()) +
                                 " s, longer than the " + std::to_string(policy_.max_retry_after.count()) +
                                 " s this client waits",
                             429};
      }
      // Without a usable Retry-After (the platform always sends one), back off as for a 5xx.
      const auto wait = after ? std::chrono::duration_cast<std::chrono::milliseconds>(*after) : backoff(attempt - 1);
      log(name + ": rate limited (HTTP 429); waiting " + std::to_string(wait.count()) + " ms" +
          (after ? " as Retry-After says" : " (no usable Retry-After)") + of);
      sleep(wait);
      continue;
    }
    if (response->status >= 500 && response->status <= 599) {
      if (last || !may_repeat) {
        return PlatformError{
            PlatformError::Kind::failed,
            name + ": HTTP " + std::to_string(response->status) + " after " + std::to_string(attempt) + " attempts",
            response->status};
      }
      const auto wait = backoff(attempt - 1);
      log(name + ": HTTP " + std::to_string(response->status) + "; retrying in " + std::to_string(wait.count()) +
          " ms" + of);
      sleep(wait);
      continue;
    }
    return std::move(*response);
  }
}

}  // namespace tracechat::platform
