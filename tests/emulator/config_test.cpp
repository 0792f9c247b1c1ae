// The configuration keys of the Platform API side: oauth, rest, analytics, and
// deployments with allowedOrigins.
#include "tracechat/emulator/config.h"

#include <gtest/gtest.h>

using tracechat::emulator::parse_config;
using namespace std::chrono_literals;

TEST(PlatformApiConfig, Defaults) {
  auto config = parse_config("{}");
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->oauth.clients.empty());
  EXPECT_EQ(config->oauth.token_lifetime, 86400s);
  EXPECT_EQ(config->rest.requests_per_minute, 300);
  EXPECT_FALSE(config->analytics.property_predicates_match);
  EXPECT_FALSE(config->analytics.job_property_predicates_match);
  EXPECT_EQ(config->analytics.job_delay, 1000ms);
  EXPECT_EQ(config->analytics.data_availability_lag, 0s);
  EXPECT_EQ(config->analytics.job_failure, "");
}

TEST(PlatformApiConfig, EverySettingIsRead) {
  auto config = parse_config(R"({
    "deployments": ["A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D",
                    {"id": "0a0b0c0d-1e1f-4a2b-8c3d-4e5f6a7b8c9d", "allowedOrigins": ["https://Shop.example.com/"]}],
    "oauth": {"clients": [{"clientId": "ci", "clientSecret": "s3"}], "tokenLifetimeSeconds": 60},
    "rest": {"requestsPerMinute": 30},
    "analytics": {"propertyPredicatesMatch": true, "jobPropertyPredicatesMatch": true, "jobDelayMs": 5,
                  "dataAvailabilityLagSeconds": 7, "jobFailure": "x"}
  })");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->deployments.size(), 2u);
  EXPECT_TRUE(config->deployments.contains("a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"));
  EXPECT_EQ(config->allowed_origins.size(), 1u);
  EXPECT_EQ(config->allowed_origins.at("0a0b0c0d-1e1f-4a2b-8c3d-4e5f6a7b8c9d"),
            std::vector<std::string>{"https://shop.example.com"});
  ASSERT_EQ(config->oauth.clients.size(), 1u);
  EXPECT_EQ(config->oauth.clients[0].client_id, "ci");
  EXPECT_EQ(config->oauth.clients[0].client_secret, "s3");
  EXPECT_EQ(config->oauth.token_lifetime, 60s);
  EXPECT_EQ(config->rest.requests_per_minute, 30);
  EXPECT_TRUE(config->analytics.property_predicates_match);
  EXPECT_TRUE(config->analytics.job_property_predicates_match);
  EXPECT_EQ(config->analytics.job_delay, 5ms);
  EXPECT_EQ(config->analytics.data_availability_lag, 7s);
  EXPECT_EQ(config->analytics.job_failure, "x");
}

TEST(PlatformApiConfig, BadValuesNameTheirPath) {
  const auto error = [](const char* text) {
    auto config = parse_config(text);
    return config.ok() ? std::string("(accepted)") : config.error().message;
  };
  EXPECT_EQ(error(R"({"oauth": {"lifetime": 1}})"), "oauth.lifetime: unknown setting");
  EXPECT_EQ(error(R"({"oauth": {"tokenLifetimeSeconds": 0}})"), "oauth.tokenLifetimeSeconds: must be 1 to 31536000");
  EXPECT_EQ(error(R"({"oauth": {"clients": [{"clientId": "a"}]}})"), "oauth.clients[0].clientSecret: required");
  EXPECT_EQ(error(R"({"oauth": {"clients": [{"clientId": "a:b", "clientSecret": "s"}]}})"),
            "oauth.clients[0].clientId: must be non-empty, without ':'");
  EXPECT_EQ(
      error(
          R"({"oauth": {"clients": [{"clientId": "a", "clientSecret": "s"}, {"clientId": "a", "clientSecret": "t"}]}})"),
      "oauth.clients[1].clientId: listed twice");
  EXPECT_EQ(error(R"({"oauth": {"clients": [{"clientId": "a", "clientSecret": "s", "scope": "x"}]}})"),
            "oauth.clients[0].scope: unknown setting");
  EXPECT_EQ(error(R"({"rest": {"requestsPerMinute": 0}})"), "rest.requestsPerMinute: must be in (0, 1000000]");
  EXPECT_EQ(error(R"({"rest": {"burst": 1}})"), "rest.burst: unknown setting");
  EXPECT_EQ(error(R"({"analytics": {"jobDelayMs": -1}})"), "analytics.jobDelayMs: must be 0 to 600000");
  EXPECT_EQ(error(R"({"analytics": {"propertyPredicatesMatch": "yes"}})"),
            "analytics.propertyPredicatesMatch: expected boolean");
  EXPECT_EQ(error(R"({"analytics": {"jobPropertyPredicatesMatch": 1}})"),
            "analytics.jobPropertyPredicatesMatch: expected boolean");
  EXPECT_EQ(error(R"({"analytics": {"dataAvailabilityLagSeconds": -5}})"),
            "analytics.dataAvailabilityLagSeconds: must be 0 to 31536000");
  EXPECT_EQ(error(R"({"analytics": {"pageSize": 5}})"), "analytics.pageSize: unknown setting");
  EXPECT_EQ(error(R"({"deployments": [{"allowedOrigins": ["https://a.example"]}]})"), "deployments[0].id: required");
  EXPECT_EQ(
      error(R"({"deployments": [{"id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "allowedOrigins": ["a.example"]}]})"),
      "deployments[0].allowedOrigins[0]: expected an origin such as https://shop.example.com");
  EXPECT_EQ(error(R"({"deployments": [{"id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "allowedOrigins": []}]})"),
            "deployments[0].allowedOrigins: list at least one origin, or leave it out to allow any");
  EXPECT_EQ(error(R"({"deployments": [{"id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "origins": []}]})"),
            "deployments[0].origins: unknown setting");
  EXPECT_EQ(error(R"({"deployments": [7]})"), "deployments[0]: expected a UUID or an object with id");
  EXPECT_EQ(error(R"({"deployments": ["acme"]})"), "deployments[0]: expected a UUID");
}

