#include "message_details.h"

#include <boost/json.hpp>

#include "rest_error.h"

namespace tracechat::emulator {

namespace json = boost::json;

net::HttpResponse message_details(const Platform& platform, std::string_view message_id) {
  const auto found = platform.find_message(std::string(message_id));
  if (!found) return rest_error(404, "not.found", "no message " + std::string(message_id.substr(0, 64)));
  const auto& m = found->event;
  const bool inbound = m.sender.role == "guest";
  std::string dialect;
  {
    std::lock_guard lock(found->conversation->mutex);
    dialect = found->conversation->row.dialect;
  }
  // The platform's MessageData. A guest-chat conversation stands for an Open Messaging
  // one (a custom channel), Web Messaging for itself. An inbound message is one the
  // platform received; an outbound one was delivered to the guest's connection (the
  // emulator has no read receipts).
  json::object out{
      {"id", m.message_id},
      {"conversationId", found->conversation->row.id},
      {"direction", inbound ? "inbound" : "outbound"},
      {"timestamp", m.timestamp},
      {"textBody", m.body},
      {"status", inbound ? "received" : "delivered"},
      {"messengerType", dialect == kWebMessaging ? "webmessaging" : "open"},
      {"normalizedMessage",
       json::object{
           {"id", m.message_id}, {"type", "Text"}, {"text", m.body}, {"direction", inbound ? "Inbound" : "Outbound"}}},
      {"selfUri", "/api/v2/conversations/messages/" + m.message_id + "/details"},
  };
  return net::json_response(200, json::serialize(out));
}

}  // namespace tracechat::emulator
