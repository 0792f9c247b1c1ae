// Long-running commands (collector, emulator, bridge) stop cleanly on SIGINT/SIGTERM.
#pragma once

namespace tracechat::cli {

// Call first in main(), before any thread starts, so every thread inherits the mask.
void block_termination_signals();
// Blocks until SIGINT or SIGTERM arrives; returns the signal number.
int wait_for_termination_signal();
// For commands with their own loop: the signal that arrived since the last call, or 0.
int pending_termination_signal();

}  // namespace tracechat::cli
