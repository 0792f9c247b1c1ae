// A Web Messaging deployment's public configuration, the document Genesys's Messenger and
// mobile SDKs read before they connect:
//   GET https://api-cdn.<domain>/webdeployments/v1/deployments/<deploymentId>/config.json
// tracechat reads three things from it: whether the deployment is active, where its
// WebSocket is, and whether conversations auto-start — which decides whether a client may
// send a Presence Join right after configureSession (see docs/client.md, "Auto-start").
#pragma once

#include <string>
#include <string_view>

#include "tracechat/result.h"

namespace tracechat::protocol::web_messaging {

struct DeploymentConfig {
  std::string id;
  std::string version;
  std::string status = "Active";  // Active | Inactive
  std::string api_endpoint;       // https://api.<domain>
  bool messenger_enabled = true;
  std::string messaging_endpoint;  // messenger.apps.conversations.messagingEndpoint
  // messenger.apps.conversations.autoStart.enabled; the platform's default is off.
  bool auto_start = false;
};

// `/webdeployments/v1/deployments/<id>/config.json`
std::string deployment_config_path(std::string_view deployment_id);

// Reads the members above and ignores the rest of the document (it has many more, and
// gains new ones). Errors name the path of a member with the wrong type.
Result<DeploymentConfig> parse_deployment_config(std::string_view text);
std::string serialize(const DeploymentConfig& config);

}  // namespace tracechat::protocol::web_messaging
