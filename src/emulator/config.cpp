#include "tracechat/emulator/config.h"

#include <fstream>
#include <sstream>

#include "common/ascii.h"
#include "common/json_reader.h"

namespace tracechat::emulator {
namespace json = boost::json;
using common::ObjectReader;

namespace {

Result<std::set<std::string>> read_uuid_set(const ObjectReader& r, std::string_view key) {
  TRACECHAT_TRY(const json::array* array, r.optional_array(key));
  std::set<std::string> out;
  if (array == nullptr) return out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto& v = (*array)[i];
    const std::string path = r.path_of(key) + "[" + std::to_string(i) + "]";
    if (!v.is_string()) return Error{path + ": expected string"};
    if (!is_uuid(v.get_string())) return Error{path + ": expected a UUID"};
    out.insert(lowercase_id(v.get_string()));
  }
  return out;
}

Result<void> check_known(const ObjectReader& r, std::initializer_list<std::string_view> known) {
  const auto unknown = r.unknown_members(known);
  if (!unknown.empty()) return Error{unknown.front() + ": unknown setting"};
  return {};
}

Result<void> read_limits(const ObjectReader& r, protocol::guest_chat::Limits& limits) {
  TRACECHAT_CHECK(check_known(r, {"maxAttributeValueChars", "maxAttributesBytes", "maxAttributes", "maxMessageChars",
                                  "maxFrameBytes", "messagesPerSecond", "messageBurst", "idleTimeoutSeconds"}));
  for (const auto& [key, field] : protocol::guest_chat::kIntegerLimits) {
    TRACECHAT_TRY(const auto v, r.optional_int(key));
    if (!v) continue;
    if (*v < 1) return Error{r.path_of(key) + ": must be at least 1"};
    limits.*field = *v;
  }
  if (limits.max_frame_bytes < 256) return Error{r.path_of("maxFrameBytes") + ": must be at least 256"};
  if (limits.max_frame_bytes > 64 * 1024 * 1024) return Error{r.path_of("maxFrameBytes") + ": at most 67108864"};
  TRACECHAT_TRY(const auto rate, r.optional_number("messagesPerSecond"));
  if (rate) {
    if (!(*rate > 0) || *rate > 1e6) return Error{r.path_of("messagesPerSecond") + ": must be in (0, 1000000]"};
    limits.messages_per_second = *rate;
  }
  return {};
}

// A deployment's allowedOrigins: at least one http(s) origin.
Result<void> read_allowed_origins(const ObjectReader& d, const std::string& id, EmulatorConfig& config) {
  TRACECHAT_TRY(const json::array* origins, d.optional_array("allowedOrigins"));
  if (origins == nullptr) return {};
  if (origins->empty()) {
    return Error{d.path_of("allowedOrigins") + ": list at least one origin, or leave it out to allow any"};
  }
  auto& allowed = config.allowed_origins[id];
  for (std::size_t j = 0; j < origins->size(); ++j) {
    const std::string origin_path = d.path_of("allowedOrigins") + "[" + std::to_string(j) + "]";
    const auto& o = (*origins)[j];
    if (!o.is_string()) return Error{origin_path + ": expected string"};
    auto normalized = normalize_origin(o.get_string());
    if (!normalized) return Error{origin_path + ": expected an origin such as https://shop.example.com"};
    allowed.push_back(std::move(*normalized));
  }
  return {};
}

// {"id", "allowedOrigins", "autoStart", "status"}: what the deployment's config.json says.
Result<void> read_deployment_object(const ObjectReader& d, EmulatorConfig& config) {
  TRACECHAT_CHECK(check_known(d, {"id", "allowedOrigins", "autoStart", "status"}));
  TRACECHAT_TRY(const auto raw_id, d.required_string("id"));
  if (!is_uuid(raw_id)) return Error{d.path_of("id") + ": expected a UUID"};
  const std::string id = lowercase_id(raw_id);
  if (!config.deployments.insert(id).second) return Error{d.path_of("id") + ": listed twice"};
  TRACECHAT_CHECK(read_allowed_origins(d, id, config));
  DeploymentSettings settings;
  TRACECHAT_TRY(const auto auto_start, d.optional_bool("autoStart"));
  settings.auto_start = auto_start.value_or(settings.auto_start);
  TRACECHAT_TRY(const auto status, d.optional_string("status"));
  if (status && *status != "Active" && *status != "Inactive") {
    return Error{d.path_of("status") + ": expected Active or Inactive"};
  }
  settings.active = !status || *status == "Active";
  config.deployment_settings[id] = settings;
  return {};
}

// A deployment is its id, or an object when it restricts where Web Messaging may be
// opened from, or says more than the defaults in its config.json.
Result<void> read_deployments(const ObjectReader& r, EmulatorConfig& config) {
  TRACECHAT_TRY(const json::array* array, r.optional_array("deployments"));
  if (array == nullptr) return {};
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto& v = (*array)[i];
    const std::string path = r.path_of("deployments") + "[" + std::to_string(i) + "]";
    if (v.is_string()) {
      if (!is_uuid(v.get_string())) return Error{path + ": expected a UUID"};
      const std::string id = lowercase_id(v.get_string());
      if (!config.deployments.insert(id).second) return Error{path + ": listed twice"};
      config.deployment_settings[id] = DeploymentSettings{};
      continue;
    }
    if (!v.is_object()) return Error{path + ": expected a UUID or an object with id"};
    TRACECHAT_CHECK(read_deployment_object(ObjectReader(v.get_object(), path), config));
  }
  return {};
}

