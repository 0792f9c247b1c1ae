// The heartbeat (docs/client.md, "Resilience"). An idle connection sends a ping
// (guest-chat) or an echo (Web Messaging) every interval, and at least three times per
// idle timeout the server advertises, so the server never drops it for idleness. A ping
// unanswered for two intervals means the connection is gone even if TCP has not noticed:
// a half-open connection would otherwise swallow messages until the OS gives up on it.
//
// Not thread-safe, and it needs no lock: SessionCore owns it and uses it only on the
// loop's thread. SessionCore runs the timer and sends the pings; this class keeps the
// times and decides.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace tracechat::client {

class Heartbeat {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Heartbeat(std::chrono::milliseconds configured) : configured_(configured) {}

  // The server's idle timeout, from each handshake; zero: none advertised.
  void set_idle_timeout(std::chrono::seconds idle_timeout) { idle_timeout_ = idle_timeout; }
  // The least interval the server's rate for heartbeats allows (Web Messaging limits
  // `echo`); it wins over the configured interval and the idle timeout, since a
  // heartbeat over the rate is refused for certain.
  void set_min_interval(std::chrono::milliseconds min_interval) { min_interval_ = min_interval; }
  std::chrono::milliseconds interval() const;
  // How long until check() should run again: until the connection has been quiet for an
  // interval — a session that sends now and then is checked about once an interval
  // instead of on a fixed tick (a load run holds thousands of sessions, each waking its
  // loop). While a ping is unanswered, and when a ping was due but the state did not
  // allow it, a quarter interval.
  std::chrono::milliseconds next_check(Clock::time_point now) const;

  // Any request counts as traffic: the connection is not idle.
  void sent(Clock::time_point now) { last_sent_ = now; }
  // The ping was answered, or the connection it was sent on is gone.
  void answered() { ping_since_.reset(); }

  enum class Beat { quiet, ping, lost };
  // What the connection needs at `now`. `may_ping`: whether the session's state allows a
  // request now. On `ping` the caller sends one, and it counts as unanswered from `now`.
  Beat check(Clock::time_point now, bool may_ping);
  // Why the connection counts as lost, for the close cause.
  std::string lost_cause() const;

 private:
  const std::chrono::milliseconds configured_;
  std::chrono::seconds idle_timeout_{0};
  std::chrono::milliseconds min_interval_{0};
  Clock::time_point last_sent_;
  std::optional<Clock::time_point> ping_since_;  // a ping is unanswered since
};

}  // namespace tracechat::client
