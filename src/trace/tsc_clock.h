// TscClock: the wall clock of span timestamps, read from the CPU's time-stamp counter
// instead of clock_gettime(). Two clock reads were more than half of a span's cost
// (the vDSO's serialised rdtsc and its seqlock: ~20 ns each, and the fence stalls
// the code around it); a plain rdtsc scaled from an anchor costs a third of that.
//
// It is used only where the kernel itself trusts the counter (the "tsc" clocksource:
// invariant and synchronised across CPUs) and never blindly: the anchor that maps
// ticks to Unix nanoseconds is renewed from clock_gettime() every `reanchor` (so NTP
// adjustments and clock steps are followed within that time), the tick rate is
// re-measured each time, and a rate that disagrees with CLOCK_MONOTONIC by more than
// 0.1 % (suspend, migration to a host with another TSC) sends the clock back to
// calibration; after three such failures it stays on clock_gettime() for good.
// TRACECHAT_CLOCK=system turns it off. Internal to the trace core.
#pragma once

#include <atomic>
#include <cstdint>

#include "tracechat/trace/clock.h"

namespace tracechat::trace::detail {

class TscClock {
 public:
  struct Options {
    bool enabled = true;                        // false: always clock_gettime()
    std::uint64_t calibration_ns = 20'000'000;  // first measurement of the tick rate
    std::uint64_t reanchor_ns = 200'000'000;    // an anchor's lifetime
  };
  constexpr explicit TscClock(Options options) noexcept : options_(options) {}

  std::uint64_t now() noexcept {
#if defined(__x86_64__)
    if (state_.load(std::memory_order_acquire) == kRunning) {
      std::uint64_t wall_ns;
      if (from_anchor(wall_ns)) return wall_ns;
    }
#endif
    return slow_now();
  }

  ClockSource source() const noexcept;
  // Times the counter was found to disagree with CLOCK_MONOTONIC.
  unsigned rate_failures() const noexcept { return failures_.load(std::memory_order_relaxed); }

  // True when this machine's kernel uses the TSC clocksource and the CPU says its
  // counter is invariant.
  static bool machine_supports_tsc() noexcept;

 private:
  enum State : int { kUnchecked, kCalibrating, kRunning, kOff };

  bool from_anchor(std::uint64_t& wall_ns) noexcept;
  std::uint64_t slow_now() noexcept;
  // The counter and both system clocks, read as close together as possible.
  struct Sample {
    std::uint64_t tsc = 0;
    std::uint64_t mono = 0;
    std::uint64_t wall = 0;
  };
  static Sample sample() noexcept;
  void update(const Sample& now) noexcept;
  void publish(std::uint64_t tsc, std::uint64_t wall_ns, std::uint64_t mult) noexcept;

  const Options options_;
  std::atomic<int> state_{kUnchecked};
  std::atomic<unsigned> failures_{0};

  // The published anchor, read under a seqlock: ticks at the anchor, the Unix time at
  // that tick, nanoseconds per tick in 32.32 fixed point, and how many ticks after
  // the anchor it may be used for.
  std::atomic<std::uint32_t> sequence_{0};
  std::atomic<std::uint64_t> anchor_tsc_{0};
  std::atomic<std::uint64_t> anchor_wall_{0};
  std::atomic<std::uint64_t> mult_{0};
  std::atomic<std::uint64_t> valid_ticks_{0};

  // Only the thread holding updating_ touches these.
  std::atomic_flag updating_ = ATOMIC_FLAG_INIT;
  std::uint64_t measure_tsc_ = 0;  // where the current rate measurement began
  std::uint64_t measure_mono_ = 0;
};

}  // namespace tracechat::trace::detail
