// GET /api/v2/conversations/messages/{messageId}/details: a message by the id the guest
// saw, with its conversation id, in the shape of the Platform API's MessageData.
#pragma once

#include <string_view>

#include "platform.h"
#include "tracechat/net/http.h"

namespace tracechat::emulator {

net::HttpResponse message_details(const Platform& platform, std::string_view message_id);

}  // namespace tracechat::emulator
