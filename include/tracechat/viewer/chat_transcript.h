// The chat as the guest saw it, read back from its trace: each message the client sent
// (a chat.send_message span) and each one it received (a chat.receive_message span, or a
// chat.message.received event on the session span when the client records no receive
// spans), in time order, with the Data Action spans each guest message caused.
//
// Which actions a message caused: those under its span, when the client sent the trace
// context with every message (the flow continued from the message's span); otherwise the
// actions that started after the platform took it and before it took the guest's next
// one (the flow continued from the session span, and the time order is all the trace
// says).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tracechat/viewer/waterfall.h"

namespace tracechat::viewer {

struct ChatMessage {
  const trace::SpanData* span = nullptr;  // the message's span; the session span for an event
  bool from_guest = false;                // sent by this client (the guest); else a reply
  std::string role;                       // "guest", or the sender's role: agent, bot, ...
  std::string message_id;                 // the platform's id; empty until it was delivered
  std::uint64_t time_unix_nano = 0;
  std::optional<std::string> text;  // only when the client recorded it (off by default)
  bool delivered = true;            // false: its span failed (refused, or the session ended before sending it)
  std::vector<const trace::SpanData*> data_actions;  // the outermost span of each call
  bool actions_by_parent = false;                    // true: the actions are under the message's span
};

struct ChatTranscript {
  std::string conversation_id;  // the first chat.conversation.id a span carries; may be empty
  std::vector<ChatMessage> messages;
};

ChatTranscript chat_transcript(const Waterfall& waterfall);

// A Data Action span: named by the bridge for an action call ("dataaction <name>"), its
// own SERVER span or the upstream call under it.
bool is_data_action(const trace::SpanData& span);

}  // namespace tracechat::viewer
