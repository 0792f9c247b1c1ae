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
  EXPECT_EQ(error(R"({"deployments": [7]})"),
            "deployments[0]: expected a UUID or an object with id and allowedOrigins");
  EXPECT_EQ(error(R"({"deployments": ["acme"]})"), "deployments[0]: expected a UUID");
}
