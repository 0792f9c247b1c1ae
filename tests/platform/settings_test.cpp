// Regions, hosts and where the settings come from (flags over the environment), and the
// readers of the API's answers.
#include "tracechat/platform/settings.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "tracechat/platform/records.h"

namespace tracechat::platform {
namespace {

Environment env_of(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

TEST(Regions, EveryRegionOfTheSdksWithItsThreeHosts) {
  EXPECT_EQ(known_regions().size(), 17u);
  auto hosts = hosts_for_region("us-west-2");
  ASSERT_TRUE(hosts.ok());
  EXPECT_EQ(hosts->api.origin(), "https://api.usw2.pure.cloud:443");
  EXPECT_EQ(hosts->login.origin(), "https://login.usw2.pure.cloud:443");
  EXPECT_EQ(hosts->web_messaging, "wss://webmessaging.usw2.pure.cloud");
  EXPECT_EQ(hosts_for_region("EU-WEST-1")->api.host, "api.mypurecloud.ie");
  EXPECT_EQ(hosts_for_region("us-east-2")->api.host, "api.use2.us-gov-pure.cloud");
  EXPECT_EQ(hosts_for_region("ap-southeast-2")->api.host, "api.mypurecloud.com.au");
}

TEST(Regions, AnUnknownRegionListsTheKnownOnes) {
  auto hosts = hosts_for_region("eu-west-9");
  ASSERT_FALSE(hosts.ok());
  for (const auto& r : known_regions()) {
    EXPECT_NE(hosts.error().message.find(std::string(r.name)), std::string::npos) << r.name;
  }
  EXPECT_NE(hosts.error().message.find("eu-west-9"), std::string::npos);
}

TEST(Regions, ABaseUrlServesAllThreeOrDerivesTheSiblingsOfAnApiHost) {
  auto local = hosts_for_base_url("http://127.0.0.1:8080");
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->api.origin(), "http://127.0.0.1:8080");
  EXPECT_EQ(local->login.origin(), "http://127.0.0.1:8080");
  EXPECT_EQ(local->web_messaging, "ws://127.0.0.1:8080");
  auto api = hosts_for_base_url("https://api.example.test:8443");
  ASSERT_TRUE(api.ok());
  EXPECT_EQ(api->login.origin(), "https://login.example.test:8443");
  EXPECT_EQ(api->web_messaging, "wss://webmessaging.example.test:8443");
  EXPECT_EQ(hosts_for_base_url("https://API.Example.test")->login.host, "login.example.test");
  EXPECT_FALSE(hosts_for_base_url("https://api.example.test/v2").ok());
  EXPECT_FALSE(hosts_for_base_url("ws://127.0.0.1:8080").ok());
  EXPECT_FALSE(hosts_for_base_url("us-west-2").ok());
}

TEST(Regions, TheWebMessagingUrlOfADeployment) {
  const auto hosts = *hosts_for_region("ca-central-1");
  EXPECT_EQ(*web_messaging_url(hosts, "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"),
            "wss://webmessaging.cac1.pure.cloud/v1?deploymentId=a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d");
  EXPECT_FALSE(web_messaging_url(hosts, "not-a-uuid&x=1").ok());
}

TEST(Settings, FlagsOverrideTheEnvironmentAndTheBaseUrlWinsOverTheRegion) {
  const auto env = env_of({{"GENESYSCLOUD_OAUTHCLIENT_ID", "env-id"},
                           {"GENESYSCLOUD_OAUTHCLIENT_SECRET", "env-secret"},
                           {"GENESYSCLOUD_REGION", "us-west-2"},
                           {"GENESYSCLOUD_API_REGION", "http://127.0.0.1:9"}});
  auto s = resolve_settings({}, env);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->hosts.api.origin(), "http://127.0.0.1:9");
  EXPECT_EQ(s->credentials.client_id, "env-id");
  EXPECT_EQ(s->credentials.client_secret, "env-secret");
  SettingsFlags flags;
  flags.region = "eu-central-1";
  flags.client_id = "flag-id";
  s = resolve_settings(flags, env);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->hosts.api.host, "api.mypurecloud.de");
  EXPECT_EQ(s->credentials.client_id, "flag-id");
  EXPECT_EQ(resolve_settings({}, env_of({{"GENESYSCLOUD_OAUTHCLIENT_ID", "i"},
                                         {"GENESYSCLOUD_OAUTHCLIENT_SECRET", "s"},
                                         {"GENESYSCLOUD_REGION", "ap-south-1"}}))
                ->hosts.api.host,
            "api.aps1.pure.cloud");
}

