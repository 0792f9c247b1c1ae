#include "deployment_config_endpoint.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "tracechat/protocol/deployment_config.h"

namespace tracechat::emulator {

namespace {

namespace wm = protocol::web_messaging;

constexpr std::string_view kPrefix = "/webdeployments/v1/deployments/";
constexpr std::string_view kSuffix = "/config.json";

// As a CDN answers: a JSON body, and readable by any page (the Messenger runs on the
// customer's site, not on Genesys's).
net::HttpResponse cdn_response(int status, std::string body) {
  auto response = net::json_response(status, std::move(body));
  response.set_header("Access-Control-Allow-Origin", "*");
  return response;
}

net::HttpResponse not_found() {
  return cdn_response(404, boost::json::serialize(boost::json::object{{"message", "Not Found"}, {"status", 404}}));
}

// The Host header names where the client reached the emulator, and so where its
// WebSocket is. Only a plain host[:port] is taken: the value goes into URLs.
std::optional<std::string> host_of(const net::HttpRequest& request) {
  const auto host = request.header("Host");
  if (!host || host->empty() || host->size() > 255) return std::nullopt;
  const bool plain = std::ranges::all_of(*host, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == ':' || c == '[' ||
           c == ']' || c == '_';
  });
  return plain ? std::optional<std::string>(*host) : std::nullopt;
}

}  // namespace

std::optional<net::HttpResponse> serve_deployment_config(const EmulatorConfig& config, const net::HttpRequest& request,
                                                         bool tls) {
  const std::string_view path = request.path();
  if (!path.starts_with(kPrefix) || !path.ends_with(kSuffix) || path.size() < kPrefix.size() + kSuffix.size()) {
    return std::nullopt;
  }
  if (request.method != "GET") {
    auto refused = cdn_response(
        405, boost::json::serialize(boost::json::object{{"message", "Method Not Allowed"}, {"status", 405}}));
    refused.set_header("Allow", "GET");
    return refused;
  }
  const std::string_view raw_id = path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
  // A CDN serves files: a malformed id is just a file that is not there.
  if (!is_uuid(raw_id)) return not_found();
  const std::string id = lowercase_id(raw_id);
  const auto settings = deployment_settings(config, id);
  if (!settings) return not_found();
  const auto host = host_of(request);
  if (!host) {
    return cdn_response(400, boost::json::serialize(boost::json::object{
                                 {"message", "a Host header (host[:port]) is required"}, {"status", 400}}));
  }
  wm::DeploymentConfig document;
  document.id = id;
  document.version = "1";
  document.status = settings->active ? "Active" : "Inactive";
  document.api_endpoint = (tls ? "https://" : "http://") + *host;
  document.messaging_endpoint = (tls ? "wss://" : "ws://") + *host;
  document.auto_start = settings->auto_start;
  return cdn_response(200, wm::serialize(document));
}

}  // namespace tracechat::emulator
