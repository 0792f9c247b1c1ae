#include "session_shared.h"

#include <algorithm>
#include <utility>

#include "tracechat/conventions.h"
#include "tracechat/protocol/attribute_text.h"

namespace tracechat::client {
namespace {

bool ending(SessionState state) {
  return state == SessionState::closing || state == SessionState::closed || state == SessionState::failed;
}

// The defaults' one copy, or a copy of the session's own names.
std::shared_ptr<const std::array<std::string, 4>> shared_trace_keys(std::array<std::string, 4> keys) {
  static const auto defaults = std::make_shared<const std::array<std::string, 4>>(std::array<std::string, 4>{
      std::string(conventions::kTraceIdAttribute), std::string(conventions::kSpanIdAttribute),
      std::string(conventions::kTraceparentAttribute), std::string(conventions::kTracestateAttribute)});
  if (keys == *defaults) return defaults;
  return std::make_shared<const std::array<std::string, 4>>(std::move(keys));
}

}  // namespace

SessionShared::SessionShared(const ChatSessionConfig& config, Dialect dialect, EventCallback callback)
    : callback_(std::move(callback)),
      max_events_(std::max<std::size_t>(1, config.max_pending_events)),
      max_queued_(config.max_queued_messages),
      trace_keys_(shared_trace_keys({config.trace.trace_id_key, config.trace.span_id_key, config.trace.traceparent_key,
                                     config.trace.tracestate_key})) {
  if (dialect == Dialect::web_messaging) {
    // Web Messaging does not advertise these; the config says what the platform keeps.
    limits_.attributes.max_value_chars = config.attributes.web_messaging_max_value_chars;
    limits_.attributes.max_count = config.attributes.web_messaging_max_attributes;
  }
  info_.dialect = dialect;
}

// ---- the callers' threads -------------------------------------------------------------

Result<std::uint64_t> SessionShared::admit_message(const std::string& text) {
  std::size_t max_chars = 0;
  SessionState now;
  {
    std::lock_guard lock(mutex_);
    max_chars = limits_.max_message_chars;
    now = info_.state;
  }
  if (ending(now)) return Error{std::string("the session is ") + to_string(now)};
  if (text.empty()) return Error{"the message is empty"};
  if (const auto chars = protocol::count_code_points(text); chars > max_chars) {
    return Error{"the message is " + std::to_string(chars) + " characters; the server accepts " +
                 std::to_string(max_chars)};
  }
  if (queued_.fetch_add(1) >= max_queued_) {
    queued_.fetch_sub(1);
    return Error{"the send queue is full (" + std::to_string(max_queued_) +
                 " messages waiting); send again once some are delivered"};
  }
  {
    // The guest has answered: the buttons offered before are no longer the question.
    std::lock_guard lock(mutex_);
    info_.quick_replies.clear();
  }
  return next_client_id_.fetch_add(1);
}

Result<void> SessionShared::set_attributes(const std::map<std::string, std::optional<std::string>>& changes) {
  std::lock_guard lock(mutex_);
  for (const auto& [key, value] : changes) {
    if (std::find(trace_keys_->begin(), trace_keys_->end(), key) != trace_keys_->end()) {
      return Error{"attribute '" + key + "': that key carries the trace context and is set by the session"};
    }
  }
  if (ending(info_.state)) return Error{std::string("the session is ") + to_string(info_.state)};
  return attributes_.apply(changes, limits_.attributes);
}

std::optional<SessionEvent> SessionShared::next_event(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return !events_.empty(); });
  if (events_.empty()) return std::nullopt;
  SessionEvent event = std::move(events_.front());
  events_.pop_front();
  return event;
}

bool SessionShared::wait_finished(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout,
                           [&] { return info_.state == SessionState::closed || info_.state == SessionState::failed; });
}

SessionState SessionShared::state() const {
  std::lock_guard lock(mutex_);
  return info_.state;
}

SessionInfo SessionShared::info() const {
  std::lock_guard lock(mutex_);
  SessionInfo copy = info_;
  copy.queued_messages = queued_.load();
  // Written out when asked for rather than kept as text: a load run holds thousands of sessions.
  copy.trace_id = context_.trace_id.hex();
  copy.traceparent = context_.traceparent();
  return copy;
}

trace::SpanContext SessionShared::context() const {
  std::lock_guard lock(mutex_);
  return context_;
}

// ---- the loop's thread ----------------------------------------------------------------

void SessionShared::emit(SessionEvent event) {
  if (callback_) {
    callback_(event);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    if (events_.size() >= max_events_) {
      events_.pop_front();
      ++info_.events_dropped;
    }
    events_.push_back(std::move(event));
  }
  changed_.notify_all();
}

void SessionShared::session_started(const trace::Span& session_span) {
  std::lock_guard lock(mutex_);
  context_ = session_span.context();
}

void SessionShared::set_state(SessionState state) {
  std::lock_guard lock(mutex_);
  info_.state = state;
}

void SessionShared::set_context_timing(ContextTiming timing) {
  std::lock_guard lock(mutex_);
  info_.context_timing = timing;
}

void SessionShared::offer_quick_replies(std::vector<QuickReply> replies) {
  std::lock_guard lock(mutex_);
  info_.quick_replies = std::move(replies);
}

void SessionShared::set_failure(const std::string& cause) {
  std::lock_guard lock(mutex_);
  info_.failure = cause;
}

void SessionShared::connected(const ServerLimits& limits, const std::string& conversation_id,
                              const std::string& session_id) {
  std::lock_guard lock(mutex_);
  limits_ = limits;
  info_.conversation_id = conversation_id;
  info_.session_id = session_id;
}

void SessionShared::publish(const SessionStats& stats) {
  std::lock_guard lock(mutex_);
  info_.messages_sent = stats.messages_sent;
  info_.messages_received = stats.messages_received;
  info_.rate_limit_waits = stats.rate_limit_waits;
  info_.reconnects = stats.reconnects;
  info_.duplicates_dropped = stats.duplicates;
}

ServerLimits SessionShared::limits() const {
  std::lock_guard lock(mutex_);
  return limits_;
}

}  // namespace tracechat::client
