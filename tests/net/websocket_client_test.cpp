// net::WebSocketClient against the emulator: plain and TLS, refusals, both ways of closing.
#include "tracechat/net/websocket_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>

#include "emulator/emulator_fixture.h"
#include "support/self_signed.h"

using namespace tracechat::testing;
using namespace std::chrono_literals;
namespace net = tracechat::net;

namespace {

// A client whose frames and close land in futures the test can wait on.
struct Probe {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::string> frames;
  std::optional<net::WebSocketClosed> closed;
  std::shared_ptr<net::WebSocketClient> client;

  // The callbacks point here: the connection must be gone before this is.
  ~Probe() {
    if (!client) return;
    client->abort();
    wait_closed();
  }

  net::WebSocketClientCallbacks callbacks() {
    return {[this](std::string text) {
              std::lock_guard lock(mutex);
              frames.push_back(std::move(text));
              cv.notify_all();
            },
            [this](const net::WebSocketClosed& c) {
              std::lock_guard lock(mutex);
              closed = c;
              cv.notify_all();
            }};
  }
  // The first frame (of those received so far or within 5 s) that contains `needle`.
  std::string frame_with(const std::string& needle) {
    std::unique_lock lock(mutex);
    std::string found = "<none>";
    cv.wait_for(lock, 5s, [&] {
      for (const auto& f : frames) {
        if (f.find(needle) != std::string::npos) return found = f, true;
      }
      return false;
    });
    return found;
  }
  std::string frame(std::size_t index) {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, 5s, [&] { return frames.size() > index; });
    return frames.size() > index ? frames[index] : "<none>";
  }
  net::WebSocketClosed wait_closed() {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, 5s, [&] { return closed.has_value(); });
    return closed.value_or(net::WebSocketClosed{-1, "not closed"});
  }
};

// Connects and waits; empty failure message on success.
net::ConnectFailure open_client(net::EventLoop& loop, const std::string& url, Probe& probe,
                                net::WebSocketClientOptions options = {}) {
  auto parsed = tracechat::net::Url::parse(url);
  EXPECT_TRUE(parsed.ok()) << url;
  std::promise<net::ConnectFailure> done;
  net::WebSocketClient::connect(loop, *parsed, std::move(options), probe.callbacks(), [&](auto result) {
    if (result.ok()) {
      probe.client = *result;
      done.set_value({});
    } else {
      done.set_value(result.error());
    }
  });
  return done.get_future().get();
}

const char* kConnect = R"({"command":"connect","requestId":"c1","displayName":"Ada"})";

class WebSocketClientTest : public EmulatorTest {
 protected:
  net::EventLoop loop_;
};

}  // namespace

TEST_F(WebSocketClientTest, TalksToTheServerAndClosesCleanly) {
  Probe probe;
  ASSERT_EQ(open_client(loop_, start().ws_url() + guest_path(), probe).message, "");
  probe.client->send(kConnect);
  EXPECT_NE(probe.frame(0).find(R"("type":"connected")"), std::string::npos);
  probe.client->close(net::CloseCode::normal, "bye");
  const auto closed = probe.wait_closed();
  EXPECT_EQ(closed.code, 1000) << closed.reason;
}

TEST_F(WebSocketClientTest, ReportsTheServersCloseCodeAndReason) {
  Probe probe;
  ASSERT_EQ(open_client(loop_, start().http_url() + guest_path(), probe).message, "");  // http:// means ws://
  probe.client->send(kConnect);
  probe.client->send(R"({"command":"disconnect","requestId":"d1"})");
  const auto closed = probe.wait_closed();
  EXPECT_EQ(closed.code, 1000);
  EXPECT_EQ(closed.reason, "guest-left");
}

TEST_F(WebSocketClientTest, AbortLooksLikeALostConnection) {
  Probe probe;
  ASSERT_EQ(open_client(loop_, start().ws_url() + guest_path(), probe).message, "");
  probe.client->abort();
  const auto closed = probe.wait_closed();
  EXPECT_EQ(closed.code, 0);
  EXPECT_NE(closed.reason.find("connection lost"), std::string::npos) << closed.reason;
}

