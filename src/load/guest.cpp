#include "guest.h"

#include <algorithm>

namespace tracechat::load::detail {
namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr std::size_t kMaxErrorsKept = 10;
// The platform's documented limit is 2 messages a second per session.
constexpr milliseconds kMinimumGap{500};

}  // namespace

Guest::Guest(const LoadOptions& options, GuestPlan plan, net::EventLoop& loop, KindReport& report,
             LoadProgress* progress)
    : options_(options),
      plan_(std::move(plan)),
      loop_(loop),
      report_(report),
      progress_(progress),
      random_(options.seed * 0x9E3779B97F4A7C15ull + plan_.index) {}

void Guest::after(milliseconds delay, void (Guest::*step)()) {
  loop_.after(delay, [this, step] {
    if (!silenced_) (this->*step)();
  });
}

void Guest::start() {
  if (progress_ != nullptr) ++progress_->guests_started;
  client::ChatSessionConfig config;
  config.url = plan_.url;
  config.display_name = "Load guest " + std::to_string(plan_.index);
  config.trace.tracer = options_.tracer;
  // Each message moves the context to its own span, so the Data Action call the flow
  // makes for it is that span's child: what the correlation check looks for.
  config.trace.per_message_context = true;
  config.attributes.initial = {{"load_guest", std::to_string(plan_.index)}};
  // Known from the plan, so open() never waits for the deployment's config.json on the loop.
  config.web_messaging_auto_start =
      plan_.kind == GuestKind::web_messaging_auto_start ? client::AutoStart::on : client::AutoStart::off;
  opened_at_ = Clock::now();
  auto session = client::ChatSession::open(
      std::move(config),
      [this](const client::SessionEvent& event) {
        if (!silenced_) on_event(event);
      },
      &loop_);
  if (!session) {
    ++report_.sessions_failed;
    failed_ = true;
    error("open: " + session.error().message);
    if (progress_ != nullptr) ++progress_->guests_failed;
    return finish();
  }
  session_ = std::move(*session);
  trace_id_ = session_->info().trace_id;
}

void Guest::on_event(const client::SessionEvent& event) {
  const auto now = Clock::now();
  if (const auto* changed = std::get_if<client::StateChanged>(&event)) return on_state(*changed);
  if (std::holds_alternative<client::Connected>(event)) {
    if (!connected_) report_.handshake.record(duration_cast<microseconds>(now - opened_at_));
    connected_ = true;
    return;
  }
  if (std::holds_alternative<client::ContextAttached>(event)) {
    if (!context_attached_) report_.context.record(duration_cast<microseconds>(now - opened_at_));
    context_attached_ = true;
    return;
  }
  if (const auto* delivered = std::get_if<client::MessageDelivered>(&event)) {
    const auto it = unacknowledged_.find(delivered->client_id);
    if (it == unacknowledged_.end()) {
      if (acknowledged_ids_.contains(delivered->client_id)) ++report_.messages_duplicated;
      return;
    }
    report_.acknowledged.record(duration_cast<microseconds>(now - it->second));
    unacknowledged_.erase(it);
    acknowledged_ids_.insert(delivered->client_id);
    ++acknowledged_;
    ++report_.messages_acknowledged;
    if (progress_ != nullptr) ++progress_->acknowledged;
    return;
  }
  if (const auto* refused = std::get_if<client::MessageFailed>(&event)) {
    if (unacknowledged_.erase(refused->client_id) == 0) return;
    ++report_.messages_lost;
    error("message refused: " + refused->error);
    if (awaiting_answer_) {
      awaiting_answer_ = false;
      ++answer_generation_;
      schedule_next();
    }
    return;
  }
  if (const auto* received = std::get_if<client::MessageReceived>(&event)) {
    if (!received->own) on_answer();
    return;
  }
  if (std::holds_alternative<client::RateLimited>(event)) {
    ++report_.rate_limited;
    if (progress_ != nullptr) ++progress_->rate_limited;
  }
}

