#include "tsc_clock.h"

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tracechat/trace/env.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

namespace tracechat::trace {
namespace detail {
namespace {

std::uint64_t read_clock(clockid_t id) noexcept {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t read_tsc() noexcept {
#if defined(__x86_64__)
  return __rdtsc();
#else
  return 0;
#endif
}

__extension__ using Wide = unsigned __int128;

// 32.32 fixed point: (a * b) >> 32 without overflow.
std::uint64_t scale(std::uint64_t ticks, std::uint64_t mult) noexcept {
  return static_cast<std::uint64_t>((static_cast<Wide>(ticks) * mult) >> 32);
}

bool turned_off_by_environment() noexcept {
  const char* value = std::getenv("TRACECHAT_CLOCK");
  if (value == nullptr || *value == '\0' || std::strcmp(value, "auto") == 0) return false;
  if (std::strcmp(value, "system") != 0) {
    diagnostic(std::string("TRACECHAT_CLOCK='") + value + "' is not 'system' or 'auto'; using 'auto'");
    return false;
  }
  return true;
}

constexpr unsigned kFailuresBeforeGivingUp = 3;

}  // namespace

bool TscClock::machine_supports_tsc() noexcept {
#if defined(__x86_64__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  // CPUID 8000_0007h EDX bit 8: the counter runs at a constant rate in every P-, C-
  // and T-state.
  if (__get_cpuid(0x80000007, &eax, &ebx, &ecx, &edx) == 0 || (edx & (1u << 8)) == 0) return false;
  // The kernel picks "tsc" only after checking that the counters of all CPUs agree.
  std::FILE* file = std::fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "re");
  if (file == nullptr) return false;
  char name[32] = {};
  const std::size_t got = std::fread(name, 1, sizeof name - 1, file);
  std::fclose(file);
  return got >= 3 && std::strncmp(name, "tsc", 3) == 0 && (got == 3 || name[3] == '\n');
#else
  return false;
#endif
}

// The counter is read on both sides of the two clocks and the midpoint taken; a pair
// of reads that a preemption pulled apart is tried again.
TscClock::Sample TscClock::sample() noexcept {
  Sample best;
  std::uint64_t best_gap = UINT64_MAX;
  for (int attempt = 0; attempt < 4; ++attempt) {
    const std::uint64_t before = read_tsc();
    const std::uint64_t mono = read_clock(CLOCK_MONOTONIC);
    const std::uint64_t wall = read_clock(CLOCK_REALTIME);
    const std::uint64_t after = read_tsc();
    const std::uint64_t gap = after - before;
    if (gap < best_gap) {
      best = Sample{before + gap / 2, mono, wall};
      best_gap = gap;
    }
    if (gap < 2000) break;  // a few hundred ns: nothing got in between
  }
  return best;
}

bool TscClock::from_anchor(std::uint64_t& wall_ns) noexcept {
  const std::uint32_t before = sequence_.load(std::memory_order_acquire);
  if ((before & 1) != 0) return false;
  const std::uint64_t anchor_tsc = anchor_tsc_.load(std::memory_order_relaxed);
  const std::uint64_t anchor_wall = anchor_wall_.load(std::memory_order_relaxed);
  const std::uint64_t mult = mult_.load(std::memory_order_relaxed);
  const std::uint64_t valid_ticks = valid_ticks_.load(std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_acquire);
  if (sequence_.load(std::memory_order_relaxed) != before) return false;
  // A counter behind the anchor wraps to a huge delta and fails the check too.
  const std::uint64_t delta = read_tsc() - anchor_tsc;
  if (delta >= valid_ticks) return false;
  wall_ns = anchor_wall + scale(delta, mult);
  return true;
}

void TscClock::publish(std::uint64_t tsc, std::uint64_t wall_ns, std::uint64_t mult) noexcept {
  const std::uint32_t sequence = sequence_.load(std::memory_order_relaxed);
  sequence_.store(sequence + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  anchor_tsc_.store(tsc, std::memory_order_relaxed);
  anchor_wall_.store(wall_ns, std::memory_order_relaxed);
  mult_.store(mult, std::memory_order_relaxed);
  // ticks = ns * 2^32 / mult; a zero mult (no anchor) makes the anchor unusable.
  const std::uint64_t valid =
      mult == 0 ? 0 : static_cast<std::uint64_t>((static_cast<Wide>(options_.reanchor_ns) << 32) / mult);
  valid_ticks_.store(valid, std::memory_order_relaxed);
  sequence_.store(sequence + 2, std::memory_order_release);
}

std::uint64_t TscClock::slow_now() noexcept {
  if (state_.load(std::memory_order_acquire) == kOff) return read_clock(CLOCK_REALTIME);
  // One thread renews the anchor; the others read the system clock meanwhile.
  if (!updating_.test_and_set(std::memory_order_acquire)) {
    const Sample now = sample();
    update(now);
    updating_.clear(std::memory_order_release);
    return now.wall;
  }
  return read_clock(CLOCK_REALTIME);
}

void TscClock::update(const Sample& now) noexcept {
  const int state = state_.load(std::memory_order_relaxed);
  if (state == kUnchecked) {
    if (!options_.enabled || turned_off_by_environment() || !machine_supports_tsc()) {
      state_.store(kOff, std::memory_order_release);
      return;
    }
    measure_tsc_ = now.tsc;
    measure_mono_ = now.mono;
    state_.store(kCalibrating, std::memory_order_release);
    return;
  }
  if (state == kOff) return;

  const std::uint64_t elapsed_ns = now.mono - measure_mono_;
  const auto ticks = static_cast<std::int64_t>(now.tsc - measure_tsc_);
  // A rate needs a long enough interval: a reader that fell here only because it
  // raced with a publish would otherwise measure over microseconds.
  if (elapsed_ns < (state == kCalibrating ? options_.calibration_ns : options_.reanchor_ns / 2)) return;
  // A counter that went back, or one slower than 1 MHz (a stopped counter; a rate
  // that would not fit 32.32 fixed point): measure again from here.
  if (ticks <= 0 || static_cast<std::uint64_t>(ticks) < elapsed_ns / 1000) {
    measure_tsc_ = now.tsc;
    measure_mono_ = now.mono;
    return;
  }
  const auto mult =
      static_cast<std::uint64_t>((static_cast<Wide>(elapsed_ns) << 32) / static_cast<std::uint64_t>(ticks));
  if (state == kRunning) {
    // The rate in use predicted this interval; if the counter and CLOCK_MONOTONIC no
    // longer agree (suspend, a migrated VM), it cannot be trusted.
    const std::uint64_t predicted = scale(static_cast<std::uint64_t>(ticks), mult_.load(std::memory_order_relaxed));
    const std::uint64_t error = predicted > elapsed_ns ? predicted - elapsed_ns : elapsed_ns - predicted;
    if (error > elapsed_ns / 1000 + 1000) {
      publish(0, 0, 0);
      measure_tsc_ = now.tsc;
      measure_mono_ = now.mono;
      const unsigned failures = failures_.fetch_add(1, std::memory_order_relaxed) + 1;
      state_.store(failures >= kFailuresBeforeGivingUp ? kOff : kCalibrating, std::memory_order_release);
      return;
    }
  }
  publish(now.tsc, now.wall, mult);
  measure_tsc_ = now.tsc;
  measure_mono_ = now.mono;
  state_.store(kRunning, std::memory_order_release);
}

ClockSource TscClock::source() const noexcept {
  switch (state_.load(std::memory_order_acquire)) {
    case kCalibrating: return ClockSource::calibrating;
    case kRunning: return ClockSource::tsc;
    default: return ClockSource::system;
  }
}

}  // namespace detail

namespace {
constinit detail::TscClock g_clock{detail::TscClock::Options{}};
}  // namespace

std::uint64_t now_unix_nano() noexcept { return g_clock.now(); }

std::uint64_t system_now_unix_nano() noexcept { return detail::read_clock(CLOCK_REALTIME); }

ClockSource clock_source() noexcept { return g_clock.source(); }

const char* to_string(ClockSource source) noexcept {
  switch (source) {
    case ClockSource::system: return "system";
    case ClockSource::calibrating: return "calibrating";
    case ClockSource::tsc: return "tsc";
  }
  return "unknown";
}

}  // namespace tracechat::trace
