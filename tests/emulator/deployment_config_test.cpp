// The deployment configuration endpoint (GET /webdeployments/v1/deployments/<id>/config.json,
// the CDN's document), an Inactive deployment's refused upgrade, and the log line of
// every refused Web Messaging upgrade.
#include "tracechat/protocol/deployment_config.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "support/raw_http.h"
#include "tracechat/net/url.h"
#include "web_messaging_fixture.h"

using namespace tracechat::testing;
namespace emulator = tracechat::emulator;
namespace wm = tracechat::protocol::web_messaging;

namespace {

constexpr const char* kAutoStart = "0a0b0c0d-1e1f-4a2b-8c3d-4e5f6a7b8c9d";
constexpr const char* kInactive = "99999999-9999-4999-8999-999999999999";
constexpr const char* kRestricted = "12345678-1234-4234-8234-123456789abc";
constexpr const char* kUnknown = "deadbeef-0000-4000-8000-000000000000";

class DeploymentConfig : public WebMessagingTest {
 protected:
  void configure(emulator::EmulatorOptions& o) override {
    log_path_ = dir_ / "emulator.log";
    log_ = std::fopen(log_path_.c_str(), "w");
    o.log = log_;
    auto config = emulator::parse_config(std::string(R"({"deployments": [")") + kDeployment + R"(",
        {"id": ")" + kAutoStart + R"(", "autoStart": true},
        {"id": ")" + kInactive + R"(", "status": "Inactive"},
        {"id": ")" + kRestricted + R"(", "allowedOrigins": ["https://shop.example.com"]}]})");
    ASSERT_TRUE(config.ok()) << config.error().message;
    o.config.deployments = config->deployments;
    o.config.deployment_settings = config->deployment_settings;
    o.config.allowed_origins = config->allowed_origins;
  }
  void TearDown() override {
    WebMessagingTest::TearDown();
    if (log_ != nullptr) std::fclose(log_);
  }
  std::string log_text() {
    std::fflush(log_);
    std::ifstream in(log_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  // The upgrade's answer to a raw request (its status line first).
  std::string upgrade(const std::string& target, const std::string& origin = "") {
    std::string request = "GET " + target +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    if (!origin.empty()) request += "Origin: " + origin + "\r\n";
    request += "\r\n";
    return tracechat::test_support::raw_exchange(start().port(), request, false, std::chrono::milliseconds(500));
  }
  static int status_of(const std::string& answer) {
    const auto space = answer.find(' ');
    return space == std::string::npos ? 0 : std::atoi(answer.c_str() + space + 1);
  }

  std::filesystem::path log_path_;
  std::FILE* log_ = nullptr;
};

class OpenDeployments : public WebMessagingTest {
  void configure(emulator::EmulatorOptions& o) override { o.config.web_messaging.auto_start = true; }
};

std::string config_path(const std::string& id) { return wm::deployment_config_path(id); }

}  // namespace

TEST_F(DeploymentConfig, ServesEachDeploymentsConfigWithoutAuthentication) {
  auto r = http_raw("GET", config_path(kAutoStart));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Access-Control-Allow-Origin").value_or(""), "*");
  EXPECT_EQ(r.header("Content-Type").value_or("").substr(0, 16), "application/json");
  auto document = wm::parse_deployment_config(r.body);
  ASSERT_TRUE(document.ok()) << document.error().message;
  EXPECT_EQ(document->id, kAutoStart);
  EXPECT_EQ(document->status, "Active");
  EXPECT_TRUE(document->auto_start);
  EXPECT_TRUE(document->messenger_enabled);
  const std::string host = "127.0.0.1:" + std::to_string(start().port());
  EXPECT_EQ(document->messaging_endpoint, "ws://" + host);
  EXPECT_EQ(document->api_endpoint, "http://" + host);

  // The messaging endpoint is where the WebSocket is.
  auto url = tracechat::net::Url::parse(document->messaging_endpoint);
  ASSERT_TRUE(url.ok());
  auto ws = RawWsClient::connect(url->port, std::string("/v1?deploymentId=") + kAutoStart);
  ASSERT_NE(ws, nullptr);

  // The platform's default: no auto-start.
  auto plain = wm::parse_deployment_config(http_raw("GET", config_path(kDeployment)).body);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->auto_start);
  EXPECT_EQ(plain->status, "Active");
}

