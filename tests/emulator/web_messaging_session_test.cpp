// Web Messaging sessions as the platform keeps them, with raw frames: a conversation
// starts with the session's first Join or message (not at configureSession), a session
// holds at most three connections, the guest's own Disconnect comes back Inbound only,
// and echo is rate-limited per connection.
#include <fstream>

#include "web_messaging_fixture.h"

using namespace tracechat::testing;
namespace emulator = tracechat::emulator;

namespace {

class WebMessagingSession : public WebMessagingTest {};

class WebMessagingSessionNoBot : public WebMessagingTest {
  void configure(emulator::EmulatorOptions& o) override { o.config.bot.enabled = false; }
};

// A flow that ends the conversation for the agent side when the guest says anything.
class WebMessagingAgentEnds : public WebMessagingTest {
  void configure(emulator::EmulatorOptions& o) override {
    o.config.bot.enabled = false;
    const auto flows = dir_ / "flows";
    std::filesystem::create_directories(flows);
    std::ofstream(flows / "end.json") << R"({"name": "End", "trigger": "guest-message",
                                              "steps": [{"type": "disconnect"}]})";
    o.flows_dir = flows;
  }
};

// A flow that reads participant data when the conversation starts and says what it saw.
class WebMessagingStartFlow : public WebMessagingTest {
  void configure(emulator::EmulatorOptions& o) override {
    o.config.bot.enabled = false;
    const auto flows = dir_ / "flows";
    std::filesystem::create_directories(flows);
    std::ofstream(flows / "greet.json") << R"({"name": "Greet", "trigger": "conversation-started",
        "steps": [{"type": "get-participant-data", "variables": {"traceId": "otel_trace_id"}},
                  {"type": "send-message", "text": "trace ${flow.traceId}"}]})";
    o.flows_dir = flows;
  }
};

}  // namespace

TEST_F(WebMessagingSession, ConfigureSessionAloneStartsNoConversation) {
  auto ws = session();
  EXPECT_EQ(start().stats().conversations, 0u);
  // Typing and an echo do not start one either.
  ws->send_json(on_message(
      json::object{{"type", "Event"}, {"events", json::array{{{"eventType", "Typing"}, {"typing", {{"type", "On"}}}}}}},
      "typing"));
  EXPECT_EQ(text_of(read_class(*ws, "StructuredMessage"), "tracingId"), "typing");
  frames_before_echo(*ws);
  EXPECT_EQ(start().stats().conversations, 0u);
  EXPECT_TRUE(job_results(R"({"interval":"2000-01-01T00:00:00.000Z/2100-01-01T00:00:00.000Z"})").empty());
}

TEST_F(WebMessagingSession, APresenceJoinStartsTheConversationWhateverAutoStartSays) {
  // The deployment does not auto-start (the default); a Join starts a conversation anyway.
  auto ws = session();
  ws->send_json(on_message(event_message(presence("Join")), "join"));
  auto echo = read_message(*ws, "Event", "Inbound");
  EXPECT_EQ(text_of(echo, "tracingId"), "join");
  EXPECT_EQ(start().stats().conversations, 1u);
}

TEST_F(WebMessagingSession, TheFirstMessageStartsTheConversationForEveryConnectionOfTheSession) {
  auto first = session();
  auto second = open(web_messaging_path());
  // The same session, resumed by its token although it has no conversation yet.
  EXPECT_EQ(configure_session(*second).at("body").at("newSession"), false);
  EXPECT_EQ(start().stats().conversations, 0u);

  second->send_json(on_message(text_message("hello"), "m1"));
  EXPECT_EQ(text_of(read_message(*second, "Text", "Inbound"), "tracingId"), "m1");
  // The other connection follows the conversation from its first event on.
  auto seen = read_message(*first, "Text", "Inbound");
  EXPECT_EQ(text_of(seen.at("body"), "text"), "hello");
  EXPECT_FALSE(seen.as_object().contains("tracingId"));  // the tracingId is the requester's
  EXPECT_EQ(text_of(read_message(*first, "Text", "Outbound").at("body"), "text"), "You said: hello");
  EXPECT_EQ(start().stats().conversations, 1u);

  // A third connection resumes the session with its conversation.
  auto third = open(web_messaging_path());
  EXPECT_EQ(configure_session(*third).at("body").at("newSession"), false);
  third->send_json(on_message(text_message("again"), "m2"));
  read_message(*third, "Text", "Inbound");
  EXPECT_EQ(start().stats().conversations, 1u);
}

