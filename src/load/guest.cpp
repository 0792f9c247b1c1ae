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

// LoadOptions::rate within its documented range (the CLI refuses anything else; a
// library caller's NaN or 0 must not reach the distribution or a division).
double usable_rate(double rate) {
  if (!(rate >= 1.0 / 86400)) return 1.0 / 86400;
  return std::min(rate, 2.0);
}

}  // namespace

milliseconds longest_gap(double rate) {
  // Five times the mean: a human pause, and a bound the driver can wait out.
  return milliseconds(static_cast<std::int64_t>(5000.0 / usable_rate(rate)));
}

Guest::Guest(const LoadOptions& options, GuestPlan plan, net::EventLoop& loop, KindReport& report,
             LoadProgress* progress)
    : options_(options),
      plan_(std::move(plan)),
      loop_(loop),
      report_(report),
      progress_(progress),
      // The seed scrambled first: states of seed s and s+1 would otherwise be one step of
      // the generator apart, and their guests' pauses the same sequence shifted by one.
      random_(PauseRandom(options.seed)() + plan_.index) {}

void Guest::after(milliseconds delay, void (Guest::*step)()) {
  loop_.after(delay, [this, step] {
    if (!silenced_) (this->*step)();
  });
}

void Guest::start() {
  if (progress_ != nullptr) ++progress_->guests_started;
  client::ChatSessionConfig config;
  config.url = std::move(plan_.url);  // the session keeps its own copy; one is enough
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
  if (!plan_.messages) send_until_ = opened_at_ + options_.duration;
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
  trace_id_ = session_->context().trace_id;
  // An auto-start Join runs the flow, which answers before the guest writes — possibly
  // before the session reports itself active, so the answer is expected from here.
  if (plan_.kind == GuestKind::web_messaging_auto_start) {
    awaiting_join_answer_ = true;
    expect(0);
  }
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
    // Web Messaging without auto-start: the context rides on the first message, so its
    // time counts from that message, not across the guest's first pause.
    const bool with_first_message = plan_.kind == GuestKind::web_messaging;
    if (!context_attached_ && (!with_first_message || sent_ > 0)) {
      report_.context.record(duration_cast<microseconds>(now - (with_first_message ? first_sent_at_ : opened_at_)));
    }
    context_attached_ = true;
    return;
  }
  if (const auto* delivered = std::get_if<client::MessageDelivered>(&event)) {
    return on_delivered(delivered->client_id, now);
  }
  if (const auto* refused = std::get_if<client::MessageFailed>(&event))
    return on_refused(refused->client_id, refused->error);
  if (const auto* received = std::get_if<client::MessageReceived>(&event)) {
    if (!received->own) on_answer(now);
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
      return schedule_next();  // (which waits for the answer to an auto-start Join first)
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
    case SessionState::closed:
      if (!leaving_ && !failed_) {
        ++report_.sessions_failed;
        failed_ = true;
        error("the session was closed before the guest left: " + changed.cause);
        if (progress_ != nullptr) ++progress_->guests_failed;
      }
      return finish();
    default: return;
  }
}

void Guest::on_delivered(std::uint64_t client_id, Clock::time_point now) {
  const auto it = unacknowledged_.find(client_id);
  if (it == unacknowledged_.end()) {
    if (was_acknowledged(client_id)) ++report_.messages_duplicated;
    return;
  }
  report_.acknowledged.record(duration_cast<microseconds>(now - it->second));
  unacknowledged_.erase(it);
  if (unacknowledged_.empty()) unacknowledged_.shrink_to_fit();  // an idle guest holds nothing here
  mark_acknowledged(client_id);
  ++acknowledged_;
  ++report_.messages_acknowledged;
  if (progress_ != nullptr) ++progress_->acknowledged;
  // Given up on before the server even took it: unanswered now that it is known to be taken.
  const auto e = std::find_if(expected_.begin(), expected_.end(),
                              [&](const Expected& x) { return x.client_id == client_id && x.timed_out; });
  if (e != expected_.end()) ++report_.messages_unanswered;
}

void Guest::on_refused(std::uint64_t client_id, const std::string& why) {
  if (unacknowledged_.erase(client_id) == 0) return;
  ++report_.messages_lost;
  error("message refused: " + why);
  // A refused message gets no answer: stop waiting for it.
  const auto e =
      std::find_if(expected_.begin(), expected_.end(), [&](const Expected& x) { return x.client_id == client_id; });
  if (e == expected_.end()) return;
  const bool awaited = !e->timed_out;
  expected_.erase(e);
  if (awaited) {
    ++generation_;
    schedule_next();
  }
}

