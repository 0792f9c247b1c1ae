// Any input: the Web Messaging parsers (client requests, server messages, a deployment's
// config.json) never crash; what they accept survives a serialize/parse round trip
// unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tracechat/protocol/deployment_config.h"
#include "tracechat/protocol/web_messaging.h"

using namespace tracechat::protocol::web_messaging;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)lint_client_request(input);
  if (auto request = parse_client_request(input); request.ok()) {
    const std::string once = serialize(*request);
    const auto again = parse_client_request(once);
    if (!again.ok() || serialize(*again) != once) std::abort();
  } else if (request.error().message.empty()) {
    std::abort();
  }
  if (auto message = parse_server_message(input); message.ok()) {
    const std::string once = serialize(*message);
    const auto again = parse_server_message(once);
    if (!again.ok() || serialize(*again) != once) std::abort();
  }
  if (auto config = parse_deployment_config(input); config.ok()) {
    const std::string once = serialize(*config);
    const auto again = parse_deployment_config(once);
    if (!again.ok() || serialize(*again) != once) std::abort();
  }
  return 0;
}
