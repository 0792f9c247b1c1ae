// The codes a Web Messaging error answer carries. The platform's clients model its own
// numeric codes (reference: 4006 session expired, 4007 session not found, 4011 text too
// long, 4013 custom attributes over maxCustomDataBytes, 4020 missing parameter, 4029
// rate limited, 5000 unexpected); a refusal the platform has no code for keeps an
// HTTP-like 4xx. docs/emulator.md lists the mapping.
#pragma once

#include "platform.h"

namespace tracechat::emulator {

// The code of the error answer for a refusal of the shared platform rules (whose codes
// and slugs are guest-chat's). A rate limit is 429 here: its answer is a
// TooManyRequestsErrorMessage, whose body carries 4029.
int web_messaging_error_code(const PlatformError& e);

}  // namespace tracechat::emulator
