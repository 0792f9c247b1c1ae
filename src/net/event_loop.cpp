#include "tracechat/net/event_loop.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <thread>

namespace tracechat::net {

namespace asio = boost::asio;

struct EventLoop::Impl {
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(ioc);
  std::thread thread;
};

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {
  impl_->thread = std::thread([i = impl_.get()] { i->ioc.run(); });
}

EventLoop::~EventLoop() { stop(); }

void EventLoop::post(std::function<void()> task) { asio::post(impl_->ioc, std::move(task)); }

void EventLoop::after(std::chrono::milliseconds delay, std::function<void()> task) {
  auto timer = std::make_shared<asio::steady_timer>(impl_->ioc, delay);
  timer->async_wait([timer, task = std::move(task)](const boost::system::error_code& ec) {
    if (!ec) task();
  });
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
