// Long-running commands (collector, emulator, bridge) stop cleanly on SIGINT/SIGTERM.
#pragma once

#include <chrono>

namespace tracechat::cli {

// Call first in main(), before any thread starts, so every thread inherits the mask.
void block_termination_signals();
// Blocks until SIGINT or SIGTERM arrives; returns the signal number.
int wait_for_termination_signal();
// For commands with their own loop: the signal that arrived since the last call, or 0.
int pending_termination_signal();

// For commands that wait on the network (find): from now on the first SIGINT or SIGTERM
// sets the flag stop_requested() reads, so the command can clean up (cancel a job) at
// its next wait; a second one ends the process at once. Call from the main thread.
void stop_on_termination_signals();
bool stop_requested();
// Sleeps up to `duration`, in short slices, returning early once a stop is requested.
void sleep_unless_stopped(std::chrono::milliseconds duration);

}  // namespace tracechat::cli
