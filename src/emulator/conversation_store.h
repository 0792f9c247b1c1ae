// ConversationStore: the emulator's durable state in SQLite (WAL). Writes are queued and
// committed by one writer thread, many to a transaction, so the WebSocket threads never
// wait on the disk; flush() waits until everything queued so far is committed, and the
// destructor flushes. A restarted emulator load()s conversations and participants, and
// reads events back for replay. Message events are indexed by message id, so that the
// REST API finds a message (and its conversation) by the id the guest saw.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attribute_rules.h"
#include "tracechat/result.h"

namespace tracechat::emulator {

struct ConversationRow {
  std::string id;
  std::string organization_id;
  std::string deployment_id;
  std::string dialect;       // guest-chat | web-messaging
  std::string guest_key;     // guest-chat: the guest id of the URL; Web Messaging: the session token
  std::string resume_token;  // guest-chat only
  std::string start_time;
  std::string end_time;  // empty while the conversation is active
};

struct ParticipantRow {
  std::string conversation_id;
  std::string participant_id;
  std::string purpose;  // customer | agent
  std::string role;     // guest | bot | agent
  std::string name;
  Attributes attributes;
};

struct EventRow {
  std::int64_t seq = 0;
  std::string frame;  // the event as its guest-chat JSON frame
};

// A message event found by its message id.
struct StoredMessage {
  std::string conversation_id;
  std::int64_t seq = 0;
  std::string frame;  // the event as its guest-chat JSON frame
};

struct StoredConversation {
  ConversationRow conversation;
  std::vector<ParticipantRow> participants;
  std::int64_t last_seq = 0;
};

class ConversationStore {
 public:
  static Result<std::unique_ptr<ConversationStore>> open(const std::filesystem::path& path);
  ~ConversationStore();
  ConversationStore(const ConversationStore&) = delete;
  ConversationStore& operator=(const ConversationStore&) = delete;

  std::vector<StoredConversation> load();

  void save_conversation(const ConversationRow& row);
  void save_participant(const ParticipantRow& row);
  // `message_id` (a message event's) indexes the event for find_message.
  void append_event(const std::string& conversation_id, std::int64_t seq, std::string frame,
                    std::string message_id = {});

  void flush();
  // Events with seq > after_seq, in order (flushes first).
  std::vector<EventRow> read_events(const std::string& conversation_id, std::int64_t after_seq);
  // The message event with that message id (flushes first).
  std::optional<StoredMessage> find_message(const std::string& message_id);
  std::uint64_t write_errors() const;

 private:
  struct Impl;
  explicit ConversationStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracechat::emulator