TEST_F(WebMessagingSession, ARefusedFirstMessageLeavesNoConversation) {
  auto ws = session();
  json::object attributes;
  for (int i = 0; i < 9; ++i) attributes["k" + std::to_string(i)] = std::string(250, 'x');
  auto message = text_message("hi");
  message["channel"] = {{"metadata", {{"customAttributes", attributes}}}};
  ws->send_json(on_message(message, "big"));
  EXPECT_EQ(read_class(*ws, "string").at("code"), 4013);
  ws->send_json(on_message(text_message(std::string(5000, 'a')), "long"));
  EXPECT_EQ(read_class(*ws, "string").at("code"), 4011);
  EXPECT_EQ(start().stats().conversations, 0u);
}

TEST_F(WebMessagingStartFlow, TheStartingMessagesAttributesAreThereWhenTheConversationStarts) {
  auto ws = session();
  auto join = event_message(presence("Join"));
  join["channel"] = {{"metadata", {{"customAttributes", {{"otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}}}}}};
  ws->send_json(on_message(join, "join"));
  auto said = read_message(*ws, "Text", "Outbound");
  EXPECT_EQ(text_of(said.at("body"), "text"), "trace 4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST_F(WebMessagingSession, StartNewAfterAnEndedConversationStartsTheNextOneWithTheNextMessage) {
  auto ws = session();
  ws->send_json(on_message(text_message("one"), "m1"));
  read_message(*ws, "Text", "Inbound");
  ws->send_json(on_message(event_message(presence("Disconnect")), "bye"));
  read_message(*ws, "Event", "Inbound");
  auto fresh = open(web_messaging_path());
  auto answer = configure_session(*fresh, kSessionToken, true);
  EXPECT_EQ(answer.at("body").at("newSession"), true);
  EXPECT_EQ(answer.at("body").at("readOnly"), false);
  EXPECT_EQ(start().stats().conversations, 1u);  // nothing new until a message
  fresh->send_json(on_message(text_message("two"), "m2"));
  EXPECT_EQ(text_of(read_message(*fresh, "Text", "Inbound"), "tracingId"), "m2");
  EXPECT_EQ(start().stats().conversations, 2u);
  EXPECT_EQ(start().stats().active_conversations, 1u);
}

TEST_F(WebMessagingSession, TheGuestsOwnDisconnectComesBackInboundOnly) {
  auto ws = session();
  auto other = session();  // a second tab of the same guest
  ws->send_json(on_message(event_message(presence("Join")), "join"));
  read_message(*ws, "Event", "Inbound");
  ws->send_json(on_message(event_message(presence("Disconnect")), "bye"));
  // The first frame after the request is its Inbound echo, with the request's tracingId.
  auto echo = read_class(*ws, "StructuredMessage");
  EXPECT_EQ(text_of(echo, "tracingId"), "bye");
  EXPECT_EQ(text_of(echo.at("body"), "direction"), "Inbound");
  EXPECT_EQ(text_of(echo.at("body").at("events").at(0).at("presence"), "type"), "Disconnect");
  // Nothing Outbound follows: an Outbound Disconnect would say the other side ended it.
  for (const auto& v : frames_before_echo(*ws)) {
    EXPECT_NE(text_of(v.at("body"), "direction"), "Outbound") << json::serialize(v);
  }
  // The guest's other connection sees the same act, Inbound too.
  auto seen = read_message(*other, "Event", "Inbound");
  EXPECT_EQ(text_of(seen.at("body").at("events").at(0).at("presence"), "type"), "Disconnect");
  for (const auto& v : frames_before_echo(*other)) {
    EXPECT_NE(text_of(v.at("body"), "direction"), "Outbound") << json::serialize(v);
  }
}

TEST_F(WebMessagingAgentEnds, AnEndTheAgentSideCausedIsAnOutboundDisconnect) {
  auto ws = session();
  ws->send_json(on_message(text_message("hi"), "m1"));
  EXPECT_EQ(text_of(read_message(*ws, "Text", "Inbound"), "tracingId"), "m1");
  auto ended = read_message(*ws, "Event", "Outbound");
  EXPECT_EQ(text_of(ended.at("body").at("events").at(0).at("presence"), "type"), "Disconnect");
  EXPECT_FALSE(ended.as_object().contains("tracingId"));
  auto again = open(web_messaging_path());
  EXPECT_EQ(configure_session(*again).at("body").at("readOnly"), true);
}

TEST_F(WebMessagingSessionNoBot, AFourthConnectionClosesTheOldest) {
  auto first = session();
  auto second = session();
  auto third = session();
  EXPECT_FALSE(first->closed());
  auto fourth = session();
  auto closed = read_class(*first, "ConnectionClosedEvent");
  EXPECT_EQ(text_of(closed, "type"), "message");
  EXPECT_EQ(text_of(closed.at("body"), "reasonCode"), "connection-limit");
  EXPECT_EQ(first->wait_closed(), 1000);
  // The newer three go on, and follow the conversation.
  fourth->send_json(on_message(text_message("hi"), "m1"));
  for (auto* ws : {second.get(), third.get(), fourth.get()}) {
    EXPECT_EQ(text_of(read_message(*ws, "Text", "Inbound").at("body"), "text"), "hi");
    EXPECT_FALSE(ws->closed());
  }
  // Another session's connections do not count.
  auto elsewhere = session("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
  auto answer = frames_before_echo(*second);
  for (const auto& v : answer) EXPECT_NE(text_of(v, "class"), "ConnectionClosedEvent");
}

class WebMessagingTwoConnections : public WebMessagingTest {
  void configure(emulator::EmulatorOptions& o) override { o.config.web_messaging.max_connections_per_session = 2; }
};

TEST_F(WebMessagingTwoConnections, TheLimitIsConfigurable) {
  auto first = session();
  auto second = session();
  auto third = session();
  EXPECT_EQ(text_of(read_class(*first, "ConnectionClosedEvent").at("body"), "reasonCode"), "connection-limit");
  EXPECT_EQ(first->wait_closed(), 1000);
  for (const auto& v : frames_before_echo(*second)) EXPECT_NE(text_of(v, "class"), "ConnectionClosedEvent");
}

TEST_F(WebMessagingSession, EchoIsRateLimitedPerConnection) {
  auto ws = session();
  const auto echo = [&](const std::string& tracing_id) {
    ws->send_json({{"action", "echo"},
                   {"token", kSessionToken},
                   {"tracingId", tracing_id},
                   {"message", {{"type", "Text"}, {"text", "ping"}}}});
    for (;;) {
      auto v = ws->read_json();
      if (!v.is_object() || text_of(v, "tracingId") == tracing_id) return v;
    }
  };
  // Two at once (the burst), then about two a minute.
  EXPECT_EQ(text_of(echo("e1"), "class"), "StructuredMessage");
  EXPECT_EQ(text_of(echo("e2"), "class"), "StructuredMessage");
  auto limited = echo("e3");
  EXPECT_EQ(text_of(limited, "class"), "TooManyRequestsErrorMessage");
  EXPECT_EQ(text_of(limited, "type"), "response");
  EXPECT_EQ(limited.at("code"), 429);
  EXPECT_EQ(limited.at("body").at("errorCode"), 4029);
  EXPECT_TRUE(limited.at("body").at("errorCode").is_int64());
  EXPECT_GE(limited.at("body").at("retryAfter").as_int64(), 1);
  EXPECT_EQ(text_of(limited.at("body"), "errorMessage"), "echo is limited to 2 per minute per connection");
  // Another connection of the same session has its own allowance.
  auto other = session();
  other->send_json({{"action", "echo"},
                    {"token", kSessionToken},
                    {"tracingId", "o1"},
                    {"message", {{"type", "Text"}, {"text", "ping"}}}});
  EXPECT_EQ(text_of(read_class(*other, "StructuredMessage"), "tracingId"), "o1");
}
