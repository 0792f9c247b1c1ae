// GET /webdeployments/v1/deployments/<id>/config.json: a Web Messaging deployment's
// public configuration, the document Genesys serves from its CDN
// (https://api-cdn.<domain>/...) and the Messenger and mobile SDKs read before they
// connect: whether the deployment is Active, where its WebSocket is, whether
// conversations auto-start. No authentication, as on the CDN; any origin may read it.
#pragma once

#include <optional>

#include "tracechat/emulator/config.h"
#include "tracechat/net/http.h"

namespace tracechat::emulator {

// The answer for a request to a config.json path; nullopt for any other path. `tls`:
// whether the emulator serves https/wss, for the endpoints the document names.
std::optional<net::HttpResponse> serve_deployment_config(const EmulatorConfig& config, const net::HttpRequest& request,
                                                         bool tls);

}  // namespace tracechat::emulator
