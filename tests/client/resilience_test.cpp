// The chat client when things go wrong: rate limits, cut connections, idle timeouts,
// and TLS it must or must not trust.
#include <thread>

#include "client_fixture.h"
#include "support/self_signed.h"
#include "support/tcp_proxy.h"

namespace tracechat::testing {
namespace {

using client::MessageDelivered;
using client::MessageReceived;

// The bodies of messages received from `role` (this session's own: "guest") in order.
std::vector<std::string> bodies_from(const std::vector<SessionEvent>& events, const std::string& role) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (const auto* m = std::get_if<MessageReceived>(&e); m && m->sender_role == role) out.push_back(m->body);
  }
  return out;
}

std::vector<std::string> bodies_from_all(Recorder& r, const std::string& role) {
  std::vector<std::string> out;
  for (const auto& m : r.all<MessageReceived>()) {
    if (m.sender_role == role) out.push_back(m.body);
  }
  return out;
}

std::vector<std::string> own_bodies(Recorder& r) {
  std::vector<std::string> out;
  for (const auto& m : r.all<MessageReceived>()) {
    if (m.own) out.push_back(m.body);
  }
  return out;
}

std::vector<std::string> numbered(int n) {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) out.push_back("message " + std::to_string(i));
  return out;
}

// Sends `bodies` from another thread, `pause` apart (and again while the queue is full),
// while this one cuts every connection through `proxy` `cuts` times, `cut_every` apart.
void send_while_cutting(ChatSession& session, test_support::TcpProxy& proxy, const std::vector<std::string>& bodies,
                        std::chrono::milliseconds pause, int cuts, std::chrono::milliseconds cut_every) {
  std::thread sender([&] {
    for (const auto& body : bodies) {
      while (!session.send(body).ok()) {
        if (session.state() == SessionState::failed) return;
        std::this_thread::sleep_for(1ms);
      }
      std::this_thread::sleep_for(pause);
    }
  });
  for (int cut = 0; cut < cuts; ++cut) {
    std::this_thread::sleep_for(cut_every);
    proxy.cut_all();
  }
  sender.join();
}

class RateLimitTest : public ClientTest {};

