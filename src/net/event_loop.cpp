#include "tracechat/net/event_loop.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <queue>
#include <thread>
#include <vector>

namespace tracechat::net {

namespace asio = boost::asio;

namespace {

// The tasks waiting for their time, earliest first, behind one Asio timer. A task that
// waits costs its entry here (48 bytes, plus its function's captures when they do not
// fit inline) where a steady_timer and a pending wait of its own cost some 450 bytes
// and a system call to re-arm the timer descriptor: a load run keeps a pause or a
// heartbeat waiting for each of thousands of sessions. Loop thread only.
class Timers {
 public:
  explicit Timers(asio::io_context& ioc) : timer_(ioc) {}

  void add(std::chrono::steady_clock::time_point at, std::function<void()> task) {
    const bool earliest = due_.empty() || at < due_.top().at;
    due_.push(Entry{at, next_order_++, std::move(task)});
    if (earliest) arm();
  }

 private:
  struct Entry {
    std::chrono::steady_clock::time_point at;
    std::uint64_t order;  // equal times run in the order they were added
    std::function<void()> task;
    bool operator>(const Entry& other) const { return at != other.at ? at > other.at : order > other.order; }
  };

  void arm() {
    // Moving the expiry cancels the wait in progress; its handler sees operation_aborted.
    timer_.expires_at(due_.top().at);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) run_due();
    });
  }

  void run_due() {
    const auto now = std::chrono::steady_clock::now();
    while (!due_.empty() && due_.top().at <= now) {
      // priority_queue::top is const: the task is moved out through a cast, and the
      // entry popped before the task runs (the task may add timers).
      auto task = std::move(const_cast<Entry&>(due_.top()).task);
      due_.pop();
      task();
    }
    if (!due_.empty()) arm();
  }

  asio::steady_timer timer_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> due_;
  std::uint64_t next_order_ = 0;
};

}  // namespace

struct EventLoop::Impl {
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(ioc);
  Timers timers{ioc};
  std::thread thread;
};

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {
  impl_->thread = std::thread([i = impl_.get()] { i->ioc.run(); });
}

EventLoop::~EventLoop() { stop(); }

void EventLoop::post(std::function<void()> task) { asio::post(impl_->ioc, std::move(task)); }

void EventLoop::after(std::chrono::milliseconds delay, std::function<void()> task) {
  // On a whole millisecond (the delay's own unit): tasks that fall due in the same
  // millisecond run on one wake-up and one re-arming of the timer, where a nanosecond
  // each would cost a wake-up and a system call apiece — a load run sets thousands.
  const auto at = std::chrono::ceil<std::chrono::milliseconds>(std::chrono::steady_clock::now() + delay);
  if (in_loop_thread()) return impl_->timers.add(at, std::move(task));
  post([i = impl_.get(), at, task = std::move(task)]() mutable { i->timers.add(at, std::move(task)); });
}

bool EventLoop::in_loop_thread() const { return impl_->thread.get_id() == std::this_thread::get_id(); }

void EventLoop::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->guard.reset();
  impl_->ioc.stop();
  impl_->thread.join();
}

void* EventLoop::native() noexcept { return &impl_->ioc; }

}  // namespace tracechat::net
