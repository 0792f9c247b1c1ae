// The clock of span timestamps: Unix nanoseconds, as OTLP carries them.
#pragma once

#include <cstdint>

namespace tracechat::trace {

// Nanoseconds since the Unix epoch. Follows the system clock (CLOCK_REALTIME): the
// counter-based reading is re-anchored to it every 200 ms with a measured rate,
// typically within microseconds of it and by design within 0.1 % of an anchor's
// interval (200 us). On x86-64 machines whose kernel clocksource is the TSC
// it reads the counter directly (see src/trace/tsc_clock.h), otherwise it is
// clock_gettime(). TRACECHAT_CLOCK=system (read once, at the first call) forces
// clock_gettime().
std::uint64_t now_unix_nano() noexcept;

// clock_gettime(CLOCK_REALTIME), always.
std::uint64_t system_now_unix_nano() noexcept;

enum class ClockSource : std::uint8_t {
  system,       // clock_gettime()
  calibrating,  // clock_gettime() while the counter's rate is measured
  tsc,          // the time-stamp counter
};
const char* to_string(ClockSource source) noexcept;
// What now_unix_nano() reads at the moment.
ClockSource clock_source() noexcept;

}  // namespace tracechat::trace