TEST_F(RateLimitTest, FiftyMessagesInABurstArriveOnceInOrderAtTwoPerSecond) {
  // The default limits: 2 messages per second, a burst of 4. 50 messages take ~23 s.
  Recorder r;
  auto session = open(config_for(guest_chat_url()), r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  for (const auto& body : numbered(50)) ASSERT_TRUE(session->send(body).ok());
  ASSERT_TRUE(r.wait_count<MessageDelivered>(50, 60s)) << r.transcript();
  // The server's own copies, in order, each once: nothing was refused with a 429,
  // because the client paced itself with the limit the server advertised.
  ASSERT_TRUE(r.wait([&](const auto& events) { return bodies_from(events, "guest").size() >= 50; }, 10s));
  EXPECT_EQ(own_bodies(r), numbered(50));
  EXPECT_TRUE(r.all<client::RateLimited>().empty()) << r.transcript();
  EXPECT_TRUE(r.all<client::MessageFailed>().empty());
  EXPECT_GT(session->info().rate_limit_waits, 0u);
  EXPECT_EQ(session->info().queued_messages, 0u);
}

class FastWebMessagingTest : public ClientTest {
  void configure(emulator::EmulatorOptions& o) override {
    o.config.limits.messages_per_second = 10;
    o.config.limits.message_burst = 2;
    o.config.bot.enabled = false;
  }
};

TEST_F(FastWebMessagingTest, TooManyRequestsIsWaitedOutAndResent) {
  // A client that believes the limit is higher than it is meets 429s with retryAfter:
  // it waits, resends, and loses nothing.
  Recorder r;
  auto config = config_for(web_messaging_url());
  config.web_messaging_messages_per_second = 1000;
  config.web_messaging_burst = 1000;
  auto session = open(config, r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  for (const auto& body : numbered(20)) ASSERT_TRUE(session->send(body).ok());
  ASSERT_TRUE(r.wait_count<MessageDelivered>(20, 60s)) << r.transcript();
  ASSERT_TRUE(r.wait([&](const auto& events) { return bodies_from(events, "guest").size() >= 20; }, 10s));
  EXPECT_FALSE(r.all<client::RateLimited>().empty()) << "the server should have limited this client";
  EXPECT_EQ(own_bodies(r), numbered(20));
  EXPECT_TRUE(r.all<client::MessageFailed>().empty());
}

class CutConnectionTest : public ClientTest {
  void configure(emulator::EmulatorOptions& o) override {
    o.config.limits.messages_per_second = 200;
    o.config.limits.message_burst = 20;
    o.config.bot.reply_delay = std::chrono::milliseconds(1);
  }
};

TEST_F(CutConnectionTest, ResumesAfterCutsWithNoLossAndNoDuplicate) {
  test_support::TcpProxy proxy(start().port());
  Recorder r;
  auto session = open(proxied_config(proxy.port()), r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  const auto conversation = session->info().conversation_id;
  const auto bodies = numbered(60);
  // Cut the link several times while messages and bot replies are in flight.
  send_while_cutting(*session, proxy, bodies, 2ms, 4, 30ms);
  ASSERT_TRUE(r.wait_count<MessageDelivered>(60, 30s)) << r.transcript();
  // Every bot reply too, replayed where the cut lost it: each exactly once.
  ASSERT_TRUE(r.wait(
      [&](const auto& events) {
        return bodies_from(events, "bot").size() >= 60 && bodies_from(events, "guest").size() >= 60;
      },
      20s))
      << r.transcript();
  EXPECT_EQ(own_bodies(r), bodies);
  std::vector<std::string> expected_replies;
  for (const auto& b : bodies) expected_replies.push_back("You said: " + b);
  EXPECT_EQ(bodies_from_all(r, "bot"), expected_replies);
  const auto info = session->info();
  EXPECT_EQ(info.conversation_id, conversation) << "the same conversation, resumed";
  EXPECT_GE(info.reconnects, 1u);
  EXPECT_GE(proxy.connections_accepted(), 2u);
  for (const auto& c : r.all<client::Connected>()) EXPECT_EQ(c.conversation_id, conversation);
  EXPECT_TRUE(r.all<client::MessageFailed>().empty());
  EXPECT_EQ(session->state(), SessionState::active);
}

TEST_F(CutConnectionTest, AConversationThatCannotBeResumedIsReplacedAndGetsTheContextAgain) {
  test_support::TcpProxy proxy(start().port());
  Recorder r;
  auto session = open(proxied_config(proxy.port()), r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  const auto first = session->info().conversation_id;
  // The platform loses everything (a new database); the client's resume token means nothing now.
  emulator_.reset();
  options_.db = dir_ / "other.sqlite";
  proxy.set_target(start().port());
  proxy.cut_all();
  ASSERT_TRUE(r.wait_count<client::Connected>(2, 20s)) << r.transcript();
  ASSERT_TRUE(r.wait_count<client::ContextAttached>(2, 10s)) << r.transcript();
  const auto warnings = r.all<client::Warning>();
  ASSERT_EQ(warnings.size(), 1u) << r.transcript();
  EXPECT_EQ(warnings[0].code, "resume-refused");
  const auto second = session->info().conversation_id;
  EXPECT_NE(second, first);
  EXPECT_EQ(str(guest_attributes(second), "otel_trace_id"), session->context().trace_id.hex());
  ASSERT_TRUE(session->send("still there?").ok());
  ASSERT_TRUE(r.wait_count<MessageDelivered>(1)) << r.transcript();
}

TEST_F(CutConnectionTest, WebMessagingReconfiguresTheSameSessionAndResendsWhatWasInFlight) {
  test_support::TcpProxy proxy(start().port());
  Recorder r;
  auto config = proxied_config(proxy.port());
  config.url = "ws://127.0.0.1:" + std::to_string(proxy.port()) + web_messaging_path();
  config.web_messaging_messages_per_second = 100;
  config.web_messaging_burst = 10;
  auto session = open(config, r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  const auto token = session->info().session_id;
  const auto bodies = numbered(30);
  send_while_cutting(*session, proxy, bodies, 3ms, 3, 25ms);
  ASSERT_TRUE(r.wait_count<MessageDelivered>(30, 30s)) << r.transcript();
  ASSERT_TRUE(r.wait_messages_from("guest", 30, 10s)) << r.transcript();
  EXPECT_EQ(own_bodies(r), bodies) << "each once, in order, as the guest sees them";
  EXPECT_GE(session->info().reconnects, 1u);
  for (const auto& c : r.all<client::Connected>()) EXPECT_EQ(c.session_id, token);
  EXPECT_EQ(r.all<client::ContextAttached>().size(), 1u) << "a resumed session already has its context";
  EXPECT_TRUE(r.all<client::MessageFailed>().empty());
}

class ShortIdleTimeoutTest : public ClientTest {
  void configure(emulator::EmulatorOptions& o) override { o.config.limits.idle_timeout_seconds = 1; }
};

TEST_F(ShortIdleTimeoutTest, TheHeartbeatKeepsAnIdleSessionAlive) {
  Recorder r;
  auto session = open(config_for(guest_chat_url()), r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  std::this_thread::sleep_for(3500ms);  // three and a half idle timeouts
  EXPECT_EQ(session->state(), SessionState::active);
  EXPECT_EQ(session->info().reconnects, 0u) << r.transcript();
  EXPECT_FALSE(r.wait_state(SessionState::reconnecting, 1ms));
  ASSERT_TRUE(session->send("still here").ok());
  ASSERT_TRUE(r.wait_count<MessageDelivered>(1));
}

class TlsClientTest : public ClientTest {
 protected:
  void configure(emulator::EmulatorOptions& o) override {
    ASSERT_TRUE(cert_.ok);
    o.tls_cert_file = cert_.cert.string();
    o.tls_key_file = cert_.key.string();
  }
  std::string wss_url() { return "wss://127.0.0.1:" + std::to_string(start().port()) + guest_path(); }
  test_support::SelfSigned cert_;
};

TEST_F(TlsClientTest, ASelfSignedServerIsTrustedOnlyThroughTheOption) {
  Recorder trusted;
  auto config = config_for(wss_url());
  config.tls.ca_file = cert_.cert.string();
  auto ok = open(config, trusted);
  ASSERT_TRUE(trusted.wait_state(SessionState::active)) << trusted.transcript();
  ASSERT_TRUE(ok->send("over tls").ok());
  ASSERT_TRUE(trusted.wait_count<MessageDelivered>(1));

  Recorder refused;
  auto bad = open(config_for(wss_url()), refused);
  ASSERT_TRUE(bad->wait_finished(10s)) << refused.transcript();
  EXPECT_EQ(bad->state(), SessionState::failed);
  EXPECT_NE(bad->info().failure.find("certificate"), std::string::npos) << bad->info().failure;
}

}  // namespace
}  // namespace tracechat::testing
