// The span clock: whatever it reads (the TSC or clock_gettime), it must agree with
// the system clock. Each check brackets a reading between two system-clock reads, so
// a preempted test only widens the bracket; nothing here depends on speed.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "trace/tsc_clock.h"

using namespace tracechat::trace;

namespace {

// How far the counter-derived time may stray from the system clock: a rate error of
// 0.1 % (the clock's own limit before it distrusts the counter) over one anchor.
constexpr std::uint64_t kTolerance = 250'000;  // ns

// Reads `clock` for `duration`, each time between two system-clock reads, and
// returns the largest distance outside the bracket.
template <typename Read>
std::uint64_t worst_error(Read read, std::chrono::milliseconds duration) {
  std::uint64_t worst = 0;
  const auto until = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < until) {
    const std::uint64_t before = system_now_unix_nano();
    const std::uint64_t reading = read();
    const std::uint64_t after = system_now_unix_nano();
    if (reading < before) worst = std::max(worst, before - reading);
    if (reading > after) worst = std::max(worst, reading - after);
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return worst;
}

}  // namespace

TEST(Clock, NowFollowsTheSystemClockThroughCalibrationAndReanchoring) {
  // Short calibration and anchors, so the test crosses several renewals.
  detail::TscClock clock({.enabled = true, .calibration_ns = 5'000'000, .reanchor_ns = 30'000'000});
  EXPECT_LE(worst_error([&] { return clock.now(); }, std::chrono::milliseconds(400)), kTolerance);
  if (detail::TscClock::machine_supports_tsc()) {
    EXPECT_EQ(clock.source(), ClockSource::tsc) << "the TSC clocksource is in use but the clock never switched to it";
    EXPECT_EQ(clock.rate_failures(), 0u);
  } else {
    EXPECT_EQ(clock.source(), ClockSource::system);
  }
}

TEST(Clock, TheProcessClockAgreesWithTheSystemClock) {
  EXPECT_LE(worst_error([] { return now_unix_nano(); }, std::chrono::milliseconds(300)), kTolerance);
  std::printf("span clock on this machine: %s\n", to_string(clock_source()));
}

TEST(Clock, ManyThreadsReadingWhileItRenewsSeeConsistentTimes) {
  detail::TscClock clock({.enabled = true, .calibration_ns = 1'000'000, .reanchor_ns = 2'000'000});
  std::vector<std::uint64_t> worst(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < worst.size(); ++t) {
    threads.emplace_back(
        [&, t] { worst[t] = worst_error([&] { return clock.now(); }, std::chrono::milliseconds(200)); });
  }
  for (auto& thread : threads) thread.join();
  for (auto w : worst) EXPECT_LE(w, kTolerance);
}

TEST(Clock, DisabledMeansTheSystemClock) {
  detail::TscClock clock({.enabled = false});
  for (int i = 0; i < 1000; ++i) (void)clock.now();
  EXPECT_EQ(clock.source(), ClockSource::system);
}

TEST(Clock, TheEnvironmentCanTurnTheCounterOff) {
  // In a child, so the variable is read by a clock that has not decided yet.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setenv("TRACECHAT_CLOCK", "system", 1);
    detail::TscClock clock({.enabled = true, .calibration_ns = 1'000'000});
    for (int i = 0; i < 100; ++i) {
      (void)clock.now();
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    _exit(clock.source() == ClockSource::system ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