TEST_F(WebSocketClientTest, RefusedUpgradesAndUnreachableServersAreClearErrors) {
  Probe probe;
  auto refused = open_client(loop_, start().ws_url() + "/v1/not-a-uuid/guest/x/connect", probe);
  EXPECT_EQ(refused.http_status, 400);
  EXPECT_NE(refused.message.find("HTTP 400"), std::string::npos) << refused.message;
  const auto port = start().port();
  emulator_.reset();  // nothing listens there now
  auto unreachable = open_client(loop_, "ws://127.0.0.1:" + std::to_string(port) + "/v1", probe);
  EXPECT_NE(unreachable.message.find("cannot connect to ws://127.0.0.1:" + std::to_string(port)), std::string::npos)
      << unreachable.message;
  EXPECT_EQ(unreachable.http_status, 0);
}

// A message larger than the buffer the client masks its frames in is still one frame,
// and a server message larger than the read the client waits with arrives whole: the
// emulator's answer names the exact size it received.
TEST_F(WebSocketClientTest, LargeMessagesTravelAsOneFrameEachWay) {
  Probe probe;
  ASSERT_EQ(open_client(loop_, start().ws_url() + guest_path(), probe).message, "");
  probe.client->send(kConnect);
  const std::string connected = probe.frame(0);
  EXPECT_GT(connected.size(), 64u) << "longer than the first read";
  EXPECT_EQ(connected.front(), '{');
  EXPECT_EQ(connected.back(), '}');
  const std::string big(150000, 'x');  // over 64 KiB: masked and written in pieces
  probe.client->send(big);
  EXPECT_NE(probe.frame_with("frame-too-large").find("frame of 150000 bytes"), std::string::npos);
  probe.client->send(R"({"command":"ping","requestId":"p1"})");  // the connection still works
  EXPECT_NE(probe.frame_with(R"("requestId":"p1")"), "<none>");
}

// A server that takes the TCP connection and never answers the upgrade: the connect
// timeout covers it, and the error says so.
TEST_F(WebSocketClientTest, ASilentServerIsATimeoutThatSaysSo) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 4), 0);  // the kernel completes the handshake; nobody reads
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  Probe probe;
  net::WebSocketClientOptions options;
  options.connect_timeout = 300ms;
  const auto failure =
      open_client(loop_, "ws://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/v1", probe, options);
  ::close(listener);
  EXPECT_NE(failure.message.find("no answer within 300 ms"), std::string::npos) << failure.message;
  EXPECT_EQ(failure.http_status, 0);
}

class WebSocketClientTls : public WebSocketClientTest {
 protected:
  void configure(tracechat::emulator::EmulatorOptions& o) override {
    ASSERT_TRUE(cert_.ok);
    o.tls_cert_file = cert_.cert.string();
    o.tls_key_file = cert_.key.string();
  }
  tracechat::test_support::SelfSigned cert_;
};

TEST_F(WebSocketClientTls, WssWorksWhenTheCertificateIsTrustedAndIsRefusedOtherwise) {
  Probe trusted;
  net::WebSocketClientOptions options;
  options.tls.ca_file = cert_.cert.string();
  ASSERT_EQ(open_client(loop_, start().ws_url() + guest_path(), trusted, options).message, "");
  trusted.client->send(kConnect);
  EXPECT_NE(trusted.frame(0).find(R"("type":"connected")"), std::string::npos);

  Probe untrusted;
  auto refused = open_client(loop_, start().ws_url() + guest_path(), untrusted);
  EXPECT_NE(refused.message.find("TLS handshake"), std::string::npos) << refused.message;
  EXPECT_NE(refused.message.find("certificate verify failed"), std::string::npos) << refused.message;

  Probe wrong_name;  // trusted, but issued for another host
  tracechat::test_support::SelfSigned other("DNS:elsewhere.example");
  net::WebSocketClientOptions other_options;
  other_options.tls.ca_file = other.cert.string();
  auto mismatch = open_client(loop_, start().ws_url() + guest_path(), wrong_name, other_options);
  EXPECT_NE(mismatch.message.find("TLS handshake"), std::string::npos) << mismatch.message;

  Probe missing_ca;
  net::WebSocketClientOptions missing;
  missing.tls.ca_file = "/nonexistent/ca.pem";
  EXPECT_NE(
      open_client(loop_, start().ws_url() + guest_path(), missing_ca, missing).message.find("cannot load CA file"),
      std::string::npos);
}
