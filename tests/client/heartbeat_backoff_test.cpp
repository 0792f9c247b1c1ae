// The heartbeat and the reconnect backoff without a server: times are passed in, never
// waited for.
#include <gtest/gtest.h>

#include "client/backoff.h"
#include "client/heartbeat.h"

namespace tracechat::client {
namespace {

TEST(Heartbeat, PingsAnIdleConnectionAndCallsItLostAfterTwoIntervalsWithoutAnswer) {
  using std::chrono::milliseconds;
  Heartbeat heartbeat(milliseconds(30000));
  EXPECT_EQ(heartbeat.interval(), milliseconds(30000));
  heartbeat.set_idle_timeout(std::chrono::seconds(30));
  EXPECT_EQ(heartbeat.interval(), milliseconds(10000)) << "three times per idle timeout";
  EXPECT_EQ(Heartbeat(milliseconds(1)).interval(), milliseconds(10));

  const auto t0 = Heartbeat::Clock::now();
  heartbeat.sent(t0);
  EXPECT_EQ(heartbeat.next_check(t0 + milliseconds(4000)), milliseconds(6000)) << "when the interval is up";
  EXPECT_EQ(heartbeat.check(t0 + milliseconds(9999), true), Heartbeat::Beat::quiet);
  EXPECT_EQ(heartbeat.next_check(t0 + milliseconds(10000)), milliseconds(2500))
      << "due, but the state did not allow a ping: again a quarter interval later";
  EXPECT_EQ(heartbeat.check(t0 + milliseconds(10000), false), Heartbeat::Beat::quiet) << "not in this state";
  const auto t1 = t0 + milliseconds(10000);
  EXPECT_EQ(heartbeat.check(t1, true), Heartbeat::Beat::ping);
  heartbeat.sent(t1);
  EXPECT_EQ(heartbeat.next_check(t1), milliseconds(2500)) << "unanswered: looked at every quarter interval";
  EXPECT_EQ(heartbeat.next_check(t1 + milliseconds(19000)), milliseconds(1001)) << "or when it counts as lost";
  {
    Heartbeat answered = heartbeat;
    answered.answered();
    EXPECT_EQ(answered.next_check(t1 + milliseconds(2500)), milliseconds(7500))
        << "answered: the next ping an interval after this one";
  }
  EXPECT_EQ(heartbeat.check(t1 + milliseconds(20000), true), Heartbeat::Beat::quiet) << "one ping at a time";
  EXPECT_EQ(heartbeat.check(t1 + milliseconds(20001), true), Heartbeat::Beat::lost);
  EXPECT_EQ(heartbeat.lost_cause(), "no answer to the heartbeat for 20000 ms");
  heartbeat.answered();
  heartbeat.sent(t1 + milliseconds(20001));
  EXPECT_EQ(heartbeat.check(t1 + milliseconds(20002), true), Heartbeat::Beat::quiet);
}

TEST(Backoff, DoublesUpToTheCapWithJitterAndGivesUp) {
  using std::chrono::milliseconds;
  ReconnectOptions options;
  options.initial_delay = milliseconds(100);
  options.max_delay = milliseconds(1000);
  options.max_attempts = 5;
  Backoff backoff(options);
  for (const std::int64_t step : {100, 200, 400, 800, 1000}) {
    const auto delay = backoff.next();
    ASSERT_TRUE(delay.has_value());
    EXPECT_GE(delay->count(), step / 2);
    EXPECT_LE(delay->count(), step);
  }
  EXPECT_FALSE(backoff.next().has_value()) << "max_attempts failures in a row";
  backoff.reset();
  const auto first = backoff.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_LE(first->count(), 100);
}

}  // namespace
}  // namespace tracechat::client
