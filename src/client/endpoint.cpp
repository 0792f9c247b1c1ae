#include "endpoint.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

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

}  // namespace tracechat::client
