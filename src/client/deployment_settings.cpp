#include "deployment_settings.h"

#include <string>

#include "common/ascii.h"
#include "tracechat/net/http_client.h"
#include "tracechat/protocol/deployment_config.h"

namespace tracechat::client {

namespace wm = protocol::web_messaging;

Result<net::Url> deployment_config_url(std::string_view configured, const Endpoint& endpoint) {
  if (!configured.empty()) {
    auto url = net::Url::parse(configured);
    if (!url || (url->scheme != "http" && url->scheme != "https")) {
      return Error{"deployment config URL '" + std::string(configured.substr(0, 200)) + "': expected an http(s) URL" +
                   (url ? "" : " (" + url.error().message + ")")};
    }
    return *url;
  }
  const std::string path = wm::deployment_config_path(endpoint.deployment_id);
  const net::Url& ws = endpoint.url;
  constexpr std::string_view kWebMessagingPrefix = "webmessaging.";
  if (common::ascii_lower(ws.host).rfind(kWebMessagingPrefix, 0) == 0) {
    // Genesys serves the WebSocket and the deployment's config from sibling hosts.
    return net::Url::parse("https://api-cdn." + ws.host.substr(kWebMessagingPrefix.size()) + path);
  }
  net::Url same_host = ws;
  same_host.scheme = ws.tls() ? "https" : "http";
  same_host.target = path;
  return same_host;
}

Result<bool> read_auto_start(const net::Url& url, std::string_view deployment_id, const net::TlsOptions& tls,
                             std::chrono::milliseconds timeout) {
  const std::string where = "deployment config " + url.without_query();
  net::HttpClient client(url, tls);
  net::HttpRequest request;
  request.target = url.target;
  request.headers.push_back({"Accept", "application/json"});
  auto response = client.send(request, timeout);
  if (!response) return Error{where + ": " + response.error().message};
  if (response->status != 200) {
    return Error{where + ": HTTP " + std::to_string(response->status) +
                 (response->status == 404 ? " (no such deployment there)" : "")};
  }
  auto config = wm::parse_deployment_config(response->body);
  if (!config) return Error{where + ": " + config.error().message};
  if (!config->id.empty() && common::ascii_lower(config->id) != common::ascii_lower(deployment_id)) {
    return Error{where + ": it describes deployment " + config->id.substr(0, 64)};
  }
  if (config->status != "Active") return Error{where + ": the deployment is " + config->status.substr(0, 64)};
  return config->auto_start;
}

}  // namespace tracechat::client
