// Any input: both guest-chat parsers never crash; an accepted client frame serializes
// into a frame that parses to the same command and request id, and an accepted server
// frame survives a serialize/parse round trip unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tracechat/protocol/guest_chat.h"

using namespace tracechat::protocol::guest_chat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)lint_client_frame(input);
  if (auto frame = parse_client_frame(input); frame.ok()) {
    const auto again = parse_client_frame(serialize(*frame));
    if (!again.ok() || again->index() != frame->index() || envelope(*again).request_id != envelope(*frame).request_id) {
      std::abort();
    }
  } else if (frame.error().message.empty()) {
    std::abort();
  }
  if (auto frame = parse_server_frame(input); frame.ok()) {
    const std::string once = serialize(*frame);
    const auto again = parse_server_frame(once);
    if (!again.ok() || serialize(*again) != once) std::abort();
  }
  return 0;
}