Result<void> read_oauth(const ObjectReader& r, OAuthConfig& oauth) {
  TRACECHAT_CHECK(check_known(r, {"clients", "tokenLifetimeSeconds"}));
  TRACECHAT_TRY(const json::array* clients, r.optional_array("clients"));
  for (std::size_t i = 0; clients != nullptr && i < clients->size(); ++i) {
    const std::string path = r.path_of("clients") + "[" + std::to_string(i) + "]";
    if (!(*clients)[i].is_object()) return Error{path + ": expected object"};
    const ObjectReader c((*clients)[i].get_object(), path);
    TRACECHAT_CHECK(check_known(c, {"clientId", "clientSecret"}));
    OAuthClientCredentials client;
    TRACECHAT_TRY(client.client_id, c.required_string("clientId"));
    TRACECHAT_TRY(client.client_secret, c.required_string("clientSecret"));
    // ':' separates id and secret in the Basic credentials, so an id cannot hold one.
    if (client.client_id.empty() || client.client_id.find(':') != std::string::npos) {
      return Error{c.path_of("clientId") + ": must be non-empty, without ':'"};
    }
    if (client.client_secret.empty()) return Error{c.path_of("clientSecret") + ": must not be empty"};
    for (const auto& other : oauth.clients) {
      if (other.client_id == client.client_id) return Error{c.path_of("clientId") + ": listed twice"};
    }
    oauth.clients.push_back(std::move(client));
  }
  TRACECHAT_TRY(const auto lifetime, r.optional_int("tokenLifetimeSeconds"));
  if (lifetime) {
    if (*lifetime < 1 || *lifetime > 31536000)
      return Error{r.path_of("tokenLifetimeSeconds") + ": must be 1 to 31536000"};
    oauth.token_lifetime = std::chrono::seconds(*lifetime);
  }
  return {};
}

Result<void> read_rest(const ObjectReader& r, RestConfig& rest) {
  TRACECHAT_CHECK(check_known(r, {"requestsPerMinute"}));
  TRACECHAT_TRY(const auto rate, r.optional_number("requestsPerMinute"));
  if (rate) {
    if (!(*rate > 0) || *rate > 1e6) return Error{r.path_of("requestsPerMinute") + ": must be in (0, 1000000]"};
    rest.requests_per_minute = *rate;
  }
  return {};
}

