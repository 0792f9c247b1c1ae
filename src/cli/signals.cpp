#include "signals.h"

#include <pthread.h>
#include <signal.h>

namespace tracechat::cli {
namespace {
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

}  // namespace tracechat::cli
