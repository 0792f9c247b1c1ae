// The WebSocket upgrade's Origin header, and what a refused upgrade tells the user: a
// bare listening socket records the upgrade request and refuses it as the platform would
// (403 for an origin a deployment does not allow, 404 for an unknown deployment).
#include "client_fixture.h"
#include "support/raw_http.h"

namespace tracechat::testing {
namespace {

using test_support::RawMessage;
using test_support::ScriptedUpstream;

constexpr const char* kWebMessagingPath = "/v1?deploymentId=a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";

// A server that answers every upgrade with `status`, and the session that tried it.
struct Refusal {
  explicit Refusal(int status)
      : server([status](const RawMessage&, int) { return ScriptedUpstream::response(status, ""); }) {}

  // Opens a session on `path` with `origin` configured and waits for it to fail.
  std::string fail(const std::string& path, const std::string& origin = {}) {
    client::ChatSessionConfig config;
    config.url = "ws://127.0.0.1:" + std::to_string(server.port()) + path;
    config.origin = origin;
    // Only the upgrade is under test here, not the read of the deployment's config.json.
    config.web_messaging_auto_start = client::AutoStart::off;
    auto session = ChatSession::open(config, recorder.callback());
    EXPECT_TRUE(session.ok()) << (session.ok() ? "" : session.error().message);
    if (!session.ok()) return {};
    EXPECT_TRUE((*session)->wait_finished(10s)) << recorder.transcript();
    EXPECT_EQ((*session)->state(), SessionState::failed);
    return (*session)->info().failure;
  }
  // The Origin header of each upgrade request; "(none)" where there was none.
  std::vector<std::string> origins() const {
    std::vector<std::string> out;
    for (const auto& r : server.requests()) out.push_back(r.count("origin") == 1 ? r.header("origin") : "(none)");
    return out;
  }

  ScriptedUpstream server;
  Recorder recorder;
};

TEST(UpgradeOrigin, TheDefaultIsHttpsAndTheUrlsHostInBothDialects) {
  Refusal refusal(403);
  refusal.fail(kWebMessagingPath);
  refusal.fail(guest_path());
  EXPECT_EQ(refusal.origins(), (std::vector<std::string>{"https://127.0.0.1", "https://127.0.0.1"}));
}

TEST(UpgradeOrigin, TheConfiguredOriginIsSent) {
  Refusal refusal(403);
  refusal.fail(kWebMessagingPath, "https://shop.example.com/");  // the trailing '/' is not part of an origin
  refusal.fail(guest_path(), "http://127.0.0.1:3000");
  // As a browser serializes it: lower case, no default port.
  refusal.fail(guest_path(), "HTTPS://Shop.Example.COM:443");
  EXPECT_EQ(refusal.origins(), (std::vector<std::string>{"https://shop.example.com", "http://127.0.0.1:3000",
                                                         "https://shop.example.com"}));
}

TEST(UpgradeOrigin, A403FailsAtOnceNamingTheOriginAndHowToChangeIt) {
  Refusal refusal(403);
  const auto failure = refusal.fail(kWebMessagingPath, "https://shop.example.com");
  EXPECT_NE(failure.find("the platform refused the connection to ws://127.0.0.1:"), std::string::npos) << failure;
  EXPECT_NE(failure.find("(HTTP 403): this deployment does not allow the origin https://shop.example.com; "
                         "pass --origin with one of its allowed domains"),
            std::string::npos)
      << failure;
  EXPECT_EQ(refusal.server.connections(), 1) << "a refused upgrade is not retried";
}

TEST(UpgradeOrigin, A404NamesTheDeployment) {
  Refusal refusal(404);
  const auto failure = refusal.fail(kWebMessagingPath);
  EXPECT_NE(failure.find("(HTTP 404): it has no deployment a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d; check the "
                         "deployment id and the region"),
            std::string::npos)
      << failure;
}

TEST(UpgradeOrigin, OtherRefusalsKeepTheStatus) {
  Refusal refusal(400);
  const auto failure = refusal.fail(kWebMessagingPath);
  EXPECT_NE(failure.find("refused the WebSocket upgrade with HTTP 400"), std::string::npos) << failure;
}

TEST(UpgradeOrigin, AnOriginThatIsNotSchemeHostPortIsAConfigError) {
  for (const std::string bad : {"shop.example.com", "https://shop.example.com/page", "https://shop.example.com?x=1",
                                "wss://shop.example.com", "https://user@shop.example.com",
                                "https://shop.example.com\r\nX-Admin: true", "null", "https://shop.example.com#top"}) {
    client::ChatSessionConfig config;
    config.url = std::string("ws://127.0.0.1:1") + kWebMessagingPath;
    config.origin = bad;
    auto session = ChatSession::open(config);
    ASSERT_FALSE(session.ok()) << bad;
    EXPECT_TRUE(session.error().message.starts_with("origin '")) << session.error().message;
  }
}

}  // namespace
}  // namespace tracechat::testing
