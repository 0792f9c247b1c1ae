#include "tracechat/protocol/deployment_config.h"

#include <boost/json.hpp>

#include "common/json_reader.h"
#include "tracechat/protocol/web_messaging.h"

namespace tracechat::protocol::web_messaging {
namespace json = boost::json;
using common::ObjectReader;

std::string deployment_config_path(std::string_view deployment_id) {
  return "/webdeployments/v1/deployments/" + std::string(deployment_id) + "/config.json";
}

namespace {

Result<void> read_conversations(const ObjectReader& c, DeploymentConfig& config) {
  TRACECHAT_TRY(const auto endpoint, c.optional_string("messagingEndpoint"));
  config.messaging_endpoint = endpoint.value_or("");
  TRACECHAT_TRY(const json::object* auto_start, c.optional_object("autoStart"));
  if (auto_start != nullptr) {
    TRACECHAT_TRY(const auto enabled, ObjectReader(*auto_start, c.path_of("autoStart")).optional_bool("enabled"));
    config.auto_start = enabled.value_or(false);
  }
  return {};
}

}  // namespace

Result<DeploymentConfig> parse_deployment_config(std::string_view text) {
  auto parsed = common::parse_object(text, kMaxJsonDepth, "a deployment configuration");
  if (!parsed) return Error{parsed.error().message};
  const ObjectReader r(parsed->object(), "");
  DeploymentConfig config;
  for (auto [key, target] : {std::pair{"id", &config.id}, std::pair{"version", &config.version},
                             std::pair{"apiEndpoint", &config.api_endpoint}}) {
    TRACECHAT_TRY(const auto value, r.optional_string(key));
    *target = value.value_or("");
  }
  TRACECHAT_TRY(const auto status, r.optional_string("status"));
  config.status = status.value_or("Active");
  TRACECHAT_TRY(const json::object* messenger, r.optional_object("messenger"));
  if (messenger == nullptr) return config;
  const ObjectReader m(*messenger, "messenger");
  TRACECHAT_TRY(const auto enabled, m.optional_bool("enabled"));
  config.messenger_enabled = enabled.value_or(true);
  TRACECHAT_TRY(const json::object* apps, m.optional_object("apps"));
  if (apps == nullptr) return config;
  const ObjectReader a(*apps, "messenger.apps");
  TRACECHAT_TRY(const json::object* conversations, a.optional_object("conversations"));
  if (conversations == nullptr) return config;
  TRACECHAT_CHECK(read_conversations(ObjectReader(*conversations, "messenger.apps.conversations"), config));
  return config;
}

std::string serialize(const DeploymentConfig& config) {
  json::object conversations{{"enabled", true},
                             {"messagingEndpoint", config.messaging_endpoint},
                             {"showAgentTypingIndicator", true},
                             {"showUserTypingIndicator", true},
                             {"autoStart", json::object{{"enabled", config.auto_start}}}};
  json::object o{{"id", config.id},
                 {"version", config.version},
                 {"languages", json::array{"en-us"}},
                 {"defaultLanguage", "en-us"},
                 {"apiEndpoint", config.api_endpoint},
                 {"status", config.status},
                 {"messenger", json::object{{"enabled", config.messenger_enabled},
                                            {"apps", json::object{{"conversations", std::move(conversations)}}}}},
                 {"journeyEvents", json::object{{"enabled", false}}}};
  return json::serialize(o);
}

}  // namespace tracechat::protocol::web_messaging