void Guest::expect(std::uint64_t client_id) {
  expected_.push_back({client_id, Clock::now(), false});
  const auto generation = ++generation_;
  loop_.after(options_.reply_timeout, [this, generation] {
    if (silenced_ || generation != generation_ || expected_.empty() || expected_.back().timed_out) return;
    auto& e = expected_.back();
    e.timed_out = true;
    if (e.client_id == 0) {
      awaiting_join_answer_ = false;
      error("no answer to the Join within the reply timeout");
    } else if (was_acknowledged(e.client_id)) {
      ++report_.messages_unanswered;  // (one not yet acknowledged counts when it is, or as lost)
    }
    schedule_next();
  });
}

void Guest::on_answer(Clock::time_point now) {
  // A message the platform has not acknowledged cannot have been answered (its answer comes
  // after its acknowledgement): one given up on is not what this answer is for.
  while (!expected_.empty() && expected_.front().timed_out && expected_.front().client_id != 0 &&
         !was_acknowledged(expected_.front().client_id)) {
    expected_.erase(expected_.begin());
  }
  if (expected_.empty()) {
    ++report_.messages_duplicated;  // an answer with nothing asked
    return;
  }
  const Expected front = expected_.front();
  expected_.erase(expected_.begin());
  // A late answer to what timed out: counted then; the plan already went on.
  if (front.timed_out) return;
  ++generation_;
  if (front.client_id == 0) awaiting_join_answer_ = false;
  if (front.client_id != 0) {
    const auto latency = duration_cast<microseconds>(now - front.since);
    report_.answered.record(latency);
    report_.window(plan_.run_started, now).answered.record(latency);
    ++report_.messages_answered;
    if (progress_ != nullptr) ++progress_->answered;
  }
  schedule_next();
}

void Guest::schedule_next() {
  if (done() || !active_ || awaiting_join_answer_) return;
  const auto now = Clock::now();
  const bool used_up = plan_.messages ? sent_ >= *plan_.messages : now >= send_until_;
  if (used_up) return leave();
  // A human's pause: exponential around the mean the rate gives, never under the
  // platform's limit nor over five times the mean, counted from the previous message
  // (the wait for its answer is part of it).
  const double rate = usable_rate(options_.rate);
  std::exponential_distribution<double> pause(rate);
  const auto drawn = milliseconds(static_cast<std::int64_t>(std::min(pause(random_), 5.0 / rate) * 1000));
  const auto gap = std::max<milliseconds>(kMinimumGap, drawn);
  const auto at = sent_ == 0 ? now + gap : std::max(now, last_sent_at_ + gap);
  // The next message would come after the guest's time: it stays in the chat, idle, until
  // then (a run of N guests for S seconds holds N sessions for S seconds), and leaves.
  if (!plan_.messages && at >= send_until_) return after(duration_cast<milliseconds>(send_until_ - now), &Guest::leave);
  after(duration_cast<milliseconds>(at - now), &Guest::send_next);
}

void Guest::send_next() {
  if (done() || !session_) return;
  const std::string body = "A-" + std::to_string(plan_.index) + "-" + std::to_string(sent_ + 1);
  auto sent = session_->send(body);
  ++sent_;
  ++report_.messages_sent;
  ++report_.window(plan_.run_started, Clock::now()).sent;
  if (progress_ != nullptr) ++progress_->sent;
  if (!sent) {
    ++report_.messages_lost;
    error("send: " + sent.error().message);
    return schedule_next();
  }
  last_sent_at_ = Clock::now();
  if (sent_ == 1) first_sent_at_ = last_sent_at_;
  unacknowledged_[*sent] = last_sent_at_;
  expect(*sent);
}

void Guest::leave() {
  if (leaving_) return;
  leaving_ = true;
  if (session_) session_->close();
}

void Guest::finish() {
  if (finished_) return;
  // What the server never took by the end is lost; an answer still awaited is missing.
  report_.messages_lost += unacknowledged_.size();
  unacknowledged_.clear();
  if (!expected_.empty() && !expected_.back().timed_out && was_acknowledged(expected_.back().client_id)) {
    ++report_.messages_unanswered;
  }
  expected_.clear();
  if (progress_ != nullptr) ++progress_->guests_finished;
  finished_ = true;
}

void Guest::silence() {
  silenced_ = true;
  if (finished_) return;
  ++report_.sessions_failed;
  failed_ = true;
  error("did not finish before the run ended");
  if (progress_ != nullptr) ++progress_->guests_failed;
  finish();
}

void Guest::error(std::string what) {
  if (progress_ != nullptr) ++progress_->errors;
  if (report_.errors.size() < kMaxErrorsKept) {
    report_.errors.push_back("guest " + std::to_string(plan_.index) + ": " + std::move(what));
  }
}

void Guest::end_session() { session_.reset(); }

GuestRecord Guest::record() const {
  return GuestRecord{plan_.index, plan_.kind, trace_id_.valid() ? trace_id_.hex() : std::string(), acknowledged_,
                     failed_};
}

}  // namespace tracechat::load::detail
