#include "tracechat/trace/id_generator.h"

#include <pthread.h>
#include <sys/random.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace tracechat::trace {
namespace {

// Bumped in the child after fork(); threads compare it with the epoch they were
// seeded in and reseed when it differs.
std::atomic<std::uint64_t> g_fork_epoch{1};

void bump_epoch_in_child() { g_fork_epoch.fetch_add(1, std::memory_order_relaxed); }

void fill_from_os(void* buffer, std::size_t size) {
  auto* out = static_cast<unsigned char*>(buffer);
  while (size > 0) {
    const ssize_t got = getrandom(out, size, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("getrandom failed: ") + std::strerror(errno));
    }
    out += got;
    size -= static_cast<std::size_t>(got);
  }
}

// xoshiro256** (Blackman & Vigna): fast, 256-bit state, passes BigCrush.
class Xoshiro256 {
 public:
  void seed() {
    do {
      fill_from_os(state_, sizeof state_);
    } while ((state_[0] | state_[1] | state_[2] | state_[3]) == 0);
  }
  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t state_[4] = {};
};

Xoshiro256& thread_rng() {
  static const int registered = [] { return pthread_atfork(nullptr, nullptr, bump_epoch_in_child); }();
  (void)registered;
  thread_local Xoshiro256 rng;
  thread_local std::uint64_t seeded_epoch = 0;
  const std::uint64_t epoch = g_fork_epoch.load(std::memory_order_relaxed);
  if (seeded_epoch != epoch) {
    rng.seed();
    seeded_epoch = epoch;
  }
  return rng;
}

}  // namespace

TraceId RandomIdGenerator::new_trace_id() {
  auto& rng = thread_rng();
  TraceId id;
  do {
    const std::uint64_t hi = rng.next();
    const std::uint64_t lo = rng.next();
    std::memcpy(id.mutable_bytes().data(), &hi, 8);
    std::memcpy(id.mutable_bytes().data() + 8, &lo, 8);
  } while (!id.valid());
  return id;
}

SpanId RandomIdGenerator::new_span_id() {
  auto& rng = thread_rng();
  SpanId id;
  do {
    const std::uint64_t v = rng.next();
    std::memcpy(id.mutable_bytes().data(), &v, 8);
  } while (!id.valid());
  return id;
}

IdGenerator& default_id_generator() {
  static RandomIdGenerator generator;
  return generator;
}

}  // namespace tracechat::trace
