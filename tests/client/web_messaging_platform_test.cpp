// The client against the Web Messaging platform's own rules, as the emulator enforces
// them: auto-start (a Presence Join only when the deployment's config.json says so),
// quick replies in both directions, at most 3 connections per session, and the rate of
// `echo`, which is also the heartbeat.
#include <gtest/gtest.h>

#include <thread>

#include "client/deployment_settings.h"
#include "client/endpoint.h"
#include "client_fixture.h"

namespace tracechat::testing {
namespace {

using client::AutoStart;
using client::ContextTiming;

constexpr const char* kSessionTokenForLimits = "3c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f";

class WebMessagingPlatformTest : public ClientTest {
 protected:
  // The emulator starts with the first session, so a test sets these first.
  void auto_start(bool on) { options_.config.web_messaging.auto_start = on; }
  void echo_rate(double per_minute) { options_.config.web_messaging.echo_per_minute = per_minute; }

  // Every conversation the emulator has, as an analytics details job sees them.
  std::size_t conversation_count() {
    return job_results(R"({"interval":"2000-01-01T00:00:00.000Z/2100-01-01T00:00:00.000Z"})").size();
  }

  client::ChatSessionConfig wm_config() {
    auto c = config_for(web_messaging_url());
    c.reconnect.initial_delay = 20ms;
    c.reconnect.max_delay = 200ms;
    return c;
  }
};

TEST_F(WebMessagingPlatformTest, WithoutAutoStartTheContextGoesWithTheFirstMessage) {
  Recorder r;
  auto session = open(wm_config(), r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  const auto connected = r.all<client::Connected>();
  ASSERT_EQ(connected.size(), 1u);
  EXPECT_EQ(connected[0].context_timing, ContextTiming::first_message) << "read from the deployment's config.json";
  EXPECT_EQ(session->info().context_timing, ContextTiming::first_message);
  EXPECT_TRUE(r.all<client::ContextAttached>().empty()) << r.transcript();
  EXPECT_TRUE(r.all<client::Warning>().empty()) << r.transcript();
  EXPECT_EQ(conversation_count(), 0u) << "nothing has started a conversation yet";

  ASSERT_TRUE(session->send("Where is my order?").ok());
  ASSERT_TRUE(r.wait_messages_from("bot")) << r.transcript();
  ASSERT_TRUE(r.wait_count<client::ContextAttached>(1)) << r.transcript();
  const auto attached = r.all<client::ContextAttached>()[0];
  const std::string trace_id = session->context().trace_id.hex();
  EXPECT_EQ(attached.attributes.at("otel_trace_id"), trace_id);

  const std::string conversation = conversation_with_trace(trace_id);
  ASSERT_FALSE(conversation.empty()) << "the first message carried the context";
  EXPECT_EQ(str(guest_attributes(conversation), "traceparent"), attached.attributes.at("traceparent"));
  // The message's span is the child of the session span, in the same trace, and names
  // the keys it carried.
  const auto sends = spans_named(std::string(conventions::kSendMessageSpan));
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0]->context.trace_id.hex(), trace_id);
  EXPECT_NE(sends[0]->attributes.find("chat.attributes.keys"), nullptr);
}

TEST_F(WebMessagingPlatformTest, PerMessageContextIsAttachedOnceAndThenMoves) {
  Recorder r;
  auto config = wm_config();
  config.trace.per_message_context = true;
  auto session = open(std::move(config), r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  ASSERT_TRUE(session->send("one").ok());
  ASSERT_TRUE(r.wait_messages_from("bot", 1)) << r.transcript();
  ASSERT_TRUE(session->send("two").ok());
  ASSERT_TRUE(r.wait_messages_from("bot", 2)) << r.transcript();
  EXPECT_EQ(r.all<client::ContextAttached>().size(), 1u) << "the second message moves the context, not attaches it";
  const auto sends = spans_named(std::string(conventions::kSendMessageSpan));
  ASSERT_EQ(sends.size(), 2u);
  const std::string conversation = conversation_with_trace(session->context().trace_id.hex());
  ASSERT_FALSE(conversation.empty());
  EXPECT_EQ(str(guest_attributes(conversation), "otel_span_id"), sends[1]->context.span_id.hex())
      << "the span keys follow the latest message";
}

TEST_F(WebMessagingPlatformTest, AGuestWhoNeverTypesStartsNoConversation) {
  Recorder r;
  auto session = open(wm_config(), r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  session->typing();  // would start one on the platform: not sent before a message
  session->close();
  ASSERT_TRUE(r.wait_state(SessionState::closed)) << r.transcript();
  EXPECT_EQ(conversation_count(), 0u) << r.transcript();
  EXPECT_TRUE(r.all<client::ContextAttached>().empty());
}

TEST_F(WebMessagingPlatformTest, ASessionResumedByTokenEndsItsConversationOnClose) {
  std::string conversation;
  {
    Recorder r;
    auto config = wm_config();
    config.web_messaging_token = kSessionTokenForLimits;
    auto first = open(std::move(config), r);
    ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
    ASSERT_TRUE(first->send("hello").ok());
    ASSERT_TRUE(r.wait_messages_from("bot")) << r.transcript();
    conversation = conversation_with_trace(first->context().trace_id.hex());
    ASSERT_FALSE(conversation.empty());
  }  // gone without leaving: the conversation stays open for a resume
  Recorder r;
  auto config = wm_config();
  config.web_messaging_token = kSessionTokenForLimits;
  auto resumed = open(std::move(config), r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  ASSERT_TRUE(r.all<client::Connected>().at(0).resumed);
  resumed->close();  // this process sent nothing, but the session it resumed has a conversation
  ASSERT_TRUE(r.wait_state(SessionState::closed)) << r.transcript();
  const auto ended = http_json("GET", "/api/v2/conversations/" + conversation);
  EXPECT_TRUE(ended.as_object().contains("endTime") || ended.as_object().contains("conversationEnd")) << ended;
}

TEST_F(WebMessagingPlatformTest, WithAutoStartTheContextRidesOnTheJoin) {
  auto_start(true);
  Recorder r;
  auto session = open(wm_config(), r);
  ASSERT_TRUE(r.wait_count<client::ContextAttached>(1)) << r.transcript();
  EXPECT_EQ(r.all<client::Connected>().at(0).context_timing, ContextTiming::after_handshake);
  const std::string trace_id = session->context().trace_id.hex();
  EXPECT_FALSE(conversation_with_trace(trace_id).empty()) << "the Join started it, before any message";
  // The states show the attach step between the handshake and active. (Active is
  // reported after ContextAttached: waited for, or a busy machine reads the states first.)
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  const auto states = r.states();
  ASSERT_GE(states.size(), 4u);
  EXPECT_EQ(states[2], SessionState::attaching_context);
  EXPECT_EQ(states[3], SessionState::active);
}

TEST_F(WebMessagingPlatformTest, AnExplicitChoiceWinsOverTheDeployment) {
  auto_start(true);
  Recorder r;
  auto config = wm_config();
  config.web_messaging_auto_start = AutoStart::off;
  auto session = open(std::move(config), r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  EXPECT_EQ(session->info().context_timing, ContextTiming::first_message);
  EXPECT_EQ(conversation_count(), 0u);
}

TEST_F(WebMessagingPlatformTest, AnUnreadableDeploymentConfigMeansNoAutoStartAndSaysWhy) {
  auto_start(true);
  Recorder r;
  auto config = wm_config();
  config.deployment_config_url = start().http_url() + "/no/such/config.json";
  auto session = open(std::move(config), r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  const auto warnings = r.all<client::Warning>();
  ASSERT_EQ(warnings.size(), 1u) << r.transcript();
  EXPECT_EQ(warnings[0].code, "deployment-config");
  EXPECT_NE(warnings[0].message.find("HTTP 404"), std::string::npos) << warnings[0].message;
  EXPECT_EQ(session->info().context_timing, ContextTiming::first_message) << "the choice that starts nothing";

  auto bad = wm_config();
  bad.deployment_config_url = "ftp://example.com/config.json";
  auto refused = ChatSession::open(std::move(bad));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("expected an http(s) URL"), std::string::npos) << refused.error().message;
}

TEST_F(WebMessagingPlatformTest, QuickRepliesArriveTypedAndTheAnswerGoesBackAsAButton) {
  options_.config.bot.quick_replies = {{"Yes", "yes", "Message"}, {"No", "no", "Message"}};
  Recorder r;
  auto session = open(wm_config(), r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  ASSERT_TRUE(session->send("Did it arrive?").ok());
  ASSERT_TRUE(r.wait_messages_from("bot")) << r.transcript();
  const auto from_bot = [&] {
    std::vector<client::MessageReceived> out;
    for (auto& m : r.all<client::MessageReceived>()) {
      if (m.sender_role == "bot") out.push_back(m);
    }
    return out;
  };
  const auto offer = from_bot().at(0);
  ASSERT_EQ(offer.quick_replies.size(), 2u) << r.transcript();
  EXPECT_EQ(offer.quick_replies[0], (client::QuickReply{"Yes", "yes"}));
  EXPECT_EQ(session->info().quick_replies, offer.quick_replies);
  EXPECT_NE(client::describe(offer).find("[1] Yes [2] No"), std::string::npos) << client::describe(offer);

  auto answered = session->send_quick_reply(offer.quick_replies[1]);
  ASSERT_TRUE(answered.ok()) << answered.error().message;
  EXPECT_TRUE(session->info().quick_replies.empty()) << "answered: no longer on offer";
  ASSERT_TRUE(r.wait_messages_from("bot", 2)) << r.transcript();
  EXPECT_EQ(from_bot().at(1).body, "You said: No") << "the bot got the button's text";
  // The server's copy of the answer is this session's own, with the payload it carried.
  bool echoed = false;
  for (const auto& m : r.all<client::MessageReceived>()) {
    if (m.own && m.client_id == *answered) {
      echoed = true;
      EXPECT_EQ(m.body, "No");
      EXPECT_EQ(m.payload.value_or(""), "no");
    }
  }
  EXPECT_TRUE(echoed) << r.transcript();
  const auto sends = spans_named(std::string(conventions::kSendMessageSpan));
  ASSERT_EQ(sends.size(), 2u);
  const auto* quick_reply = sends[1]->attributes.find("chat.message.quick_reply");
  ASSERT_NE(quick_reply, nullptr);
  EXPECT_EQ(*quick_reply, trace::AttributeValue(true));
}

TEST_F(WebMessagingPlatformTest, LeavesCleanlyWhenAFourthConnectionTakesItsPlace) {
  Recorder r;
  auto config = wm_config();
  config.web_messaging_token = kSessionTokenForLimits;
  auto session = open(std::move(config), r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  // Three more connections of the same session: the fourth closes the oldest, ours.
  std::vector<std::unique_ptr<RawWsClient>> others;
  for (int i = 0; i < 3; ++i) {
    others.push_back(EmulatorTest::open(web_messaging_path()));
    ASSERT_NE(others.back(), nullptr);
    others.back()->send_json(
        {{"action", "configureSession"}, {"token", kSessionTokenForLimits}, {"deploymentId", kDeployment}});
    ASSERT_TRUE(others.back()->read_until_type("response").is_object());
  }
  // Reconnecting would close the oldest of the others, and so on for ever: it leaves,
  // says why, and the others keep the session.
  ASSERT_TRUE(r.wait_state(SessionState::closed)) << r.transcript();
  EXPECT_EQ(session->info().reconnects, 0u);
  const auto warnings = r.all<client::Warning>();
  ASSERT_EQ(warnings.size(), 1u) << r.transcript();
  EXPECT_EQ(warnings[0].code, "connection-replaced");
  EXPECT_TRUE(r.all<client::ConversationEnded>().empty()) << "the conversation goes on";
  for (auto& other : others) {
    other->send_json(
        {{"action", "echo"}, {"token", kSessionTokenForLimits}, {"message", {{"type", "Text"}, {"text", "ping"}}}});
    EXPECT_TRUE(other->read_until_type("response").is_object()) << "the three newest connections stay";
  }
}

TEST_F(WebMessagingPlatformTest, TheHeartbeatKeepsWithinTheEchoRate) {
  echo_rate(120);  // 2 per second, burst 2 (the emulator's default burst)
  Recorder r;
  auto config = wm_config();
  config.heartbeat_interval = 20ms;            // asks for 50 echoes a second...
  config.web_messaging_echo_per_minute = 120;  // ...but the echo rate allows 2
  auto session = open(std::move(config), r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  std::this_thread::sleep_for(2500ms);  // several heartbeats' worth
  EXPECT_TRUE(r.all<client::RateLimited>().empty()) << r.transcript();
  EXPECT_EQ(session->state(), SessionState::active);
  EXPECT_EQ(session->info().reconnects, 0u) << "every heartbeat was answered";
}

TEST_F(WebMessagingPlatformTest, AHeartbeatOverTheEchoRateIsRefusedAndTheSessionGoesOn) {
  echo_rate(60);
  Recorder r;
  auto config = wm_config();
  config.heartbeat_interval = 20ms;
  config.web_messaging_echo_per_minute = 6000;  // the client believes in a rate the server does not grant
  auto session = open(std::move(config), r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  ASSERT_TRUE(r.wait_count<client::RateLimited>(1)) << r.transcript();
  EXPECT_EQ(session->state(), SessionState::active) << r.transcript();
  ASSERT_TRUE(session->send("hello").ok());
  ASSERT_TRUE(r.wait_count<client::MessageDelivered>(1)) << r.transcript();
}

TEST(DeploymentConfigUrl, IsTheCdnSiblingOfAGenesysHostAndTheSameHostOtherwise) {
  const auto url_for = [](const std::string& ws, const std::string& configured = "") {
    auto endpoint = client::resolve_endpoint(ws, client::Dialect::automatic);
    EXPECT_TRUE(endpoint.ok());
    auto url = client::deployment_config_url(configured, *endpoint);
    return url.ok() ? url->to_string() : url.error().message;
  };
  const std::string id = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
  EXPECT_EQ(url_for("wss://webmessaging.usw2.pure.cloud/v1?deploymentId=" + id),
            "https://api-cdn.usw2.pure.cloud:443/webdeployments/v1/deployments/" + id + "/config.json");
  EXPECT_EQ(url_for("ws://127.0.0.1:8080/v1?deploymentId=" + id),
            "http://127.0.0.1:8080/webdeployments/v1/deployments/" + id + "/config.json");
  EXPECT_EQ(url_for("wss://chat.example.com/v1?deploymentId=" + id),
            "https://chat.example.com:443/webdeployments/v1/deployments/" + id + "/config.json");
  EXPECT_EQ(url_for("ws://127.0.0.1:8080/v1?deploymentId=" + id, "http://cdn.test/d/config.json"),
            "http://cdn.test:80/d/config.json");
}

}  // namespace
}  // namespace tracechat::testing
