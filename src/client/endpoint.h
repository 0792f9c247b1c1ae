// Where a session connects and which dialect it speaks there, from the configured URL.
#pragma once

#include <string>
#include <string_view>

#include "tracechat/client/chat_session.h"
#include "tracechat/net/url.h"
#include "tracechat/result.h"

namespace tracechat::client {

struct Endpoint {
  net::Url url;
  Dialect dialect = Dialect::guest_chat;
  std::string deployment_id;  // Web Messaging: the deploymentId query parameter
};

// `/v1/{org}/guest/{guest}/connect` is guest-chat and `/v1?deploymentId=` is Web
// Messaging; an explicit dialect must match what the URL has.
Result<Endpoint> resolve_endpoint(std::string_view url, Dialect requested);

}  // namespace tracechat::client
