// Platform: the contact-center side that both dialects share. It owns conversations,
// applies the rules (attributes, message size, rate limits), numbers every event with
// the conversation's `seq`, stores it, and hands it to the connections that follow the
// conversation. The event vocabulary is guest-chat-v1 §4, which is the platform's own
// event model; the Web Messaging connection renders the same events as its messages.
//
// Locking: each conversation has its own mutex; the platform map has another. Listeners
// are called under their conversation's lock, so every listener sees the conversation's
// events in seq order; they must only queue (WebSocketChannel::send does).
//
// When a conversation starts is the dialect's business: guest-chat starts one at
// `connect`; Web Messaging at the first onMessage of a session (web_messaging_sessions.h).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "attribute_rules.h"
#include "common/token_bucket.h"
#include "conversation_store.h"
#include "tracechat/emulator/config.h"
#include "tracechat/protocol/guest_chat.h"
#include "tracechat/protocol/uuid.h"
#include "tracechat/protocol/web_messaging.h"

namespace tracechat::emulator {

namespace gc = protocol::guest_chat;
using Event = gc::ServerFrame;

inline constexpr std::string_view kGuestChat = "guest-chat";
inline constexpr std::string_view kWebMessaging = "web-messaging";

// Web Messaging's structured content of a message — the quick replies a bot offers, the
// button a guest chose — which guest-chat's event model has no field for. It travels
// beside the message event to the listeners and observers; the event keeps the text.
using MessageContent = std::vector<protocol::web_messaging::Content>;

struct Conversation;

class ConversationListener {
 public:
  virtual ~ConversationListener() = default;
  // Called under the conversation's lock (so `c` may be read): queue, never block.
  // `content` is empty except for a message event that has structured content.
  virtual void on_event(const Conversation& c, const Event& event, const MessageContent& content) = 0;
};

struct Conversation {
  mutable std::mutex mutex;
  ConversationRow row;
  ParticipantRow customer;
  std::optional<ParticipantRow> agent;  // the scripted bot, when enabled
  std::int64_t last_seq = 0;
  TokenBucket bucket;
  std::vector<std::shared_ptr<ConversationListener>> listeners;

  Conversation(double rate, double burst) : bucket(rate, burst) {}
  bool ended() const { return !row.end_time.empty(); }
  gc::Member customer_member() const { return gc::Member{customer.participant_id, "guest", customer.name}; }
};

struct PlatformError {
  int code = 400;
  std::string error;
  std::string message;
  std::optional<std::int64_t> retry_after_ms;
};

// Called under the conversation's lock, before the event that a request caused is
// handed to the listeners: the reply to a request always precedes its event.
using ReplyFirst = std::function<void(const Event& event)>;

// A message found by its id: its conversation and the message event as published.
struct FoundMessage {
  std::shared_ptr<Conversation> conversation;
  gc::MessageEvent event;
};

// How a conversation starts: where, for whom, who follows it from its first event on.
struct ConversationStart {
  std::string organization_id;
  std::string deployment_id;
  std::string_view dialect;
  std::string guest_key;
  std::string display_name;
  std::vector<std::shared_ptr<ConversationListener>> listeners;
  // The customer's participant data from the start (already checked with
  // merge_attributes against none), so that conversation-started flows see it: Web
  // Messaging's custom attributes of the message that started the conversation.
  std::optional<AttributeMerge> attributes;
  // Runs first, under the conversation's lock: for the reply that announces it.
  std::function<void(const Conversation&)> before_events;
  // The guest's first message is what opens the conversation: Web Messaging's onMessage
  // that starts it carries a message (not a Presence Join), and guest-chat's connect is
  // a handshake, after which the guest speaks first. An inbound message flow runs on
  // that message rather than at the start (flow_engine.h).
  bool opening_message_follows = false;
};

// Runs a function later, off the caller's thread (the bot's replies).
using Scheduler = std::function<void(std::chrono::milliseconds delay, std::function<void()> task)>;

// The key of a Web Messaging session: the deployment id, which is a lower-case UUID of
// fixed length (so the key is unambiguous whatever the client-chosen token holds), and
// the token.
std::string session_key(std::string_view deployment_id, std::string_view token);

// Told what happens in conversations, after the fact and outside their locks: the
// flow engine starts its flows from here.
class PlatformObserver {
 public:
  virtual ~PlatformObserver() = default;
  // `opening_message_follows`: ConversationStart's.
  virtual void conversation_started(const std::shared_ptr<Conversation>&, bool /*opening_message_follows*/) {}
  virtual void guest_message(const std::shared_ptr<Conversation>&, const gc::MessageEvent&, const MessageContent&) {}
  virtual void attributes_set(Conversation&, const std::vector<std::string>& /*changed*/) {}
  virtual void conversation_ended(const Conversation&) {}
  // True: guest messages go to the observer's flow first, and the bot (the stand-in for
  // the agent) answers only those the flow hands on (after its Transfer to ACD), through
  // Platform::bot_reply. False: the bot answers every guest message.
  virtual bool routes_guest_messages() const { return false; }
};

class Platform {
 public:
  Platform(EmulatorConfig config, ConversationStore& store, Scheduler scheduler);

