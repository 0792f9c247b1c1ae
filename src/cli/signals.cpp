#include "signals.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <thread>

namespace tracechat::cli {
namespace {
// Lock-free, so the handler may set it.
std::atomic<bool> stop_flag{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void request_stop(int) { stop_flag.store(true); }

sigset_t termination_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}
}  // namespace

void block_termination_signals() {
  const sigset_t set = termination_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int pending_termination_signal() {
  const sigset_t set = termination_set();
  const timespec no_wait{0, 0};
  const int signal = sigtimedwait(&set, nullptr, &no_wait);
  return signal > 0 ? signal : 0;
}

int wait_for_termination_signal() {
  const sigset_t set = termination_set();
  int signal = 0;
  sigwait(&set, &signal);
  return signal;
}

void stop_on_termination_signals() {
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  // SA_RESETHAND: the first signal asks; the second finds the default action and ends
  // the process, for a user who does not want to wait for the cleanup.
  action.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // Drop one that arrived while blocked, then let them through on this thread only (the
  // others keep them blocked, so the handler runs here).
  if (pending_termination_signal() != 0) stop_flag.store(true);
  const sigset_t set = termination_set();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

bool stop_requested() { return stop_flag.load(); }

void sleep_unless_stopped(std::chrono::milliseconds duration) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (!stop_requested()) {
    const auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(50)));
  }
}

}  // namespace tracechat::cli