TEST_F(DeploymentConfig, UnknownOrMalformedDeploymentsAreNotFound) {
  auto unknown = http_raw("GET", config_path(kUnknown));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.header("Access-Control-Allow-Origin").value_or(""), "*");
  boost::system::error_code ec;
  EXPECT_TRUE(json::parse(unknown.body, ec).is_object()) << unknown.body;
  EXPECT_EQ(http_raw("GET", config_path("not-a-uuid")).status, 404);
  EXPECT_EQ(http_raw("GET", "/webdeployments/v1/deployments//config.json").status, 404);
  auto post = http_raw("POST", config_path(kDeployment), "{}");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.header("Allow").value_or(""), "GET");
}

TEST_F(DeploymentConfig, AnInactiveDeploymentSaysSoAndRefusesTheUpgrade) {
  auto document = wm::parse_deployment_config(http_raw("GET", config_path(kInactive)).body);
  ASSERT_TRUE(document.ok());
  EXPECT_EQ(document->status, "Inactive");
  int refused = 0;
  EXPECT_EQ(open(std::string("/v1?deploymentId=") + kInactive, &refused), nullptr);
  EXPECT_EQ(refused, 404);
}

TEST_F(OpenDeployments, EveryDeploymentIsServedInOpenModeWithTheDefaults) {
  auto r = http_raw("GET", config_path(kUnknown));
  ASSERT_EQ(r.status, 200) << r.body;
  auto document = wm::parse_deployment_config(r.body);
  ASSERT_TRUE(document.ok());
  EXPECT_TRUE(document->auto_start);  // webMessaging.autoStart
  EXPECT_EQ(document->status, "Active");
  EXPECT_EQ(http_raw("GET", config_path("not-a-uuid")).status, 404);
}

TEST_F(DeploymentConfig, EveryRefusedUpgradeIsLoggedWithItsReasonAndNoToken) {
  const std::string secret = "5ec2e7-session-token-never-logged";
  EXPECT_EQ(status_of(upgrade(std::string("/v1?deploymentId=") + kUnknown + "&token=" + secret)), 404);
  EXPECT_EQ(status_of(upgrade("/v1?deploymentId=not-a-uuid&token=" + secret)), 400);
  EXPECT_EQ(status_of(upgrade(std::string("/v1?deploymentId=") + kRestricted, "https://evil.example.com")), 403);
  EXPECT_EQ(status_of(upgrade(std::string("/v1?deploymentId=") + kInactive)), 404);
  EXPECT_EQ(status_of(upgrade("/v1?token=" + secret)), 400);

  const std::string log = log_text();
  std::vector<std::string> refusals;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("event=upgrade-refused") != std::string::npos) refusals.push_back(line);
  }
  ASSERT_EQ(refusals.size(), 5u) << log;
  const auto has = [](const std::string& line, const std::string& part) {
    return line.find(part) != std::string::npos;
  };
  EXPECT_TRUE(has(refusals[0], "status=404") && has(refusals[0], "reason=\"unknown deployment\"") &&
              has(refusals[0], std::string("deployment=") + kUnknown) && has(refusals[0], "remote=127.0.0.1"))
      << refusals[0];
  EXPECT_TRUE(has(refusals[1], "status=400") && has(refusals[1], "deploymentId must be a UUID") &&
              has(refusals[1], "deployment=not-a-uuid"))
      << refusals[1];
  EXPECT_TRUE(has(refusals[2], "status=403") && has(refusals[2], "origin not allowed") &&
              has(refusals[2], "origin=https://evil.example.com"))
      << refusals[2];
  EXPECT_TRUE(has(refusals[3], "status=404") && has(refusals[3], "deployment is inactive")) << refusals[3];
  EXPECT_TRUE(has(refusals[4], "status=400") && has(refusals[4], "dialect=web-messaging")) << refusals[4];
  EXPECT_EQ(log.find(secret), std::string::npos) << log;
}