Result<void> read_analytics(const ObjectReader& r, AnalyticsConfig& analytics) {
  TRACECHAT_CHECK(check_known(r, {"propertyPredicatesMatch", "jobPropertyPredicatesMatch", "jobDelayMs",
                                  "dataAvailabilityLagSeconds", "jobFailure"}));
  TRACECHAT_TRY(const auto match, r.optional_bool("propertyPredicatesMatch"));
  analytics.property_predicates_match = match.value_or(analytics.property_predicates_match);
  TRACECHAT_TRY(const auto job_match, r.optional_bool("jobPropertyPredicatesMatch"));
  analytics.job_property_predicates_match = job_match.value_or(analytics.job_property_predicates_match);
  TRACECHAT_TRY(const auto delay, r.optional_int("jobDelayMs"));
  if (delay) {
    if (*delay < 0 || *delay > 600000) return Error{r.path_of("jobDelayMs") + ": must be 0 to 600000"};
    analytics.job_delay = std::chrono::milliseconds(*delay);
  }
  TRACECHAT_TRY(const auto lag, r.optional_int("dataAvailabilityLagSeconds"));
  if (lag) {
    if (*lag < 0 || *lag > 31536000) return Error{r.path_of("dataAvailabilityLagSeconds") + ": must be 0 to 31536000"};
    analytics.data_availability_lag = std::chrono::seconds(*lag);
  }
  TRACECHAT_TRY(const auto failure, r.optional_string("jobFailure"));
  analytics.job_failure = failure.value_or(analytics.job_failure);
  return {};
}

Result<std::vector<protocol::web_messaging::QuickReply>> read_quick_replies(const ObjectReader& r) {
  TRACECHAT_TRY(const json::array* array, r.optional_array("quickReplies"));
  std::vector<protocol::web_messaging::QuickReply> out;
  for (std::size_t i = 0; array != nullptr && i < array->size(); ++i) {
    const std::string path = r.path_of("quickReplies") + "[" + std::to_string(i) + "]";
    if (!(*array)[i].is_object()) return Error{path + ": expected object with text and payload"};
    const ObjectReader q((*array)[i].get_object(), path);
    TRACECHAT_CHECK(check_known(q, {"text", "payload"}));
    protocol::web_messaging::QuickReply reply;
    TRACECHAT_TRY(reply.text, q.required_string("text"));
    TRACECHAT_TRY(reply.payload, q.required_string("payload"));
    if (reply.text.empty()) return Error{q.path_of("text") + ": must not be empty"};
    if (reply.payload.empty()) return Error{q.path_of("payload") + ": must not be empty"};
    out.push_back(std::move(reply));
  }
  return out;
}

Result<void> read_bot(const ObjectReader& r, BotConfig& bot) {
  TRACECHAT_CHECK(check_known(r, {"enabled", "name", "replyDelayMs", "reply", "quickReplies"}));
  TRACECHAT_TRY(const auto enabled, r.optional_bool("enabled"));
  bot.enabled = enabled.value_or(bot.enabled);
  TRACECHAT_TRY(const auto name, r.optional_string("name"));
  bot.name = name.value_or(bot.name);
  TRACECHAT_TRY(const auto delay, r.optional_int("replyDelayMs"));
  if (delay) {
    if (*delay < 0 || *delay > 600000) return Error{r.path_of("replyDelayMs") + ": must be 0 to 600000"};
    bot.reply_delay = std::chrono::milliseconds(*delay);
  }
  TRACECHAT_TRY(const auto reply, r.optional_string("reply"));
  bot.reply = reply.value_or(bot.reply);
  TRACECHAT_TRY(bot.quick_replies, read_quick_replies(r));
  return {};
}

