#include "tracechat/load/load_run.h"

#include <algorithm>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "guest.h"

namespace tracechat::load {
namespace {

using detail::Clock;
using detail::Guest;
using namespace std::chrono_literals;

// Runs `task` on `loop` and waits for it: a barrier after which the loop is past every
// task posted before.
void run_on(net::EventLoop& loop, std::function<void()> task) {
  std::promise<void> done;
  loop.post([&] {
    task();
    done.set_value();
  });
  done.get_future().wait();
}

std::uint64_t activity(const LoadProgress& p) {
  return p.guests_started + p.guests_finished + p.sent + p.acknowledged + p.answered + p.rate_limited + p.reconnects;
}

}  // namespace

const char* to_string(GuestKind kind) noexcept {
  switch (kind) {
    case GuestKind::guest_chat: return "guest-chat";
    case GuestKind::web_messaging: return "web-messaging";
    case GuestKind::web_messaging_auto_start: return "web-messaging-auto-start";
  }
  return "?";
}

void KindReport::merge(const KindReport& o) {
  sessions_opened += o.sessions_opened;
  sessions_failed += o.sessions_failed;
  messages_sent += o.messages_sent;
  messages_acknowledged += o.messages_acknowledged;
  messages_answered += o.messages_answered;
  messages_unanswered += o.messages_unanswered;
  messages_lost += o.messages_lost;
  messages_duplicated += o.messages_duplicated;
  rate_limited += o.rate_limited;
  reconnects += o.reconnects;
  for (const auto& e : o.errors) {
    if (errors.size() < 10) errors.push_back(e);
  }
  handshake.merge(o.handshake);
  context.merge(o.context);
  acknowledged.merge(o.acknowledged);
  answered.merge(o.answered);
  KindReport coarser;  // `o`'s timeline in windows as long as this one's, when its are shorter
  const KindReport* from = &o;
  if (o.window_seconds < window_seconds) {
    coarser.window_seconds = o.window_seconds;
    coarser.timeline = o.timeline;
    while (coarser.window_seconds < window_seconds) coarser.coarsen();
    from = &coarser;
  }
  while (window_seconds < from->window_seconds) coarsen();
  if (from->timeline.size() > timeline.size()) timeline.resize(from->timeline.size());
  for (std::size_t i = 0; i < from->timeline.size(); ++i) {
    timeline[i].sent += from->timeline[i].sent;
    timeline[i].answered.merge(from->timeline[i].answered);
  }
  while (timeline.size() > kMaxWindows) coarsen();
}

void KindReport::coarsen() {
  std::vector<TimeWindow> joined((timeline.size() + 1) / 2);
  for (std::size_t i = 0; i < timeline.size(); ++i) {
    joined[i / 2].sent += timeline[i].sent;
    joined[i / 2].answered.merge(timeline[i].answered);
  }
  timeline = std::move(joined);
  window_seconds *= 2;
}

TimeWindow& KindReport::window(Clock::time_point started, Clock::time_point at) {
  const auto second =
      at <= started
          ? 0
          : static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(at - started).count());
  while (second / window_seconds >= kMaxWindows) coarsen();
  const auto index = static_cast<std::size_t>(second / window_seconds);
  if (index >= timeline.size()) timeline.resize(index + 1);
  return timeline[index];
}

void LoadResult::merge(LoadResult&& part) {
  for (const auto& [name, kind] : part.kinds) kinds[name].merge(kind);
  for (auto& g : part.guests) guests.push_back(std::move(g));
  wall = std::max(wall, part.wall);
  interrupted = interrupted || part.interrupted;
}

GuestRange shard_range(std::size_t guests, std::size_t shard, std::size_t shards) {
  if (shards == 0 || shard == 0 || shard > shards) return {};
  const std::size_t first = guests * (shard - 1) / shards, end = guests * shard / shards;
  return {first, end - first};
}

LoadResult run_load(const LoadOptions& options, LoadProgress* progress) {
  LoadProgress own_progress;
  LoadProgress& live = progress != nullptr ? *progress : own_progress;
  const auto started = Clock::now();
  const unsigned loop_count = std::max(1u, options.loops);
  std::vector<std::unique_ptr<net::EventLoop>> loops;
  for (unsigned i = 0; i < loop_count; ++i) loops.push_back(std::make_unique<net::EventLoop>());
  // One report per loop and kind: a guest writes only to its loop's, on that loop's thread.
  std::vector<std::map<GuestKind, KindReport>> reports(loop_count);

  detail::GuestPlan base;
  base.messages = options.messages_per_guest;
  base.run_started = started;
  std::vector<std::unique_ptr<Guest>> guests;
  guests.reserve(options.guests);
  for (std::size_t i = 0; i < options.guests; ++i) {
    detail::GuestPlan plan = base;
    plan.index = options.first_guest + i;
    plan.kind = options.kinds.empty() ? GuestKind::guest_chat : options.kinds[plan.index % options.kinds.size()];
    plan.url = options.url_for(plan.index, plan.kind);
    auto& report = reports[i % loop_count][plan.kind];
    guests.push_back(std::make_unique<Guest>(options, std::move(plan), *loops[i % loop_count], report, &live));
  }

  const auto stop_asked = [&] { return options.stop_requested && options.stop_requested(); };
  bool interrupted = false;
  // Guests start evenly over the ramp (a stop asked for meanwhile is heard within 50 ms).
  for (std::size_t i = 0; i < guests.size() && !interrupted; ++i) {
    const auto at = started + options.ramp * static_cast<std::int64_t>(i) / static_cast<std::int64_t>(guests.size());
    while (Clock::now() < at && !(interrupted = stop_asked())) {
      std::this_thread::sleep_until(std::min<Clock::time_point>(at, Clock::now() + 50ms));
    }
    if (interrupted) break;
    Guest* guest = guests[i].get();
    loops[i % loop_count]->post([guest] { guest->start(); });
  }

  // Until every guest is done; a run in which nothing at all happens for longer than a
  // guest could possibly wait (its longest pause, then the reply timeout) is stuck, and
  // ends with what it has.
  const auto stuck_after = std::max<std::chrono::milliseconds>(
                               options.reply_timeout * 2, detail::longest_gap(options.rate) + options.reply_timeout) +
                           30s;
  auto last_activity = activity(live);
  auto last_change = Clock::now();
  while (!interrupted) {
    if (stop_asked()) {
      interrupted = true;
      break;
    }
    const bool all_done = std::all_of(guests.begin(), guests.end(), [](const auto& g) { return g->finished(); });
    if (all_done) break;
    std::this_thread::sleep_for(50ms);
    if (const auto now_activity = activity(live); now_activity != last_activity) {
      last_activity = now_activity;
      last_change = Clock::now();
    } else if (Clock::now() - last_change > stuck_after) {
      break;
    }
  }

  for (std::size_t l = 0; l < loop_count; ++l) {
    run_on(*loops[l], [&, l] {
      for (std::size_t i = l; i < guests.size(); i += loop_count) guests[i]->silence();
    });
  }
  // silence() settled the guests that had not finished (counted as failed sessions).
  LoadResult result;
  for (auto& guest : guests) {
    guest->end_session();
    result.guests.push_back(guest->record());
  }
  for (auto& loop : loops) loop->stop();
  for (const auto& per_loop : reports) {
    for (const auto& [kind, report] : per_loop) result.kinds[to_string(kind)].merge(report);
  }
  result.wall = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  result.interrupted = interrupted;
  return result;
}

}  // namespace tracechat::load
