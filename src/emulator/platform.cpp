#include "platform.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "common/rfc3339.h"
#include "rate_text.h"
#include "tracechat/protocol/attribute_text.h"

namespace tracechat::emulator {

std::string session_key(std::string_view deployment_id, std::string_view token) {
  return std::string(deployment_id) + "\n" + std::string(token);
}

std::string now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  return common::format_rfc3339_ms(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
}

Platform::Platform(EmulatorConfig config, ConversationStore& store, Scheduler scheduler)
    : config_(std::move(config)), store_(store), scheduler_(std::move(scheduler)) {}

std::size_t Platform::restore() {
  auto stored = store_.load();
  std::lock_guard lock(map_mutex_);
  for (auto& s : stored) {
    auto c = std::make_shared<Conversation>(config_.limits.messages_per_second,
                                            static_cast<double>(config_.limits.message_burst));
    c->row = std::move(s.conversation);
    c->last_seq = s.last_seq;
    for (auto& p : s.participants) {
      if (p.purpose == "customer") {
        c->customer = std::move(p);
      } else {
        c->agent = std::move(p);
      }
    }
    by_id_[c->row.id] = c;
    if (!c->row.resume_token.empty()) by_resume_token_[c->row.resume_token] = c;
    if (c->row.dialect == kWebMessaging) {
      by_session_token_[session_key(c->row.deployment_id, c->row.guest_key)] = c;  // ordered by start time
    }
  }
  return stored.size();
}

std::shared_ptr<Conversation> Platform::start_conversation(ConversationStart start) {
  auto c = std::make_shared<Conversation>(config_.limits.messages_per_second,
                                          static_cast<double>(config_.limits.message_burst));
  c->row.id = random_uuid();
  c->row.organization_id = std::move(start.organization_id);
  c->row.deployment_id = std::move(start.deployment_id);
  c->row.dialect = std::string(start.dialect);
  c->row.guest_key = std::move(start.guest_key);
  if (start.dialect == kGuestChat) c->row.resume_token = random_uuid() + random_uuid();
  c->row.start_time = now_rfc3339();
  c->customer = ParticipantRow{c->row.id, random_uuid(), "customer", "guest", std::move(start.display_name), {}};
  if (start.attributes) c->customer.attributes = start.attributes->merged;
  if (config_.bot.enabled) c->agent = ParticipantRow{c->row.id, random_uuid(), "agent", "bot", config_.bot.name, {}};
  {
    std::lock_guard lock(c->mutex);
    store_.save_conversation(c->row);
    save_participants(*c);
    if (start.before_events) start.before_events(*c);
    for (auto& listener : start.listeners) {
      if (listener) c->listeners.push_back(std::move(listener));
    }
    publish(*c, gc::MemberJoined{{}, c->customer_member()});
    if (c->agent) publish(*c, gc::MemberJoined{{}, gc::Member{c->agent->participant_id, "bot", c->agent->name}});
    if (start.attributes && !start.attributes->changed.empty()) {
      publish(*c, gc::AttributesUpdated{{}, start.attributes->merged, start.attributes->changed});
    }
  }
  {
    std::lock_guard lock(map_mutex_);
    by_id_[c->row.id] = c;
    if (!c->row.resume_token.empty()) by_resume_token_[c->row.resume_token] = c;
    if (start.dialect == kWebMessaging) by_session_token_[session_key(c->row.deployment_id, c->row.guest_key)] = c;
  }
  if (observer_ != nullptr) {
    observer_->conversation_started(c, start.opening_message_follows);
    if (start.attributes && !start.attributes->changed.empty())
      observer_->attributes_set(*c, start.attributes->changed);
  }
  return c;
}

std::shared_ptr<Conversation> Platform::find(const std::string& conversation_id) const {
  std::lock_guard lock(map_mutex_);
  auto it = by_id_.find(conversation_id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::shared_ptr<Conversation> Platform::find_by_resume_token(const std::string& token) const {
  std::lock_guard lock(map_mutex_);
  auto it = by_resume_token_.find(token);
  return it == by_resume_token_.end() ? nullptr : it->second;
}

std::shared_ptr<Conversation> Platform::find_by_session_token(const std::string& deployment_id,
                                                              const std::string& token) const {
  std::lock_guard lock(map_mutex_);
  auto it = by_session_token_.find(session_key(deployment_id, token));
  return it == by_session_token_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Conversation>> Platform::conversations() const {
  std::lock_guard lock(map_mutex_);
  std::vector<std::shared_ptr<Conversation>> out;
  out.reserve(by_id_.size());
  for (const auto& [id, c] : by_id_) out.push_back(c);
  return out;
}

std::optional<FoundMessage> Platform::find_message(const std::string& message_id) const {
  const auto stored = store_.find_message(message_id);
  if (!stored) return std::nullopt;
  auto frame = gc::parse_server_frame(stored->frame);
  auto conversation = find(stored->conversation_id);
  if (!frame || !conversation || !std::holds_alternative<gc::MessageEvent>(*frame)) return std::nullopt;
  return FoundMessage{std::move(conversation), std::get<gc::MessageEvent>(std::move(*frame))};
}

std::size_t Platform::active_conversations() const {
  std::size_t n = 0;
  for (const auto& c : conversations()) {
    std::lock_guard lock(c->mutex);
    if (!c->ended()) ++n;
  }
  return n;
}

void Platform::attach(Conversation& c, std::shared_ptr<ConversationListener> listener,
                      std::optional<std::int64_t> replay_after) {
  std::lock_guard lock(c.mutex);
  if (replay_after) {
    for (const auto& row : store_.read_events(c.row.id, *replay_after)) {
      auto event = gc::parse_server_frame(row.frame);
      if (event) listener->on_event(c, *event, {});
    }
  }
  c.listeners.push_back(std::move(listener));
}

void Platform::detach(Conversation& c, const ConversationListener* listener) {
  std::lock_guard lock(c.mutex);
  std::erase_if(c.listeners, [&](const auto& l) { return l.get() == listener; });
}

void Platform::publish(Conversation& c, Event event, const ConversationListener* skip, const ReplyFirst& reply_first,
                       const MessageContent& content) {
  std::visit(
      [&](auto& e) {
        if constexpr (std::is_base_of_v<gc::EventHeader, std::decay_t<decltype(e)>>) {
          e.seq = ++c.last_seq;
          e.timestamp = now_rfc3339();
        }
      },
      event);
  const auto* message = std::get_if<gc::MessageEvent>(&event);
  store_.append_event(c.row.id, c.last_seq, gc::serialize(event), message != nullptr ? message->message_id : "");
  if (reply_first) reply_first(event);
  for (const auto& listener : c.listeners) {
    if (listener.get() != skip) listener->on_event(c, event, content);
  }
}

void Platform::save_participants(const Conversation& c) {
  store_.save_participant(c.customer);
  if (c.agent) store_.save_participant(*c.agent);
}

Result<AttributeMerge, PlatformError> Platform::set_attributes(
    Conversation& c, const AttributeChanges& changes, const std::function<void(const AttributeMerge&)>& reply_first) {
  std::unique_lock lock(c.mutex);
  if (c.ended()) return PlatformError{409, "conversation-ended", "the conversation has ended", std::nullopt};
  auto merge = merge_attributes(c.customer.attributes, changes, config_.limits);
  if (!merge) return PlatformError{merge.error().code, merge.error().error, merge.error().message, std::nullopt};
  c.customer.attributes = merge->merged;
  store_.save_participant(c.customer);
  publish(c, gc::AttributesUpdated{{}, merge->merged, merge->changed}, nullptr, [&](const Event&) {
    if (reply_first) reply_first(*merge);
  });
  lock.unlock();
  if (observer_ != nullptr && !merge->changed.empty()) observer_->attributes_set(c, merge->changed);
  return std::move(*merge);
}

std::optional<PlatformError> Platform::check_body(std::string_view body) const {
  if (body.empty()) return PlatformError{400, "invalid-message", "message.body: must not be empty", std::nullopt};
  const auto n = protocol::count_code_points(body);
  if (n > static_cast<std::size_t>(config_.limits.max_message_chars)) {
    return PlatformError{413, "message-too-large",
                         "message.body: " + std::to_string(n) + " characters; the limit is " +
                             std::to_string(config_.limits.max_message_chars),
                         std::nullopt};
  }
  return std::nullopt;
}

Result<gc::MessageEvent, PlatformError> Platform::post_guest_message(const std::shared_ptr<Conversation>& c,
                                                                     std::string body, std::string body_type,
                                                                     std::optional<std::string> traceparent,
                                                                     const ReplyFirst& reply_first,
                                                                     const MessageContent& content) {
  if (auto bad = check_body(body)) return *bad;
  gc::MessageEvent event;
  {
    std::lock_guard lock(c->mutex);
    if (c->ended()) return PlatformError{409, "conversation-ended", "the conversation has ended", std::nullopt};
    if (const auto wait = c->bucket.take(); wait.count() > 0) {
      return PlatformError{429, "rate-limited",
                           "more than " + format_rate(config_.limits.messages_per_second) +
                               " messages per second; retry after " + std::to_string(wait.count()) + " ms",
                           wait.count()};
    }
    event.message_id = random_uuid();
    event.sender = c->customer_member();
    event.body = body;
    event.body_type = std::move(body_type);
    event.traceparent = std::move(traceparent);
    Event published = event;
    publish(
        *c, std::move(published), nullptr,
        [&](const Event& e) {
          event = std::get<gc::MessageEvent>(e);
          if (reply_first) reply_first(e);
        },
        content);
  }
  if (observer_ != nullptr) observer_->guest_message(c, event, content);
  if (observer_ == nullptr || !observer_->routes_guest_messages()) bot_reply(c, body);
  return event;
}

void Platform::bot_reply(const std::shared_ptr<Conversation>& c, const std::string& guest_body) {
  if (!c->agent || !scheduler_ || config_.bot.reply.empty()) return;
  std::string reply = config_.bot.reply;
  if (auto at = reply.find("{body}"); at != std::string::npos) reply.replace(at, 6, guest_body);
  std::weak_ptr<Conversation> weak = c;
  scheduler_(config_.bot.reply_delay, [this, weak, reply = std::move(reply)]() mutable {
    // The bot offers its quick replies with every answer (Web Messaging shows them).
    const MessageContent offered(config_.bot.quick_replies.begin(), config_.bot.quick_replies.end());
    if (auto conversation = weak.lock()) post_agent_message(conversation, std::move(reply), offered);
  });
}

void Platform::post_agent_message(const std::shared_ptr<Conversation>& c, std::string body,
                                  const MessageContent& content) {
  std::lock_guard lock(c->mutex);
  if (c->ended() || body.empty()) return;
  // The bot's reply obeys the same size rule as anyone's: a long echo is cut, not refused.
  truncate_code_points(body, static_cast<std::size_t>(config_.limits.max_message_chars));
  gc::MessageEvent event;
  event.message_id = random_uuid();
  event.sender = c->agent ? gc::Member{c->agent->participant_id, c->agent->role, c->agent->name}
                          : gc::Member{"system", "system", "System"};
  event.body = std::move(body);
  publish(*c, std::move(event), nullptr, nullptr, content);
}

std::optional<PlatformError> Platform::guest_typing(Conversation& c, const ConversationListener* sender) {
  std::lock_guard lock(c.mutex);
  if (c.ended()) return PlatformError{409, "conversation-ended", "the conversation has ended", std::nullopt};
  if (const auto wait = c.bucket.take(); wait.count() > 0) {
    return PlatformError{429, "rate-limited", "typing counts against the message rate limit", wait.count()};
  }
  publish(c, gc::TypingEvent{{}, c.customer.participant_id}, sender);
  return std::nullopt;
}

std::optional<gc::Disconnected> Platform::end(Conversation& c, const std::string& reason,
                                              const ConversationListener* requester) {
  gc::Disconnected last;
  {
    std::lock_guard lock(c.mutex);
    if (c.ended()) return std::nullopt;
    if (c.agent) publish(c, gc::MemberLeft{{}, gc::Member{c.agent->participant_id, c.agent->role, c.agent->name}});
    publish(c, gc::MemberLeft{{}, c.customer_member()});
    last.reason = reason;
    publish(c, last, requester, [&](const Event& e) { last = std::get<gc::Disconnected>(e); });
    c.row.end_time = now_rfc3339();
    store_.save_conversation(c.row);
    std::erase_if(c.listeners, [&](const auto& l) { return l.get() == requester; });
  }
  if (observer_ != nullptr) observer_->conversation_ended(c);
  return last;
}

}  // namespace tracechat::emulator
