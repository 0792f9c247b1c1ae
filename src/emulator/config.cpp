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

// A deployment is its id, or {"id", "allowedOrigins"} when it restricts where Web
// Messaging may be opened from.
Result<void> read_deployments(const ObjectReader& r, EmulatorConfig& config) {
  TRACECHAT_TRY(const json::array* array, r.optional_array("deployments"));
  if (array == nullptr) return {};
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto& v = (*array)[i];
    const std::string path = r.path_of("deployments") + "[" + std::to_string(i) + "]";
    if (v.is_string()) {
      if (!is_uuid(v.get_string())) return Error{path + ": expected a UUID"};
      config.deployments.insert(lowercase_id(v.get_string()));
      continue;
    }
    if (!v.is_object()) return Error{path + ": expected a UUID or an object with id and allowedOrigins"};
    const ObjectReader d(v.get_object(), path);
    TRACECHAT_CHECK(check_known(d, {"id", "allowedOrigins"}));
    TRACECHAT_TRY(const auto id, d.required_string("id"));
    if (!is_uuid(id)) return Error{d.path_of("id") + ": expected a UUID"};
    config.deployments.insert(lowercase_id(id));
    TRACECHAT_TRY(const json::array* origins, d.optional_array("allowedOrigins"));
    if (origins == nullptr) continue;
    if (origins->empty()) {
      return Error{d.path_of("allowedOrigins") + ": list at least one origin, or leave it out to allow any"};
    }
    auto& allowed = config.allowed_origins[lowercase_id(id)];
    for (std::size_t j = 0; j < origins->size(); ++j) {
      const std::string origin_path = d.path_of("allowedOrigins") + "[" + std::to_string(j) + "]";
      const auto& o = (*origins)[j];
      if (!o.is_string()) return Error{origin_path + ": expected string"};
      auto normalized = normalize_origin(o.get_string());
      if (!normalized) return Error{origin_path + ": expected an origin such as https://shop.example.com"};
      allowed.push_back(std::move(*normalized));
    }
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

Result<void> read_bot(const ObjectReader& r, BotConfig& bot) {
  TRACECHAT_CHECK(check_known(r, {"enabled", "name", "replyDelayMs", "reply"}));
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
  return {};
}

}  // namespace

std::string lowercase_id(std::string_view text) { return common::ascii_lower(text); }

Result<EmulatorConfig> parse_config(std::string_view json_text) {
  auto parsed = common::parse_object(json_text, 20, "the configuration");
  if (!parsed) return Error{parsed.error().message};
  const ObjectReader r(parsed->object(), "");
  TRACECHAT_CHECK(check_known(r, {"organizations", "deployments", "limits", "bot", "oauth", "rest", "analytics"}));
  EmulatorConfig config;
  TRACECHAT_TRY(config.organizations, read_uuid_set(r, "organizations"));
  TRACECHAT_CHECK(read_deployments(r, config));
  TRACECHAT_TRY(const json::object* limits, r.optional_object("limits"));
  if (limits != nullptr) TRACECHAT_CHECK(read_limits(ObjectReader(*limits, "limits"), config.limits));
  TRACECHAT_TRY(const json::object* bot, r.optional_object("bot"));
  if (bot != nullptr) TRACECHAT_CHECK(read_bot(ObjectReader(*bot, "bot"), config.bot));
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
