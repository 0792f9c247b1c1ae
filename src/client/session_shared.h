// SessionShared: the one part of a chat session that two threads touch — the callers'
// (through the ChatSession facade) and the loop's (SessionCore and its parts). It holds
// what both need: the status snapshot, poll mode's event queue, the attributes (checked
// on the caller's thread, diffed on the loop's), the server's last known limits and the
// session's trace context.
//
// Locking: one mutex, private, taken only inside these methods and released before any
// of them returns. The one method that runs caller code under it is with_attributes, whose
// function may only read and write the attribute state. The event callback runs unlocked
// (emit), so a callback may call any ChatSession method. Everything else of a session lives on the loop's thread
// and takes no lock (session_core.h).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "attribute_state.h"
#include "dialect.h"
#include "tracechat/client/chat_session.h"
#include "tracechat/result.h"
#include "tracechat/trace/span.h"

namespace tracechat::client {

// The loop's counters, copied into SessionInfo by SessionShared::publish.
struct SessionStats {
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_received = 0;
  std::uint64_t rate_limit_waits = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t duplicates = 0;
};

class SessionShared {
 public:
  SessionShared(const ChatSessionConfig& config, Dialect dialect, EventCallback callback);
  SessionShared(const SessionShared&) = delete;
  SessionShared& operator=(const SessionShared&) = delete;

  // ---- from the callers' threads (ChatSession) ----------------------------------------
  // Admits a message to the send queue: the session must not be ending, the text must fit
  // the server's limit and the queue must have room. Returns the message's client id.
  Result<std::uint64_t> admit_message(const std::string& text);
  // Applies the caller's changes to the desired attributes (the context keys are the
  // session's own); the loop then sends what differs.
  Result<void> set_attributes(const std::map<std::string, std::optional<std::string>>& changes);
  std::optional<SessionEvent> next_event(std::chrono::milliseconds timeout);
  bool wait_finished(std::chrono::milliseconds timeout);
  SessionState state() const;
  SessionInfo info() const;
  trace::SpanContext context() const;

  // ---- from the loop's thread (SessionCore and its parts) ------------------------------
  // To the callback (unlocked) or, in poll mode, into the bounded queue.
  void emit(SessionEvent event);
  void session_started(const trace::Span& session_span);
  void set_state(SessionState state);
  void set_failure(const std::string& cause);
  void set_context_timing(ContextTiming timing);
  void offer_quick_replies(std::vector<QuickReply> replies);
  void connected(const ServerLimits& limits, const std::string& conversation_id, const std::string& session_id);
  void publish(const SessionStats& stats);
  // Wakes wait_finished() (poll mode's waiters are woken by every event anyway).
  void wake_waiters() { changed_.notify_all(); }
  ServerLimits limits() const;
  // A message left the queue (delivered, refused or given up): send() has room again.
  void message_left_queue() { queued_.fetch_sub(1); }
  // Runs `f` on the attribute state under the mutex and returns what it returns. `f` only
  // reads and writes the state: it must not emit, end spans or send.
  // Returns by value, so no reference to the state outlives the lock.
  template <typename F>
  auto with_attributes(F&& f) {
    std::lock_guard lock(mutex_);
    return f(attributes_);
  }

 private:
  const EventCallback callback_;  // set: events go here instead of events_
  const std::size_t max_events_;
  const std::size_t max_queued_;
  // The context's attribute names: only the session sets them. Shared by every session
  // that names them the same (most use the defaults): four strings a session otherwise.
  using TraceKeys = std::array<std::string, 4>;
  const std::shared_ptr<const TraceKeys> trace_keys_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;  // a new event, or a final state
  // What info() reports; the trace context's text (trace_id, traceparent) and the queue's
  // length are written in when asked for, from context_ and queued_.
  SessionInfo info_;
  std::list<SessionEvent> events_;  // poll mode's; a list allocates nothing while empty
  AttributeState attributes_;
  ServerLimits limits_;
  trace::SpanContext context_;

  std::atomic<std::size_t> queued_{0};
  std::atomic<std::uint64_t> next_client_id_{1};
};

}  // namespace tracechat::client