void Guest::on_state(const client::StateChanged& changed) {
  using client::SessionState;
  switch (changed.to) {
    case SessionState::active:
      if (active_) return;  // back from a reconnect: the plan goes on where it was
      active_ = true;
      ++report_.sessions_opened;
      if (progress_ != nullptr) ++progress_->guests_connected;
      if (plan_.kind == GuestKind::web_messaging_auto_start) {
        awaiting_greeting_ = true;
        const auto generation = ++answer_generation_;
        loop_.after(options_.reply_timeout, [this, generation] {
          if (silenced_ || !awaiting_greeting_ || generation != answer_generation_) return;
          awaiting_greeting_ = false;
          error("no answer to the Join within the reply timeout");
          schedule_next();
        });
        return;
      }
      return schedule_next();
    case SessionState::reconnecting:
      ++report_.reconnects;
      if (progress_ != nullptr) ++progress_->reconnects;
      return;
    case SessionState::failed:
      ++report_.sessions_failed;
      failed_ = true;
      error("session failed: " + changed.cause);
      if (progress_ != nullptr) ++progress_->guests_failed;
      return finish();
    case SessionState::closed: return finish();
    default: return;
  }
}

void Guest::on_answer() {
  const auto now = Clock::now();
  if (awaiting_greeting_) {
    awaiting_greeting_ = false;
    ++answer_generation_;
    return schedule_next();
  }
  if (!awaiting_answer_) {
    // An answer that came after its message's reply timeout was counted then.
    if (late_answers_expected_ > 0) {
      --late_answers_expected_;
    } else {
      ++report_.messages_duplicated;
    }
    return;
  }
  awaiting_answer_ = false;
  ++answer_generation_;
  report_.answered.record(std::chrono::duration_cast<microseconds>(now - last_sent_at_));
  ++report_.messages_answered;
  if (progress_ != nullptr) ++progress_->answered;
  schedule_next();
}

void Guest::schedule_next() {
  if (leaving_ || failed_) return;
  const auto now = Clock::now();
  const bool used_up = plan_.messages ? sent_ >= *plan_.messages : now >= plan_.send_until;
  if (used_up) return leave();
  // A human's pause: exponential around the mean the rate gives, never under the
  // platform's limit, counted from the previous message (the wait for its answer is part of it).
  std::exponential_distribution<double> pause(options_.rate > 0 ? options_.rate : 1.0);
  const auto gap = std::max<milliseconds>(kMinimumGap, milliseconds(static_cast<std::int64_t>(pause(random_) * 1000)));
  const auto at = sent_ == 0 ? now + gap : std::max(now, last_sent_at_ + gap);
  if (!plan_.messages && at >= plan_.send_until) return leave();
  after(std::chrono::duration_cast<milliseconds>(at - now), &Guest::send_next);
}

void Guest::send_next() {
  if (leaving_ || failed_ || !session_) return;
  const std::string body = "A-" + std::to_string(plan_.index) + "-" + std::to_string(sent_ + 1);
  auto sent = session_->send(body);
  ++sent_;
  ++report_.messages_sent;
  if (progress_ != nullptr) ++progress_->sent;
  if (!sent) {
    ++report_.messages_lost;
    error("send: " + sent.error().message);
    return schedule_next();
  }
  last_sent_at_ = Clock::now();
  unacknowledged_[*sent] = last_sent_at_;
  awaiting_answer_ = true;
  const auto generation = ++answer_generation_;
  loop_.after(options_.reply_timeout, [this, generation] {
    if (silenced_ || !awaiting_answer_ || generation != answer_generation_) return;
    awaiting_answer_ = false;
    ++report_.messages_unanswered;
    ++late_answers_expected_;
    schedule_next();
  });
}

void Guest::leave() {
  if (leaving_) return;
  leaving_ = true;
  if (session_) session_->close();
}

void Guest::finish() {
  if (finished_) return;
  // What the server never took by the end is lost.
  report_.messages_lost += unacknowledged_.size();
  unacknowledged_.clear();
  if (progress_ != nullptr) ++progress_->guests_finished;
  finished_ = true;
}

void Guest::error(std::string what) {
  if (progress_ != nullptr) ++progress_->errors;
  if (report_.errors.size() < kMaxErrorsKept) {
    report_.errors.push_back("guest " + std::to_string(plan_.index) + ": " + std::move(what));
  }
}

void Guest::end_session() {
  if (session_) {
    if (session_->state() == client::SessionState::failed) failed_ = true;
  }
  session_.reset();
}

GuestRecord Guest::record() const { return GuestRecord{plan_.index, plan_.kind, trace_id_, acknowledged_, failed_}; }

}  // namespace tracechat::load::detail
