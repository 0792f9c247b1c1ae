#include "tracechat/viewer/chat_transcript.h"

#include <algorithm>
#include <unordered_map>

#include "tracechat/conventions.h"

namespace tracechat::viewer {
using namespace tracechat::trace;

namespace {

std::optional<std::string> text_attribute(const Attributes& attributes, std::string_view key) {
  const auto* value = attributes.find(key);
  if (value == nullptr) return std::nullopt;
  if (const auto* text = std::get_if<std::string>(value)) return *text;
  return to_string(*value);
}

}  // namespace

bool is_data_action(const SpanData& span) {
  return std::string_view(span.name).starts_with(conventions::kDataActionSpanPrefix);
}

ChatTranscript chat_transcript(const Waterfall& waterfall) {
  ChatTranscript transcript;
  std::unordered_map<SpanId, const SpanData*> by_id;
  for (const auto& row : waterfall.rows) {
    const SpanData& span = *row.span;
    by_id.emplace(span.context.span_id, &span);
    if (transcript.conversation_id.empty()) {
      transcript.conversation_id = text_attribute(span.attributes, conventions::kConversationIdKey).value_or("");
    }
    const bool sent = span.name == conventions::kSendMessageSpan;
    if (sent || span.name == conventions::kReceiveMessageSpan) {
      ChatMessage message;
      message.span = &span;
      message.from_guest = sent;
      message.role = sent ? "guest" : text_attribute(span.attributes, conventions::kSenderRoleKey).value_or("");
      message.message_id = text_attribute(span.attributes, conventions::kMessageIdKey).value_or("");
      message.time_unix_nano = span.start_time_unix_nano;
      message.text = text_attribute(span.attributes, conventions::kMessageTextKey);
      // A message the platform refused, or one the session ended before sending.
      message.delivered = span.status.code != StatusCode::error;
      transcript.messages.push_back(std::move(message));
    }
    for (const auto& event : span.events) {
      if (event.name != conventions::kMessageReceivedEvent) continue;
      ChatMessage message;
      message.span = &span;
      message.role = text_attribute(event.attributes, conventions::kSenderRoleKey).value_or("");
      message.message_id = text_attribute(event.attributes, conventions::kMessageIdKey).value_or("");
      message.time_unix_nano = event.time_unix_nano;
      message.text = text_attribute(event.attributes, conventions::kMessageTextKey);
      transcript.messages.push_back(std::move(message));
    }
  }
  std::stable_sort(transcript.messages.begin(), transcript.messages.end(),
                   [](const ChatMessage& a, const ChatMessage& b) { return a.time_unix_nano < b.time_unix_nano; });

  std::unordered_map<const SpanData*, ChatMessage*> sent_by_span;
  for (auto& message : transcript.messages) {
    if (message.from_guest) sent_by_span.emplace(message.span, &message);
  }
  // The message span an action is under, if any. The walk up is bounded by the number
  // of spans, so a parent cycle in hostile data ends it.
  const auto sending_ancestor = [&](const SpanData& action) -> ChatMessage* {
    const SpanData* at = &action;
    for (std::size_t steps = 0; steps <= waterfall.rows.size() && at->parent_span_id.valid(); ++steps) {
      const auto parent = by_id.find(at->parent_span_id);
      if (parent == by_id.end()) return nullptr;
      at = parent->second;
      if (auto found = sent_by_span.find(at); found != sent_by_span.end()) return found->second;
    }
    return nullptr;
  };
  std::vector<const SpanData*> unplaced;
  bool any_by_parent = false;
  for (const auto& row : waterfall.rows) {
    if (!is_data_action(*row.span)) continue;
    // One call, one action: the bridge's upstream span under it (and a backend that is
    // itself a bridge, as the demo's is) are part of the call.
    if (const auto parent = by_id.find(row.span->parent_span_id);
        parent != by_id.end() && is_data_action(*parent->second)) {
      continue;
    }
    if (ChatMessage* message = sending_ancestor(*row.span)) {
      message->data_actions.push_back(row.span);
      message->actions_by_parent = true;
      any_by_parent = true;
    } else {
      unplaced.push_back(row.span);
    }
  }
  // A trace whose actions hang under their messages carries the context per message:
  // an action outside every message (the flow that ran when the chat began, say) belongs
  // to none. Otherwise each action goes to the guest message delivered last before it
  // began: a message span ends when the platform took the message, and only then can a
  // flow run for it (a message queued behind it starts before that flow's action).
  if (!any_by_parent) {
    for (const SpanData* action : unplaced) {
      ChatMessage* last = nullptr;
      for (auto& message : transcript.messages) {
        const std::uint64_t delivered = message.span->end_time_unix_nano;
        if (!message.from_guest || !message.delivered || delivered > action->start_time_unix_nano) continue;
        if (last == nullptr || delivered >= last->span->end_time_unix_nano) last = &message;
      }
      if (last != nullptr) last->data_actions.push_back(action);
    }
  }
  for (auto& message : transcript.messages) {
    std::stable_sort(
        message.data_actions.begin(), message.data_actions.end(),
        [](const SpanData* a, const SpanData* b) { return a->start_time_unix_nano < b->start_time_unix_nano; });
  }
  return transcript;
}

}  // namespace tracechat::viewer
