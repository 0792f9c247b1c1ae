// One load guest: a ChatSession and the plan it follows — wait for the session to be
// active (and, on an auto-start deployment, for the flow's answer to the Join), then send
// a message, wait for its answer (or reply_timeout), pause a random human gap, and again,
// until its messages or the run's time are used up; then leave. Everything it does runs
// on its event loop's thread, so it needs no lock; the driver reads it only after
// silence() has run there.
#pragma once

#include <atomic>
#include <boost/container/flat_map.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tracechat/client/chat_session.h"
#include "tracechat/load/load_run.h"
#include "tracechat/net/event_loop.h"
#include "tracechat/trace/ids.h"

namespace tracechat::load::detail {

using Clock = std::chrono::steady_clock;

// The longest pause a guest takes between messages at `rate` (per second).
std::chrono::milliseconds longest_gap(double rate);

// SplitMix64: the guest's pauses. 8 bytes of state where std::mt19937_64 holds 2.5 KiB
// (a load run holds thousands of guests); states that differ by one (guests i and i+1)
// give unrelated sequences.
class PauseRandom {
 public:
  using result_type = std::uint64_t;
  explicit PauseRandom(std::uint64_t seed) : state_(seed) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

struct GuestPlan {
  std::size_t index = 0;
  GuestKind kind = GuestKind::guest_chat;
  std::string url;                      // moved into the session at start()
  std::optional<std::size_t> messages;  // or for LoadOptions::duration from the guest's start
  Clock::time_point run_started;        // where the report's timeline starts
};

class Guest {
 public:
  Guest(const LoadOptions& options, GuestPlan plan, net::EventLoop& loop, KindReport& report, LoadProgress* progress);
  Guest(const Guest&) = delete;
  Guest& operator=(const Guest&) = delete;

  // On the loop's thread: opens the session.
  void start();
  // On the loop's thread: from now on the guest ignores its session and timers. A guest
  // that had not finished settles its counts: what the server never took is lost, an
  // acknowledged message still waiting for its answer is unanswered.
  void silence();
  // After silence(), from any thread: the session leaves at once.
  void end_session();
  bool finished() const { return finished_.load(); }
  GuestRecord record() const;

 private:
  // An answer the guest waits for: to a message (its client id), or to the Join.
  struct Expected {
    std::uint64_t client_id = 0;  // 0: the flow's answer to an auto-start Join
    Clock::time_point since;
    bool timed_out = false;  // given up on: the plan went on without it
  };

  void on_event(const client::SessionEvent& event);
  void on_state(const client::StateChanged& changed);
  void on_delivered(std::uint64_t client_id, Clock::time_point now);
  void on_refused(std::uint64_t client_id, const std::string& why);
  void on_answer(Clock::time_point now);
  void expect(std::uint64_t client_id);
  void schedule_next();
  void send_next();
  void leave();
  void finish();
  void error(std::string what);
  void after(std::chrono::milliseconds delay, void (Guest::*step)());
  bool done() const { return leaving_ || failed_ || finished_; }
  bool was_acknowledged(std::uint64_t client_id) const {
    return client_id < acknowledged_ids_.size() && acknowledged_ids_[client_id];
  }
  void mark_acknowledged(std::uint64_t client_id) {
    if (client_id >= acknowledged_ids_.size()) acknowledged_ids_.resize(client_id + 1);
    acknowledged_ids_[client_id] = true;
  }

  const LoadOptions& options_;
  GuestPlan plan_;
  net::EventLoop& loop_;
  KindReport& report_;
  LoadProgress* progress_;
  std::unique_ptr<client::ChatSession> session_;
  trace::TraceId trace_id_;  // the session's
  PauseRandom random_;

  Clock::time_point opened_at_{}, first_sent_at_{}, last_sent_at_{};
  Clock::time_point send_until_ = Clock::time_point::max();
  bool connected_ = false, context_attached_ = false, active_ = false, leaving_ = false;
  // The answers awaited, oldest first: the flow answers a conversation's messages in
  // order, so each answer belongs to the front one. Only the newest can be awaited still;
  // the ones before it timed out (or it is the Join's).
  std::vector<Expected> expected_;     // (a few at most; an empty std::deque takes 600 bytes)
  bool awaiting_join_answer_ = false;  // auto-start: the plan starts after the flow's answer to the Join
  std::uint64_t generation_ = 0;       // a reply timeout fires only for the answer it was set for
  std::size_t sent_ = 0;
  std::uint64_t acknowledged_ = 0;
  boost::container::flat_map<std::uint64_t, Clock::time_point> unacknowledged_;  // client id → sent at (one, mostly)
  // By client id (a session numbers its messages 1, 2, ...): a bit each, where a set
  // would take a 48-byte node per message for the whole run.
  std::vector<bool> acknowledged_ids_;
  bool silenced_ = false;
  bool failed_ = false;
  std::atomic<bool> finished_{false};
};

}  // namespace tracechat::load::detail
