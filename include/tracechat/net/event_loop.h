// EventLoop: one I/O thread and its Boost.Asio io_context, behind an interface that
// keeps Asio out of the headers. Everything a loop runs — posted tasks, timers, the
// callbacks of the connections made on it — runs on its one thread, one at a time, so
// a state machine driven by a loop needs no locks of its own.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace tracechat::net {

class EventLoop {
 public:
  EventLoop();   // starts the thread
  ~EventLoop();  // stop(): pending tasks and timers are dropped
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Thread-safe.
  void post(std::function<void()> task);
  // Runs `task` on the loop after `delay`. To cancel, let the task check a flag or a weak_ptr.
  void after(std::chrono::milliseconds delay, std::function<void()> task);
  bool in_loop_thread() const;
  // Joins the thread; tasks not yet run are dropped. Not from the loop's own thread.
  void stop();

  // The loop's io_context, for net's own classes (an opaque pointer outside net).
  void* native() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracechat::net