TEST(WebMessagingConfig, Defaults) {
  auto config = parse_config("{}");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->web_messaging.max_connections_per_session, 3);
  EXPECT_EQ(config->web_messaging.echo_per_minute, 2);
  EXPECT_EQ(config->web_messaging.echo_burst, 2);
  EXPECT_FALSE(config->web_messaging.auto_start);
  EXPECT_TRUE(config->web_messaging.refuse_inactive_deployments);
  EXPECT_TRUE(config->bot.quick_replies.empty());
  // Open mode: any deployment, with the webMessaging defaults.
  const auto open = tracechat::emulator::deployment_settings(*config, "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d");
  ASSERT_TRUE(open.has_value());
  EXPECT_FALSE(open->auto_start);
  EXPECT_TRUE(open->active);
}

TEST(WebMessagingConfig, EverySettingIsRead) {
  auto config = parse_config(R"({
    "deployments": ["a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
                    {"id": "0A0B0C0D-1E1F-4A2B-8C3D-4E5F6A7B8C9D", "autoStart": true, "status": "Inactive"}],
    "webMessaging": {"maxConnectionsPerSession": 5, "echoPerMinute": 0.5, "echoBurst": 3, "autoStart": true,
                     "refuseInactiveDeployments": false},
    "bot": {"quickReplies": [{"text": "Yes", "payload": "yes"}, {"text": "No", "payload": "no"}]}
  })");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->web_messaging.max_connections_per_session, 5);
  EXPECT_EQ(config->web_messaging.echo_per_minute, 0.5);
  EXPECT_EQ(config->web_messaging.echo_burst, 3);
  EXPECT_TRUE(config->web_messaging.auto_start);
  EXPECT_FALSE(config->web_messaging.refuse_inactive_deployments);
  ASSERT_EQ(config->bot.quick_replies.size(), 2u);
  EXPECT_EQ(config->bot.quick_replies[0].text, "Yes");
  EXPECT_EQ(config->bot.quick_replies[0].payload, "yes");
  EXPECT_EQ(config->bot.quick_replies[0].action, "Message");
  using tracechat::emulator::deployment_settings;
  const auto listed = deployment_settings(*config, "0a0b0c0d-1e1f-4a2b-8c3d-4e5f6a7b8c9d");
  ASSERT_TRUE(listed.has_value());
  EXPECT_TRUE(listed->auto_start);
  EXPECT_FALSE(listed->active);
  // A deployment listed by its id alone has the platform's defaults, whatever
  // webMessaging.autoStart (the open-mode default) says.
  const auto plain = deployment_settings(*config, "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d");
  ASSERT_TRUE(plain.has_value());
  EXPECT_FALSE(plain->auto_start);
  EXPECT_TRUE(plain->active);
  EXPECT_FALSE(deployment_settings(*config, "99999999-9999-4999-8999-999999999999").has_value());
}

TEST(WebMessagingConfig, BadValuesNameTheirPath) {
  const auto error = [](const char* text) {
    auto config = parse_config(text);
    return config.ok() ? std::string("(accepted)") : config.error().message;
  };
  EXPECT_EQ(error(R"({"webMessaging": {"maxConnectionsPerSession": 0}})"),
            "webMessaging.maxConnectionsPerSession: must be 1 to 1000");
  EXPECT_EQ(error(R"({"webMessaging": {"echoPerMinute": 0}})"), "webMessaging.echoPerMinute: must be in (0, 1000000]");
  EXPECT_EQ(error(R"({"webMessaging": {"echoBurst": 0}})"), "webMessaging.echoBurst: must be 1 to 1000000");
  EXPECT_EQ(error(R"({"webMessaging": {"autoStart": "yes"}})"), "webMessaging.autoStart: expected boolean");
  EXPECT_EQ(error(R"({"webMessaging": {"echoes": 1}})"), "webMessaging.echoes: unknown setting");
  EXPECT_EQ(error(R"({"deployments": [{"id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "status": "Paused"}]})"),
            "deployments[0].status: expected Active or Inactive");
  EXPECT_EQ(error(R"({"deployments": [{"id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "autoStart": 1}]})"),
            "deployments[0].autoStart: expected boolean");
  EXPECT_EQ(error(R"({"deployments": ["a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
                                      {"id": "A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D"}]})"),
            "deployments[1].id: listed twice");
  EXPECT_EQ(error(R"({"bot": {"quickReplies": [{"text": "Yes"}]}})"), "bot.quickReplies[0].payload: required");
  EXPECT_EQ(error(R"({"bot": {"quickReplies": [{"text": "", "payload": "p"}]}})"),
            "bot.quickReplies[0].text: must not be empty");
  EXPECT_EQ(error(R"({"bot": {"quickReplies": [{"text": "a", "payload": "p", "url": "x"}]}})"),
            "bot.quickReplies[0].url: unknown setting");
  EXPECT_EQ(error(R"({"bot": {"quickReplies": ["Yes"]}})"),
            "bot.quickReplies[0]: expected object with text and payload");
}
