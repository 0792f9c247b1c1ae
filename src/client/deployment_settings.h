// What a Web Messaging client reads about its deployment before it connects: whether
// conversations auto-start (docs/client.md, "Auto-start"), from the deployment's public
// config.json — the document Genesys's Messenger and mobile SDKs read.
#pragma once

#include <chrono>
#include <string_view>

#include "endpoint.h"
#include "tracechat/net/tls.h"
#include "tracechat/net/url.h"
#include "tracechat/result.h"

namespace tracechat::client {

// `configured` (ChatSessionConfig::deployment_config_url) when set; else
// https://api-cdn.<domain>/webdeployments/v1/deployments/<id>/config.json for a
// webmessaging.<domain> WebSocket, and the same path on the WebSocket's own host (http for
// ws, https for wss) for any other host, such as the emulator.
Result<net::Url> deployment_config_url(std::string_view configured, const Endpoint& endpoint);

// messenger.apps.conversations.autoStart.enabled of the config at `url`. An error says
// why there is no answer: unreachable, an HTTP status (404: no such deployment there), an
// unreadable document, or a deployment that is not Active.
Result<bool> read_auto_start(const net::Url& url, std::string_view deployment_id, const net::TlsOptions& tls,
                             std::chrono::milliseconds timeout);

}  // namespace tracechat::client
