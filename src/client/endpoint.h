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
  std::string origin;         // the upgrade's Origin header (upgrade_origin)
};

// `/v1/{org}/guest/{guest}/connect` is guest-chat and `/v1?deploymentId=` is Web
// Messaging; an explicit dialect must match what the URL has.
Result<Endpoint> resolve_endpoint(std::string_view url, Dialect requested);

// The Origin header the upgrade carries: `configured` (ChatSessionConfig::origin) when it
// is an http(s) origin, scheme://host[:port] with at most a trailing '/', which is
// dropped; empty: `https://` and the WebSocket URL's host, as Genesys's mobile SDK sends.
Result<std::string> upgrade_origin(std::string_view configured, const net::Url& url);

// Why the server refused the upgrade with `status`, for the session's failure: what a
// 403 or a 404 most likely means for this endpoint and what to change. `refusal` is the
// WebSocket client's own message (it names the URL and the status), used for the rest.
std::string describe_refused_upgrade(int status, const std::string& refusal, const Endpoint& endpoint);

}  // namespace tracechat::client
