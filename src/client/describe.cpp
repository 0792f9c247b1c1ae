// One line per event, for `tracechat chat` and for logs. Message bodies are shown (this
// is the user's own transcript); attribute values are not, only their keys.
#include "tracechat/client/chat_session.h"

namespace tracechat::client {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

struct Describe {
  std::string operator()(const StateChanged& e) const {
    return std::string("state ") + to_string(e.to) + (e.cause.empty() ? "" : " (" + e.cause + ")");
  }
  std::string operator()(const Connected& e) const {
    std::string s = e.resumed ? "resumed" : "connected";
    if (!e.conversation_id.empty()) s += " conversation=" + e.conversation_id;
    s += " session=" + e.session_id + " trace=" + e.trace_id;
    if (e.context_timing == ContextTiming::first_message) s += " (context with the first message)";
    return s;
  }
  std::string operator()(const ContextAttached& e) const {
    std::vector<std::string> keys;
    for (const auto& [k, v] : e.attributes) keys.push_back(k);
    return "attributes set: " + join(keys) + (e.truncated.empty() ? "" : " (truncated: " + join(e.truncated) + ")");
  }
  std::string operator()(const MessageReceived& e) const {
    const std::string who = e.own ? "you" : (e.sender_name.empty() ? e.sender_role : e.sender_name);
    std::string s = "<" + who + "> " + e.body;
    // Numbered as `tracechat chat` takes them: /reply 1.
    for (std::size_t i = 0; i < e.quick_replies.size(); ++i) {
      s += (i == 0 ? "  " : " ") + std::string("[") + std::to_string(i + 1) + "] " + e.quick_replies[i].text;
    }
    return s;
  }
  std::string operator()(const MessageDelivered& e) const {
    return "delivered #" + std::to_string(e.client_id) + " as " + e.message_id;
  }
  std::string operator()(const MessageFailed& e) const {
    return "not delivered #" + std::to_string(e.client_id) + ": " + e.error;
  }
  std::string operator()(const MemberChanged& e) const {
    return (e.display_name.empty() ? e.role : e.display_name + " (" + e.role + ")") + (e.joined ? " joined" : " left");
  }
  std::string operator()(const TypingSeen& e) const { return e.member + " is typing"; }
  std::string operator()(const AttributesChanged& e) const { return "attributes changed: " + join(e.changed); }
  std::string operator()(const RateLimited& e) const {
    return "rate limited: retrying in " + std::to_string(e.retry_after.count()) + " ms (" + std::to_string(e.queued) +
           " queued)";
  }
  std::string operator()(const Warning& e) const { return "warning " + e.code + ": " + e.message; }
  std::string operator()(const ConversationEnded& e) const { return "conversation ended: " + e.reason; }
};

}  // namespace

std::string describe(const SessionEvent& event) { return std::visit(Describe{}, event); }

}  // namespace tracechat::client
