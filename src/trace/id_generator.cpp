#include "tracechat/trace/id_generator.h"

#include <pthread.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace tracechat::trace {
namespace {

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

// xoshiro256** (Blackman & Vigna): fast, 256-bit state, passes BigCrush. Constant-
// initialised and trivially destructible, so a thread_local of it needs no guard or
// init wrapper on access: the hot path is one flag test and a few ALU operations.
struct Xoshiro256 {
  std::uint64_t state[4] = {};
  bool seeded = false;

  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(state[1] * 5, 7) * 9;
    const std::uint64_t t = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= t;
    state[3] = rotl(state[3], 45);
    return result;
  }
  void seed();
};

// initial-exec: the parts are built position-independent (the C ABI's shared library
// is made of them), and the default model for that reaches a thread_local through what
// the compiler must treat as a call, spilling registers around every access: ids took
// 2.6 and 2.0 ns instead of 1.8 and 1.4 (docs/performance.md). A TLS descriptor
// (-mtls-dialect=gnu2) gave 2.2 and 1.9. Initial-exec is a fixed offset from the thread
// pointer. Its price: libtracechat_c.so's whole TLS block (~250 bytes, all its
// thread_locals and its dependencies') is then static TLS, taken at dlopen from the
// spare room glibc keeps for that (what Python and Node do, in tests/embedding).
thread_local Xoshiro256 t_rng [[gnu::tls_model("initial-exec")]];

// A forked child holds a copy of the parent's state and would repeat its ids. After
// fork() only the thread that called it exists in the child, so the handler needs to
// unseed only that thread's generator; every other thread's copy is unreachable. This
// is what lets the hot path skip any per-call "did we fork?" check.
void unseed_in_child() { t_rng.seeded = false; }

[[gnu::noinline, gnu::cold]] void Xoshiro256::seed() {
  // Registered before the first id of the process is drawn, so every fork that could
  // copy a seeded state runs the handler.
  static const int registered = pthread_atfork(nullptr, nullptr, unseed_in_child);
  if (registered != 0) throw std::runtime_error("pthread_atfork failed: cannot keep ids apart across fork()");
  do {
    fill_from_os(state, sizeof state);
  } while ((state[0] | state[1] | state[2] | state[3]) == 0);
  seeded = true;
}

Xoshiro256& thread_rng() {
  Xoshiro256& rng = t_rng;
  if (!rng.seeded) [[unlikely]]
    rng.seed();
  return rng;
}

}  // namespace

TraceId RandomIdGenerator::new_trace_id() {
  auto& rng = thread_rng();
  std::uint64_t words[2];
  do {
    words[0] = rng.next();
    words[1] = rng.next();
  } while ((words[0] | words[1]) == 0);
  TraceId id;
  std::memcpy(id.mutable_bytes().data(), words, sizeof words);
  return id;
}

SpanId RandomIdGenerator::new_span_id() {
  auto& rng = thread_rng();
  std::uint64_t word;
  do {
    word = rng.next();
  } while (word == 0);
  SpanId id;
  std::memcpy(id.mutable_bytes().data(), &word, sizeof word);
  return id;
}

IdGenerator& default_id_generator() {
  static RandomIdGenerator generator;
  return generator;
}

}  // namespace tracechat::trace
