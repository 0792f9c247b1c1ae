#include "web_messaging_errors.h"

#include "tracechat/protocol/web_messaging.h"

namespace tracechat::emulator {

namespace code = protocol::web_messaging::error_code;

int web_messaging_error_code(const PlatformError& e) {
  if (e.error == "rate-limited") return 429;
  if (e.error == "message-too-large") return code::kTextTooLong;
  if (e.error == "attributes-too-large") return code::kCustomAttributesTooLarge;
  if (e.code >= 500) return code::kUnexpected;
  // invalid-attributes (400), conversation-ended (409), invalid-message (400): the
  // reference lists no code for these.
  return e.code;
}

}  // namespace tracechat::emulator
