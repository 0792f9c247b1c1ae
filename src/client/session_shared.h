// What the thread-safe facade (ChatSession) and the loop-bound state machine
// (SessionCore) share, behind one mutex: the status snapshot, the event queue of poll
// mode, the attributes (checked by the caller's thread, diffed by the loop's) and the
// last known limits.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "attribute_state.h"
#include "dialect.h"
#include "tracechat/client/chat_session.h"

namespace tracechat::client {

struct SessionShared {
  mutable std::mutex mutex;
  std::condition_variable changed;  // a new event, or a final state
  SessionInfo info;
  std::deque<SessionEvent> events;
  std::size_t max_events = 65536;
  EventCallback callback;  // set: events go here instead of `events`
  AttributeState attributes;
  ServerLimits limits;
  trace::SpanContext context;
  std::vector<std::string> trace_keys;  // the context's attribute names: only the session sets them
  std::size_t max_queued = 256;

  std::atomic<std::size_t> queued{0};
  std::atomic<std::uint64_t> next_client_id{1};

  // From the loop's thread.
  void emit(SessionEvent event) {
    if (callback) {
      callback(event);
      return;
    }
    {
      std::lock_guard lock(mutex);
      if (events.size() >= max_events) {
        events.pop_front();
        ++info.events_dropped;
      }
      events.push_back(std::move(event));
    }
    changed.notify_all();
  }
};

}  // namespace tracechat::client
