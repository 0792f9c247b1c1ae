// net::EventLoop's timers: the order they run in, from the loop and from other threads.
#include "tracechat/net/event_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace net = tracechat::net;

namespace {

// What ran, in order, and a way to wait for the count.
struct Log {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<int> ran;
  void add(int n) {
    std::lock_guard lock(mutex);
    ran.push_back(n);
    cv.notify_all();
  }
  std::vector<int> wait_for(std::size_t count) {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, 5s, [&] { return ran.size() >= count; });
    return ran;
  }
};

}  // namespace

TEST(EventLoopTimers, RunInTheOrderOfTheirTimesWhateverTheOrderTheyWereSetIn) {
  Log log;
  net::EventLoop loop;  // after what its tasks use: it goes first
  loop.post([&] {
    loop.after(60ms, [&] { log.add(3); });
    loop.after(20ms, [&] { log.add(1); });
    loop.after(40ms, [&] { log.add(2); });
    loop.after(0ms, [&] { log.add(0); });
  });
  EXPECT_EQ(log.wait_for(4), (std::vector<int>{0, 1, 2, 3}));
}

TEST(EventLoopTimers, AnEarlierTimerSetWhileALaterOneWaitsIsNotHeldUpByIt) {
  Log log;
  std::promise<std::chrono::steady_clock::duration> took;
  const auto start = std::chrono::steady_clock::now();
  net::EventLoop loop;
  loop.after(10s, [&] { log.add(99); });
  loop.after(20ms, [&] {
    // A task may set timers; this one is earlier than the 10 s one still waiting.
    loop.after(10ms, [&] { took.set_value(std::chrono::steady_clock::now() - start); });
  });
  auto future = took.get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  EXPECT_LT(future.get(), 5s);
  EXPECT_TRUE(log.wait_for(0).empty()) << "the 10 s timer has not run";
}

TEST(EventLoopTimers, FromOtherThreadsAndInNumbersEveryTaskRunsOnce) {
  net::EventLoop loop;
  constexpr int kThreads = 4, kEach = 500;
  std::atomic<int> ran{0};
  std::atomic<bool> off_loop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        loop.after(std::chrono::milliseconds((i * 7 + t) % 50), [&] {
          if (!loop.in_loop_thread()) off_loop = true;
          ++ran;
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 500 && ran.load() < kThreads * kEach; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(ran.load(), kThreads * kEach);
  EXPECT_FALSE(off_loop.load()) << "every task runs on the loop's thread";
}

TEST(EventLoopTimers, StoppingDropsWhatHasNotRun) {
  Log log;
  auto shared = std::make_shared<int>(7);
  std::weak_ptr<int> watch = shared;
  {
    net::EventLoop loop;
    loop.after(10s, [&log, held = std::move(shared)] { log.add(*held); });
  }  // destroyed with a task still waiting: it never runs, and what it held is released
  EXPECT_TRUE(log.wait_for(0).empty());
  EXPECT_TRUE(watch.expired());
}
