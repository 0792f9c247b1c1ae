// The emulator's configuration: which organizations and deployments it serves (and what
// each deployment's config.json says), the platform limits of both dialects, the
// scripted agent, and the Platform API's OAuth clients, rate limit and analytics
// behaviour. Read from a small JSON file (docs/emulator.md); with no file the emulator
// runs in open mode with the documented defaults.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tracechat/protocol/guest_chat.h"
#include "tracechat/protocol/uuid.h"
#include "tracechat/protocol/web_messaging.h"
#include "tracechat/result.h"

namespace tracechat::emulator {

struct BotConfig {
  bool enabled = true;
  std::string name = "Tracechat Bot";
  std::chrono::milliseconds reply_delay{200};
  // "{body}" is replaced by the guest's message.
  std::string reply = "You said: {body}";
  // Non-empty: each reply on Web Messaging is a Structured message offering these as
  // quick replies (guest-chat has no equivalent and gets the text only).
  std::vector<protocol::web_messaging::QuickReply> quick_replies;
};

// What a Web Messaging deployment's public configuration (config.json) says about it.
struct DeploymentSettings {
  // messenger.apps.conversations.autoStart.enabled; off is the platform's default.
  bool auto_start = false;
  // status: Active | Inactive.
  bool active = true;
  friend bool operator==(const DeploymentSettings&, const DeploymentSettings&) = default;
};

// The platform's Web Messaging limits that guest-chat has no counterpart for, and the
// defaults of deployments in open mode.
struct WebMessagingConfig {
  // A session holds at most this many connections; one more closes the oldest.
  std::int64_t max_connections_per_session = 3;
  // `echo` (the heartbeat) per connection: about 2 per minute on the platform.
  double echo_per_minute = 2;
  std::int64_t echo_burst = 2;
  // In open mode (no deployments listed) every deployment has these settings.
  bool auto_start = false;
  // An Inactive deployment's WebSocket upgrade is refused with 404 like an unknown one
  // (uncertain: the platform's answer is not documented).
  bool refuse_inactive_deployments = true;
};

// An OAuth client of the Platform API (client credentials grant).
struct OAuthClientCredentials {
  std::string client_id;
  std::string client_secret;
  friend bool operator==(const OAuthClientCredentials&, const OAuthClientCredentials&) = default;
};

struct OAuthConfig {
  // Empty: one generated client, kept in a file beside the database (docs/emulator.md).
  std::vector<OAuthClientCredentials> clients;
  std::chrono::seconds token_lifetime{86400};
};

struct RestConfig {
  // Per OAuth client, on /api/v2/*. 300 is the figure commonly cited for Genesys Cloud.
  double requests_per_minute = 300;
};

struct AnalyticsConfig {
  // Whether a `property` predicate of the synchronous details query matches custom
  // participant attributes; live tests report that on the platform it matches nothing.
  bool property_predicates_match = false;
  // The same for a details job. The reference does not say that a job's property
  // predicates match custom attributes either, so by default they match nothing, as the
  // query's: a client must not come to rely here on what the platform may not do (find
  // the attribute in the job's results instead, as `tracechat find` does).
  bool job_property_predicates_match = false;
  // An asynchronous details job is QUEUED, then PENDING, for this long, then FULFILLED.
  std::chrono::milliseconds job_delay{1000};
  // Jobs see conversations that started before now minus this.
  std::chrono::seconds data_availability_lag{0};
  // Non-empty: every job ends FAILED with this errorMessage (a test knob).
  std::string job_failure;
};

struct EmulatorConfig {
  // Empty: any id is accepted (open mode). Ids are compared lower-cased.
  std::set<std::string> organizations;
  std::set<std::string> deployments;
  // Deployments that restrict the origins of Web Messaging upgrades: deployment id to
  // normalized origins ("https://shop.example.com", see normalize_origin).
  std::map<std::string, std::vector<std::string>> allowed_origins;
  // Every listed deployment's settings, by id; see deployment_settings().
  std::map<std::string, DeploymentSettings> deployment_settings;
  // The limits advertised in `connected.limits`; Web Messaging uses the same values
  // (maxCustomDataBytes = maxAttributesBytes, onMessage rate = messagesPerSecond).
  protocol::guest_chat::Limits limits;
  BotConfig bot;
  WebMessagingConfig web_messaging;
  OAuthConfig oauth;
  RestConfig rest;
  AnalyticsConfig analytics;
};

// The settings of a deployment the configuration serves (lower-case id): its own when it
// is listed, the webMessaging defaults in open mode; nullopt when it is not served.
std::optional<DeploymentSettings> deployment_settings(const EmulatorConfig& config, const std::string& deployment_id);

// Parses the JSON text of a config file; errors name the offending path.
Result<EmulatorConfig> parse_config(std::string_view json_text);
Result<EmulatorConfig> load_config(const std::filesystem::path& path);

// The UUID form both dialects require for organization, guest and deployment ids.
using protocol::is_uuid;
// Ids are compared lower-cased (UUIDs are case-insensitive).
std::string lowercase_id(std::string_view text);
// An origin as browsers send it in `Origin`: scheme://host[:port] with the scheme and
// host lower-cased and a default port (http 80, https 443) dropped; nullopt when the text
// is not an http(s) origin (a path, user info, "null"). A single trailing '/' is allowed.
std::optional<std::string> normalize_origin(std::string_view text);

}  // namespace tracechat::emulator
