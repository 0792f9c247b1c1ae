// Deployments with allowedOrigins: a Web Messaging upgrade from another origin, or with
// none, is refused with 403 before the upgrade.
#include "emulator_fixture.h"
#include "support/raw_http.h"

using namespace tracechat::testing;
namespace emulator = tracechat::emulator;

namespace {

constexpr const char* kOpenDeployment = "0a0b0c0d-1e1f-4a2b-8c3d-4e5f6a7b8c9d";

class AllowedOrigins : public EmulatorTest {
 protected:
  void configure(emulator::EmulatorOptions& o) override {
    auto config =
        emulator::parse_config(std::string(R"({"deployments": [)") + R"({"id": ")" + kDeployment +
                               R"(", "allowedOrigins": ["https://Shop.Example.com", "http://localhost:8080"]}, ")" +
                               kOpenDeployment + R"("]})");
    ASSERT_TRUE(config.ok()) << config.error().message;
    o.config.deployments = config->deployments;
    o.config.allowed_origins = config->allowed_origins;
  }
  // The upgrade's status line, with `origin` as the Origin header (none when empty).
  int upgrade_status(const std::string& deployment, const std::string& origin) {
    std::string request = "GET /v1?deploymentId=" + deployment +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    if (!origin.empty()) request += "Origin: " + origin + "\r\n";
    request += "\r\n";
    const auto answer =
        tracechat::test_support::raw_exchange(start().port(), request, false, std::chrono::milliseconds(500));
    const auto space = answer.find(' ');
    return space == std::string::npos ? 0 : std::atoi(answer.c_str() + space + 1);
  }
};

}  // namespace

TEST_F(AllowedOrigins, OnlyListedOriginsMayOpenWebMessaging) {
  EXPECT_EQ(upgrade_status(kDeployment, "https://shop.example.com"), 101);
  EXPECT_EQ(upgrade_status(kDeployment, "HTTPS://SHOP.EXAMPLE.COM:443"), 101);  // scheme and host: any case
  EXPECT_EQ(upgrade_status(kDeployment, "http://localhost:8080"), 101);
  EXPECT_EQ(upgrade_status(kDeployment, ""), 403);
  EXPECT_EQ(upgrade_status(kDeployment, "https://evil.example.com"), 403);
  EXPECT_EQ(upgrade_status(kDeployment, "http://shop.example.com"), 403);  // another scheme
  EXPECT_EQ(upgrade_status(kDeployment, "https://shop.example.com:8443"), 403);
  EXPECT_EQ(upgrade_status(kDeployment, "http://localhost"), 403);
  EXPECT_EQ(upgrade_status(kDeployment, "null"), 403);
  // A deployment without a list takes any origin, or none.
  EXPECT_EQ(upgrade_status(kOpenDeployment, ""), 101);
  EXPECT_EQ(upgrade_status(kOpenDeployment, "https://evil.example.com"), 101);
  int refused = 0;
  EXPECT_EQ(open(web_messaging_path(), &refused), nullptr);
  EXPECT_EQ(refused, 403);
}

TEST(OriginNormalization, SchemeHostAndPortOnly) {
  using emulator::normalize_origin;
  EXPECT_EQ(normalize_origin("https://Shop.Example.COM"), "https://shop.example.com");
  EXPECT_EQ(normalize_origin("https://shop.example.com:443/"), "https://shop.example.com");
  EXPECT_EQ(normalize_origin("http://shop.example.com:80"), "http://shop.example.com");
  EXPECT_EQ(normalize_origin("http://shop.example.com:08080"), "http://shop.example.com:8080");
  EXPECT_EQ(normalize_origin("http://[::1]:3000"), "http://[::1]:3000");
  for (const char* bad : {"shop.example.com", "ftp://shop.example.com", "https://", "https://shop.example.com/path",
                          "https://user@shop.example.com", "https://shop.example.com:",
                          "https://shop.example.com:99999", "https://a:b:c", "null", "https://shop.example.com?x"}) {
    EXPECT_FALSE(normalize_origin(bad)) << bad;
  }
}
