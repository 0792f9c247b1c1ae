#include "endpoint.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "common/ascii.h"
#include "tracechat/protocol/uuid.h"

namespace tracechat::client {

using protocol::is_uuid;

const char* to_string(Dialect dialect) noexcept {
  switch (dialect) {
    case Dialect::automatic: return "automatic";
    case Dialect::guest_chat: return "guest-chat";
    case Dialect::web_messaging: return "web-messaging";
  }
  return "?";
}

Result<Endpoint> resolve_endpoint(std::string_view text, Dialect requested) {
  auto url = net::Url::parse(text);
  if (!url) return Error{"url: " + url.error().message};
  Endpoint endpoint;
  endpoint.url = *url;
  if (endpoint.url.scheme == "http") endpoint.url.scheme = "ws";
  if (endpoint.url.scheme == "https") endpoint.url.scheme = "wss";
  if (endpoint.url.scheme != "ws" && endpoint.url.scheme != "wss") {
    return Error{"url: scheme must be ws or wss, not " + endpoint.url.scheme};
  }
  auto parsed = boost::urls::parse_origin_form(endpoint.url.target);
  if (!parsed) return Error{"url: cannot read the path of " + std::string(text)};
  std::vector<std::string> segments;
  for (auto segment : parsed->segments()) segments.push_back(segment);
  std::string deployment;
  if (auto it = parsed->params().find("deploymentId"); it != parsed->params().end() && (*it).has_value) {
    deployment = (*it).value;
  }

  const bool guest_chat_path =
      segments.size() == 5 && segments[0] == "v1" && segments[2] == "guest" && segments[4] == "connect";
  const bool web_messaging_path =
      segments.size() <= 1 && (segments.empty() || segments[0] == "v1") && !deployment.empty();
  Dialect found = guest_chat_path      ? Dialect::guest_chat
                  : web_messaging_path ? Dialect::web_messaging
                                       : Dialect::automatic;
  if (requested == Dialect::automatic && found == Dialect::automatic) {
    return Error{
        "url: cannot tell the dialect: expected /v1/{organizationId}/guest/{guestId}/connect (guest-chat) "
        "or /v1?deploymentId={uuid} (Web Messaging)"};
  }
  if (requested != Dialect::automatic && found != Dialect::automatic && requested != found) {
    return Error{std::string("url: the path is a ") + to_string(found) + " endpoint, but the dialect is set to " +
                 to_string(requested)};
  }
  endpoint.dialect = requested != Dialect::automatic ? requested : found;
  if (endpoint.dialect == Dialect::guest_chat && guest_chat_path) {
    if (!is_uuid(segments[1])) return Error{"url: organizationId '" + segments[1] + "' is not a UUID"};
    if (!is_uuid(segments[3])) return Error{"url: guestId '" + segments[3] + "' is not a UUID"};
  }
  if (endpoint.dialect == Dialect::web_messaging) {
    if (deployment.empty()) return Error{"url: Web Messaging needs ?deploymentId={uuid}"};
    if (!is_uuid(deployment)) return Error{"url: deploymentId '" + deployment + "' is not a UUID"};
    endpoint.deployment_id = deployment;
  }
  return endpoint;
}

Result<std::string> upgrade_origin(std::string_view configured, const net::Url& url) {
  if (configured.empty()) {
    // The host only: the WebSocket's port says nothing about the page a guest would open
    // (and a deployment's allowed domains are names, not ports).
    const bool ipv6 = url.host.find(':') != std::string::npos;
    return "https://" + (ipv6 ? "[" + url.host + "]" : url.host);
  }
  const std::string shown(configured.substr(0, 200));
  const std::string expected = "': expected scheme://host[:port], such as https://shop.example.com";
  // A header value: Url::parse refuses spaces and control characters, and the checks
  // below anything past the authority, so the value cannot add a header or a line.
  auto parsed = net::Url::parse(configured);
  if (!parsed) return Error{"origin '" + shown + expected + " (" + parsed.error().message + ")"};
  if (parsed->scheme != "http" && parsed->scheme != "https") {
    return Error{"origin '" + shown + expected + " (http or https)"};
  }
  if (parsed->target != "/" || configured.find_first_of("?#") != std::string_view::npos) {
    return Error{"origin '" + shown + expected + " (no path, query or fragment)"};
  }
  // As browsers serialize an origin: scheme and host in lower case, no default port.
  const bool ipv6 = parsed->host.find(':') != std::string::npos;
  std::string origin =
      common::ascii_lower(parsed->scheme) + "://" + common::ascii_lower(ipv6 ? "[" + parsed->host + "]" : parsed->host);
  if (parsed->port != (parsed->tls() ? 443 : 80)) origin += ":" + std::to_string(parsed->port);
  return origin;
}

std::string describe_refused_upgrade(int status, const std::string& refusal, const Endpoint& endpoint) {
  const std::string where = endpoint.url.to_string();
  const bool web_messaging = endpoint.dialect == Dialect::web_messaging;
  if (status == 403) {
    // Genesys answers 403 ("access denied") to an upgrade a deployment's allowed domains
    // do not cover; whether it reads Origin for that is not documented, but Origin is the
    // one thing of the upgrade a guest client chooses, so that is what the message names.
    return "the platform refused the connection to " + where + " (HTTP 403): this " +
           (web_messaging ? "deployment" : "server") + " does not allow the origin " + endpoint.origin +
           "; pass --origin with one of its allowed domains (ChatSessionConfig::origin)";
  }
  if (status == 404) {
    return "the platform refused the connection to " + where + " (HTTP 404): " +
           (web_messaging ? "it has no deployment " + endpoint.deployment_id +
                                "; check the deployment id and the region (or the URL)"
                          : "it has no such organization or endpoint; check the URL");
  }
  return refusal;
}

}  // namespace tracechat::client
