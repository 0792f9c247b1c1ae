#include "heartbeat.h"

#include <algorithm>

namespace tracechat::client {

using std::chrono::milliseconds;

milliseconds Heartbeat::interval() const {
  auto interval = configured_;
  if (idle_timeout_.count() > 0) {
    interval = std::min<milliseconds>(interval, std::chrono::duration_cast<milliseconds>(idle_timeout_) / 3);
  }
  return std::max({milliseconds(10), min_interval_, interval});
}

milliseconds Heartbeat::next_check(Clock::time_point now) const {
  const auto interval = this->interval();
  auto next = Clock::time_point::max();
  if (last_sent_ + interval > now) next = last_sent_ + interval;
  const auto quarter = std::max(milliseconds(10), interval / 4);
  if (ping_since_) {
    // check() calls the connection lost only once more than two intervals have passed;
    // until then the answer is looked for every quarter interval, so that the next ping
    // is not late when the answer is.
    next = std::min(next, *ping_since_ + 2 * interval + milliseconds(1));
    next = std::min(next, now + quarter);
  }
  if (next == Clock::time_point::max() || next <= now) return quarter;
  return std::max(milliseconds(10), std::chrono::ceil<milliseconds>(next - now));
}

Heartbeat::Beat Heartbeat::check(Clock::time_point now, bool may_ping) {
  const auto interval = this->interval();
  if (ping_since_ && now - *ping_since_ > 2 * interval) return Beat::lost;
  if (may_ping && !ping_since_ && now - last_sent_ >= interval) {
    ping_since_ = now;
    return Beat::ping;
  }
  return Beat::quiet;
}

std::string Heartbeat::lost_cause() const {
  return "no answer to the heartbeat for " + std::to_string((2 * interval()).count()) + " ms";
}

}  // namespace tracechat::client