Result<void> read_web_messaging(const ObjectReader& r, WebMessagingConfig& wm) {
  TRACECHAT_CHECK(check_known(
      r, {"maxConnectionsPerSession", "echoPerMinute", "echoBurst", "autoStart", "refuseInactiveDeployments"}));
  TRACECHAT_TRY(const auto connections, r.optional_int("maxConnectionsPerSession"));
  if (connections) {
    if (*connections < 1 || *connections > 1000) {
      return Error{r.path_of("maxConnectionsPerSession") + ": must be 1 to 1000"};
    }
    wm.max_connections_per_session = *connections;
  }
  TRACECHAT_TRY(const auto echo_rate, r.optional_number("echoPerMinute"));
  if (echo_rate) {
    if (!(*echo_rate > 0) || *echo_rate > 1e6) return Error{r.path_of("echoPerMinute") + ": must be in (0, 1000000]"};
    wm.echo_per_minute = *echo_rate;
  }
  TRACECHAT_TRY(const auto echo_burst, r.optional_int("echoBurst"));
  if (echo_burst) {
    if (*echo_burst < 1 || *echo_burst > 1000000) return Error{r.path_of("echoBurst") + ": must be 1 to 1000000"};
    wm.echo_burst = *echo_burst;
  }
  TRACECHAT_TRY(const auto auto_start, r.optional_bool("autoStart"));
  wm.auto_start = auto_start.value_or(wm.auto_start);
  TRACECHAT_TRY(const auto refuse, r.optional_bool("refuseInactiveDeployments"));
  wm.refuse_inactive_deployments = refuse.value_or(wm.refuse_inactive_deployments);
  return {};
}

}  // namespace

std::string lowercase_id(std::string_view text) { return common::ascii_lower(text); }

std::optional<DeploymentSettings> deployment_settings(const EmulatorConfig& config, const std::string& deployment_id) {
  if (config.deployments.empty()) {
    DeploymentSettings open;
    open.auto_start = config.web_messaging.auto_start;
    return open;
  }
  const auto it = config.deployment_settings.find(deployment_id);
  if (it != config.deployment_settings.end()) return it->second;
  // Listed in `deployments` by code that did not fill in its settings: the defaults.
  if (config.deployments.contains(deployment_id)) return DeploymentSettings{};
  return std::nullopt;
}

Result<EmulatorConfig> parse_config(std::string_view json_text) {
  auto parsed = common::parse_object(json_text, 20, "the configuration");
  if (!parsed) return Error{parsed.error().message};
  const ObjectReader r(parsed->object(), "");
  TRACECHAT_CHECK(
      check_known(r, {"organizations", "deployments", "limits", "bot", "webMessaging", "oauth", "rest", "analytics"}));
  EmulatorConfig config;
  TRACECHAT_TRY(config.organizations, read_uuid_set(r, "organizations"));
  TRACECHAT_CHECK(read_deployments(r, config));
  TRACECHAT_TRY(const json::object* limits, r.optional_object("limits"));
  if (limits != nullptr) TRACECHAT_CHECK(read_limits(ObjectReader(*limits, "limits"), config.limits));
  TRACECHAT_TRY(const json::object* bot, r.optional_object("bot"));
  if (bot != nullptr) TRACECHAT_CHECK(read_bot(ObjectReader(*bot, "bot"), config.bot));
  TRACECHAT_TRY(const json::object* web_messaging, r.optional_object("webMessaging"));
  if (web_messaging != nullptr) {
    TRACECHAT_CHECK(read_web_messaging(ObjectReader(*web_messaging, "webMessaging"), config.web_messaging));
  }
  TRACECHAT_TRY(const json::object* oauth, r.optional_object("oauth"));
  if (oauth != nullptr) TRACECHAT_CHECK(read_oauth(ObjectReader(*oauth, "oauth"), config.oauth));
  TRACECHAT_TRY(const json::object* rest, r.optional_object("rest"));
  if (rest != nullptr) TRACECHAT_CHECK(read_rest(ObjectReader(*rest, "rest"), config.rest));
  TRACECHAT_TRY(const json::object* analytics, r.optional_object("analytics"));
  if (analytics != nullptr) TRACECHAT_CHECK(read_analytics(ObjectReader(*analytics, "analytics"), config.analytics));
  return config;
}

Result<EmulatorConfig> load_config(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read config file '" + path.string() + "'"};
  std::ostringstream text;
  text << in.rdbuf();
  auto config = parse_config(text.str());
  if (!config) return Error{path.string() + ": " + config.error().message};
  return config;
}

}  // namespace tracechat::emulator