  const EmulatorConfig& config() const { return config_; }
  // Loads every stored conversation (after a restart).
  std::size_t restore();

  // Starts a conversation: member-joined events (and attributes-updated when it starts
  // with participant data), then the observer's conversation_started.
  std::shared_ptr<Conversation> start_conversation(ConversationStart start);
  std::shared_ptr<Conversation> find(const std::string& conversation_id) const;
  std::shared_ptr<Conversation> find_by_resume_token(const std::string& token) const;
  // Web Messaging: the newest conversation of a session token on a deployment. A token
  // names a session only on the deployment that started it.
  std::shared_ptr<Conversation> find_by_session_token(const std::string& deployment_id, const std::string& token) const;
  std::vector<std::shared_ptr<Conversation>> conversations() const;
  // A message of any conversation, by the id both dialects show the guest (guest-chat
  // `messageId`, Web Messaging `id`); read from the store, so it survives a restart.
  std::optional<FoundMessage> find_message(const std::string& message_id) const;

  // Follows the conversation from now on; with `replay_after`, first hands the listener
  // every stored event with a greater seq, atomically with joining. The replay reads
  // the database (after a flush), so it is for resumes, not for every connect.
  void attach(Conversation& c, std::shared_ptr<ConversationListener> listener,
              std::optional<std::int64_t> replay_after = std::nullopt);
  void detach(Conversation& c, const ConversationListener* listener);

  Result<AttributeMerge, PlatformError> set_attributes(
      Conversation& c, const AttributeChanges& changes,
      const std::function<void(const AttributeMerge&)>& reply_first = nullptr);
  // A guest message: rate limit, then a `message` event (and the bot's reply later).
  // `content`: a Web Messaging button response; `body` is then the button's text.
  Result<gc::MessageEvent, PlatformError> post_guest_message(const std::shared_ptr<Conversation>& c, std::string body,
                                                             std::string body_type,
                                                             std::optional<std::string> traceparent,
                                                             const ReplyFirst& reply_first = nullptr,
                                                             const MessageContent& content = {});
  // Rate limited like messages; the event skips `sender`, which typed it.
  std::optional<PlatformError> guest_typing(Conversation& c, const ConversationListener* sender);
  // Ends the conversation: member-left events, then `disconnected`, which `requester`
  // (if any) does not receive; it gets the returned event as its reply instead.
  std::optional<gc::Disconnected> end(Conversation& c, const std::string& reason,
                                      const ConversationListener* requester = nullptr);
  std::size_t active_conversations() const;

  // A message from the agent side: the bot participant, or "system" without one.
  // `content`: quick replies it offers (Web Messaging renders them; guest-chat does not).
  void post_agent_message(const std::shared_ptr<Conversation>& c, std::string body, const MessageContent& content = {});
  // The bot's answer to a guest message, after its delay (nothing without a bot or a reply).
  void bot_reply(const std::shared_ptr<Conversation>& c, const std::string& guest_body);
  // Set before the platform serves anyone; must outlive it.
  void set_observer(PlatformObserver* observer) { observer_ = observer; }

  // The rule for message bodies: 1..maxMessageChars code points.
  std::optional<PlatformError> check_body(std::string_view body) const;

 private:
  // Under c.mutex: number, store and hand out one event.
  void publish(Conversation& c, Event event, const ConversationListener* skip = nullptr,
               const ReplyFirst& reply_first = nullptr, const MessageContent& content = {});
  void save_participants(const Conversation& c);

  EmulatorConfig config_;
  ConversationStore& store_;
  Scheduler scheduler_;
  PlatformObserver* observer_ = nullptr;
  mutable std::mutex map_mutex_;
  std::unordered_map<std::string, std::shared_ptr<Conversation>> by_id_;
  std::unordered_map<std::string, std::shared_ptr<Conversation>> by_resume_token_;
  std::unordered_map<std::string, std::shared_ptr<Conversation>> by_session_token_;  // key: session_key()
};

// RFC 3339, UTC, milliseconds: "2026-11-25T10:31:59.123Z".
std::string now_rfc3339();
using protocol::random_uuid;

}  // namespace tracechat::emulator
