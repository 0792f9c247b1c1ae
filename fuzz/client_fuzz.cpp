// Any input: the chat client's readers never crash — the endpoint URL it is configured
// with, and any frame a server sends, in either dialect, turned into the session's events.
#include <cstdint>
#include <string_view>
#include <vector>

#include "client/dialect.h"

using namespace tracechat::client;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto guest_chat = make_guest_chat_dialect();
  static const auto web_messaging = [] {
    Endpoint endpoint;
    endpoint.dialect = Dialect::web_messaging;
    endpoint.deployment_id = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
    ChatSessionConfig config;
    config.web_messaging_token = "6f9619ff-8b86-4011-b42d-00c04fc964ff";
    return make_web_messaging_dialect(endpoint, config);
  }();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<WireEvent> events;
  guest_chat->parse(input, events);
  web_messaging->parse(input, events);
  for (auto dialect : {Dialect::automatic, Dialect::guest_chat, Dialect::web_messaging}) {
    (void)resolve_endpoint(input, dialect);
  }
  return 0;
}