TEST(Settings, WhatIsMissingIsAConfigurationErrorThatSaysWhatToSet) {
  auto none = resolve_settings({}, env_of({}));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind, PlatformError::Kind::configuration);
  EXPECT_NE(none.error().message.find("GENESYSCLOUD_REGION"), std::string::npos);
  auto no_secret =
      resolve_settings({}, env_of({{"GENESYSCLOUD_REGION", "us-east-1"}, {"GENESYSCLOUD_OAUTHCLIENT_ID", "i"}}));
  ASSERT_FALSE(no_secret.ok());
  EXPECT_NE(no_secret.error().message.find("GENESYSCLOUD_OAUTHCLIENT_SECRET"), std::string::npos);
  auto unknown = resolve_settings({}, env_of({{"GENESYSCLOUD_REGION", "mars-1"}}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("GENESYSCLOUD_REGION: unknown region 'mars-1'"), std::string::npos);
  SettingsFlags both;
  both.region = "us-east-1";
  both.api_url = "http://127.0.0.1:1";
  EXPECT_FALSE(resolve_settings(both, env_of({})).ok());
}

TEST(Settings, ACredentialsFileAsTheEmulatorWritesIt) {
  const auto path = std::filesystem::temp_directory_path() / ("tracechat-credentials-" + std::to_string(getpid()));
  std::ofstream(path) << R"({"client_id": "file-id", "client_secret": "file-secret"})";
  // A file others can read is refused, as ssh refuses such a key.
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                         std::filesystem::perms::others_read);
  SettingsFlags flags;
  flags.api_url = "http://127.0.0.1:1";
  flags.credentials_file = path;
  auto open = resolve_settings(flags, env_of({}));
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.error().message.find("chmod 600"), std::string::npos) << open.error().message;
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  flags.api_url = "http://127.0.0.1:1";
  flags.credentials_file = path;
  auto s = resolve_settings(flags, env_of({{"GENESYSCLOUD_OAUTHCLIENT_SECRET", "env-secret"}}));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->credentials.client_id, "file-id");
  EXPECT_EQ(s->credentials.client_secret, "file-secret");
  std::ofstream(path) << R"({"client_id": "file-id", "client_secret": 12})";
  auto bad = resolve_settings(flags, env_of({}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("client_secret: expected string"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(Records, ReadTheAnswersAndNameTheBadField) {
  auto c = read_conversation(
      R"({"id":"c","participants":[{"id":"a","purpose":"agent","attributes":{"otel_trace_id":"agent"}},)"
      R"({"id":"g","purpose":"customer","attributes":{"otel_trace_id":"guest","n":5}}]})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(find_attribute(*c, "otel_trace_id"), "guest");  // the customer's first
  EXPECT_EQ(c->participants[1].attributes.at("n"), "5");
  EXPECT_EQ(find_attribute(*c, "missing"), std::nullopt);

  auto page = read_details_query_page(R"({"totalHits":0})");
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->conversations.empty());
  auto bad = read_details_query_page(R"({"conversations":[{"conversationId":"c","participants":[{"purpose":3}]}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("conversations[0].participants[0].purpose: expected string"), std::string::npos);

  auto jobs = read_details_job_page(R"({"conversations":[],"cursor":"","dataAvailabilityDate":"x"})");
  ASSERT_TRUE(jobs.ok());
  EXPECT_FALSE(jobs->cursor.has_value());  // an empty cursor ends the paging too
  EXPECT_FALSE(read_message_details(R"({"id":"m"})").ok());
  EXPECT_EQ(read_message_details(R"({"id":"m","conversationId":"c"})")->conversation_id, "c");
  EXPECT_FALSE(read_job_id("[1]").ok());
  EXPECT_TRUE(read_details_job_status(R"({"state":"QUEUED"})").ok());
  EXPECT_FALSE(read_details_job_status(R"({"state":"QUEUED"})")->finished());
}

}  // namespace
}  // namespace tracechat::platform
